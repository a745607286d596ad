import { expect } from 'chai';
import { CommitmentRule, CustomerMapping, ImportError } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { harness, type Harness } from './harness.js';

/**
 * Issue 22, point 2: the product sync reads the commitment terms of the products sold on a commitment
 * (GET /products/{id}/dependencies, through the import's client thread) and stores them per product and term.
 */
describe('import: commitment rules from the product data', function () {
  this.timeout(120_000);
  let h: Harness;
  let scope: TenantScope;
  beforeEach(async () => {
    h = await harness({ companies: 20, subscriptions: 80, usageSummaries: 0 }, { productImportMode: 'none' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
  });
  afterEach(async () => h.close());

  /** What the sandbox's product data says, for the products of the subscriptions the import saw with a commitment. */
  const expected = async () => {
    const data = h.sandbox.data;
    const companies = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    const products = new Set(data.subscriptions.filter((s) => companies.has(s.companyId) && (s.commitment || data.productById.get(s.productId)!.requiresCommitment)).map((s) => s.productId));
    return [...products].flatMap((id) => data.productById.get(id)!.commitments.map((c) => [id, c.term, c.id, c.allowForQuantityIncrease, c.allowForQuantityDecrease,
      c.allowForEarlyCancellation, c.renewalWindowDaysBeforeTermEnd, c.renewalWindowDaysAfterTermEnd, c.cancellationFeeApplied, c.autoRenew, c.isTransferable].join('|'))).sort();
  };
  const stored = async () => (await scope.repo(CommitmentRule).find()).map((r) => [r.pax8ProductId, r.term, r.pax8CommitmentId, r.allowIncrease, r.allowDecrease,
    r.allowEarlyCancellation, r.renewalWindowDaysBefore, r.renewalWindowDaysAfter, r.cancellationFeeApplied, r.autoRenew, r.isTransferable].join('|')).sort();

  it('stores each committed product\'s terms (several vendors) whatever the product mode; an unchanged re-import writes nothing', async () => {
    const run = await h.run({ entities: 'subscriptions' });
    expect(run.status).to.equal('succeeded');
    const want = await expected();
    expect(want.length).to.be.greaterThan(3);
    expect(await stored()).to.deep.equal(want);
    const vendors = new Set((await scope.repo(CommitmentRule).find()).map((r) => h.sandbox.data.productById.get(r.pax8ProductId)!.vendorName));
    expect(vendors.has('Microsoft')).to.equal(true);
    expect(vendors.size).to.be.greaterThan(1);
    const stamps = (await scope.repo(CommitmentRule).find()).map((r) => `${r.id}@${r.updatedAt.toISOString()}`).sort();

    await h.run({ entities: 'subscriptions' });
    expect((await scope.repo(CommitmentRule).find()).map((r) => `${r.id}@${r.updatedAt.toISOString()}`).sort()).to.deep.equal(stamps);
  });

  it('follows changes of the product data (a flag, a term dropped); a dry run reads but writes nothing', async () => {
    await h.run({ entities: 'subscriptions' });
    const row = (await scope.repo(CommitmentRule).find()).find((r) => h.sandbox.data.productById.get(r.pax8ProductId)!.commitments.length > 1)!;
    const product = h.sandbox.data.productById.get(row.pax8ProductId)!;
    const rule = product.commitments.find((c) => c.term === row.term)!;
    rule.allowForQuantityDecrease = !rule.allowForQuantityDecrease;
    const dropped = product.commitments.find((c) => c.term !== row.term)!;
    product.commitments.splice(product.commitments.indexOf(dropped), 1);

    await h.run({ entities: 'subscriptions', dryRun: true });
    expect(await scope.repo(CommitmentRule).count({ where: { pax8ProductId: product.id, term: dropped.term } })).to.equal(1);
    expect((await scope.repo(CommitmentRule).findOneBy({ id: row.id }))!.allowDecrease).to.equal(row.allowDecrease);

    await h.run({ entities: 'subscriptions' });
    expect(await stored()).to.deep.equal(await expected());
    expect((await scope.repo(CommitmentRule).findOneBy({ id: row.id }))!.allowDecrease).to.equal(rule.allowForQuantityDecrease);
    expect(await scope.repo(CommitmentRule).count({ where: { pax8ProductId: product.id, term: dropped.term } })).to.equal(0);
  });

  it('terms Pax8 sends malformed: an error on the run (partial), the stored rules kept, every other product synced', async () => {
    await h.run({ entities: 'subscriptions' });
    const before = await stored();
    const row = (await scope.repo(CommitmentRule).find())[0]!;
    const product = h.sandbox.data.productById.get(row.pax8ProductId)!;
    (product.commitments[0] as { term: string }).term = '';
    const run = await h.run({ entities: 'subscriptions' });
    expect(run.status).to.equal('partial');
    const errors = await scope.repo(ImportError).findBy({ importRunId: run.id });
    expect(errors.map((e) => [e.entity, e.pax8Id])).to.deep.equal([['products', product.id]]);
    expect(errors[0]!.message).to.match(/commitment rules of product/);
    expect(await stored()).to.deep.equal(before);
  });
});
