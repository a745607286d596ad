import { expect } from 'chai';
import { CustomerMapping, Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { showRun } from '../../../src/imports/run-queries.js';
import { harness, type Harness } from './harness.js';

/** Issue 22, point 6: Pax8 sends fractional quantities (e.g. 2.5) for some products; they import as exact decimals. */
describe('import fractional quantities (issue 22)', function () {
  this.timeout(90_000);
  let h: Harness;
  let scope: TenantScope;
  beforeEach(async () => {
    h = await harness({ companies: 30, subscriptions: 200, usageSummaries: 0 }, { productImportMode: 'none' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
  });
  afterEach(async () => h.close());

  it('imports a subscription whose quantity is 2.5 as the decimal 2.5, with its history, and a change to 3.75 later', async () => {
    const mapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    const src = h.sandbox.data.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active' && Number.isInteger(s.quantity))!;
    src.quantity = 2.5;
    src.initialQuantity = 2.5;
    const run = await h.run({ entities: 'subscriptions' });
    const shown = (await showRun(h.ds, h.tenant.id, run.id))!;
    expect((shown.errors ?? []).filter((e) => e.pax8Id === src.id)).to.deep.equal([]);
    const row = (await scope.repo(Subscription).findOneBy({ pax8Id: src.id }))!;
    expect(row).to.not.equal(null);
    expect(row.quantity.toFixed()).to.equal('2.5');
    const first = await scope.repo(SubscriptionChange).findBy({ subscriptionId: row.id });
    expect(first.map((c) => c.quantity.toFixed())).to.deep.equal(['2.5']);

    await h.admin('POST', `/subscriptions/${src.id}/quantity`, { quantity: 3.75 });
    await h.run({ entities: 'subscriptions' });
    const after = (await scope.repo(Subscription).findOneBy({ pax8Id: src.id }))!;
    expect(after.quantity.toFixed()).to.equal('3.75');
    const changes = await scope.repo(SubscriptionChange).find({ where: { subscriptionId: row.id }, order: { observedAt: 'ASC' } });
    expect(changes.map((c) => c.quantity.toFixed())).to.deep.equal(['2.5', '3.75']);
  });

  it('imports the fractional quantities the sandbox serves by default (seeded)', async () => {
    const fractional = h.sandbox.data.subscriptions.filter((s) => !Number.isInteger(s.quantity));
    expect(fractional.length).to.be.greaterThan(0);
    const run = await h.run({ entities: 'subscriptions' });
    const shown = (await showRun(h.ds, h.tenant.id, run.id))!;
    expect((shown.errors ?? []).map((e) => e.message).filter((m) => /whole/.test(m))).to.deep.equal([]);
    const mapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    let checked = 0;
    for (const s of fractional.filter((x) => mapped.has(x.companyId))) {
      const row = (await scope.repo(Subscription).findOneBy({ pax8Id: s.id }))!;
      expect(row.quantity.toFixed(), s.id).to.equal(String(s.quantity));
      checked++;
    }
    expect(checked).to.be.greaterThan(0);
  });
});
