import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { CustomerMapping, Product, RecurringInvoice, RecurringInvoiceLink, Subscription } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { recurraSku } from '../../../src/pax8/sku.js';
import { harness, type Harness } from './harness.js';
import { writeSnapshot } from './snapshot.js';

describe('import products', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;
  afterEach(async () => h.close());
  const setup = async (mode: string) => {
    h = await harness({ companies: 20, subscriptions: 80, usageSummaries: 0 }, { productImportMode: mode, productGroupForNewProducts: 'Cloud licences' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
  };

  it('mode none: no products, subscriptions carry no product', async () => {
    await setup('none');
    const run = await h.run({ entities: 'products,subscriptions' });
    expect(await scope.repo(Product).count()).to.equal(0);
    expect(run.counts.products!.created).to.equal(0);
    expect((await scope.repo(Subscription).find()).every((s) => s.productId === null)).to.equal(true);
  });

  it('mode products: creates one product per SKU (part number + term + billing) in the product group, and links subscriptions to it', async () => {
    await setup('products');
    const run = await h.run({ entities: 'products,subscriptions' });
    const products = await scope.repo(Product).find();
    expect(products.length).to.be.greaterThan(0);
    expect(run.counts.products!.created).to.equal(products.length);
    expect(products.every((p) => p.productGroup === 'Cloud licences')).to.equal(true);
    // The product sync also creates catalog products no subscription uses: take an NCE product a subscription links to.
    const subscriptions = await scope.repo(Subscription).find();
    const nce = products.find((p) => /^CFQ7TTC0[A-Z0-9]+-\d{4}-P1[MY]-[MA]$/.test(p.sku) && subscriptions.some((s) => s.productId === p.id));
    expect(nce, 'a Microsoft NCE SKU like CFQ7TTC0LCHC-0002-P1M-M with a subscription').to.not.equal(undefined);

    const sub = subscriptions.find((s) => s.productId === nce!.id)!;
    const src = h.sandbox.data.subscriptionById.get(sub.pax8Id)!;
    const pax8Product = h.sandbox.data.productById.get(src.productId)!;
    expect(nce!.sku).to.equal(recurraSku({ vendorSku: pax8Product.vendorSku, sku: pax8Product.sku, commitmentTerm: src.commitment?.term, billingTerm: src.billingTerm }));
    expect(nce!).to.include({ pax8ProductId: pax8Product.id, name: pax8Product.name });

    const before = await writeSnapshot(h.ds);
    const again = await h.run({ entities: 'products,subscriptions' });
    expect(again.counts.products!.created).to.equal(0);
    expect(await writeSnapshot(h.ds)).to.deep.equal(before);
  });

  it('mode products_and_lines: only newly created subscriptions get recurring-invoice lines, with a reason when not', async () => {
    await setup('products_and_lines');
    const mapping = (await scope.repo(CustomerMapping).find()).find((m) =>
      h.sandbox.data.subscriptions.some((s) => s.companyId === m.pax8CompanyId && s.billingTerm === 'Monthly'))!;
    const now = new Date();
    const ri = await scope.repo(RecurringInvoice).save(scope.repo(RecurringInvoice).create({
      id: randomUUID(), customerId: mapping.customerId, name: 'Monthly', frequency: 'monthly', anchorDay: 1, anchorMonth: 1, startDate: '2026-12-01',
      currency: 'USD', taxRate: new Decimal(0), status: 'active', nextInvoiceDate: '2026-12-01', createdAt: now, updatedAt: now,
    } as Partial<RecurringInvoice>));
    const run = await h.run({ entities: 'subscriptions' });
    const monthly = h.sandbox.data.subscriptions.filter((s) => s.companyId === mapping.pax8CompanyId && s.billingTerm === 'Monthly');
    const added = run.details.invoiceLines!.filter((l) => l.added);
    expect(added.map((l) => l.subscriptionPax8Id).sort()).to.deep.equal(monthly.map((s) => s.id).sort());
    expect(added.every((l) => l.recurringInvoiceId === ri.id)).to.equal(true);
    expect(run.details.invoiceLines!.filter((l) => !l.added).every((l) => typeof l.reason === 'string' && l.reason.length > 0)).to.equal(true);
    expect(await scope.repo(RecurringInvoiceLink).count()).to.equal(monthly.length);

    // an existing subscription that changes is never added again; a new one is
    const existing = monthly[0]!;
    await h.admin('POST', `/subscriptions/${existing.id}/quantity`, { quantity: existing.quantity + 2 });
    const created = await h.admin('POST', '/subscriptions', { companyId: mapping.pax8CompanyId, productId: existing.productId, quantity: 4, billingTerm: 'Monthly' }) as { id: string };
    const next = await h.run({ entities: 'subscriptions' });
    expect(next.details.invoiceLines!.map((l) => [l.subscriptionPax8Id, l.added])).to.deep.equal([[created.id, true]]);
    expect(await scope.repo(RecurringInvoiceLink).count()).to.equal(monthly.length + 1);
  });
});
