import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Product } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { Pax8Client } from '../../../src/pax8/client/index.js';
import type { Pax8Reader } from '../../../src/pax8/client/threaded-client.js';
import { recurraSku } from '../../../src/pax8/sku.js';
import { pax8ClientConfigFor } from '../../../src/tenants/pax8-client.js';
import { harness, type Harness } from './harness.js';

describe(`import products: the whole Pax8 catalog with retail prices (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(90_000);
  let h: Harness;
  let scope: TenantScope;
  afterEach(async () => h?.close());

  /** Every SKU the sandbox's catalog prices, with the first tier's suggested retail price. */
  const expectedCatalog = () => {
    const out = new Map<string, string>();
    for (const p of h.sandbox.data.products) {
      for (const pr of p.pricing) {
        const first = [...pr.rates].sort((a, b) => a.startQuantityRange - b.startQuantityRange)[0]!;
        out.set(recurraSku({ vendorSku: p.vendorSku, sku: p.sku, commitmentTerm: pr.commitmentTerm, billingTerm: pr.billingTerm }), first.suggestedRetailPrice.toString());
      }
    }
    return out;
  };

  it('creates every product of the catalog, also those on no subscription, with its first-tier retail price, and refreshes the price', async () => {
    // Few subscriptions: most of the catalog is on none of them.
    h = await harness({ companies: 5, subscriptions: 6, usageSummaries: 0 }, { productImportMode: 'products' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
    const run = await h.run({ entities: 'products' });
    expect(run.status).to.equal('succeeded');
    const expected = expectedCatalog();
    const rows = await scope.repo(Product).find();
    expect(new Set(rows.map((r) => r.sku))).to.deep.equal(new Set(expected.keys()));
    const onSubscriptions = new Set(h.sandbox.data.subscriptions.map((s) => s.productId));
    expect(rows.filter((r) => !onSubscriptions.has(r.pax8ProductId!)).length, 'products on no subscription').to.be.greaterThan(10);
    for (const r of rows) expect(r.retailPrice?.toString(), r.sku).to.equal(expected.get(r.sku));
    expect(run.counts.products!.created).to.equal(rows.length);

    // Pax8 changes a price: the next product sync refreshes that product only.
    const product = h.sandbox.data.products.find((p) => p.pricing.length === 1 && p.pricing[0]!.rates.length === 1)!;
    const entry = product.pricing[0]!;
    const rate = entry.rates[0]!;
    (rate as { suggestedRetailPrice: Decimal }).suggestedRetailPrice = rate.suggestedRetailPrice.plus('1.25');
    const sku = recurraSku({ vendorSku: product.vendorSku, sku: product.sku, commitmentTerm: entry.commitmentTerm, billingTerm: entry.billingTerm });
    const again = await h.run({ entities: 'products' });
    expect(again.counts.products).to.include({ created: 0, updated: 1 });
    expect((await scope.repo(Product).findOneBy({ sku }))!.retailPrice!.toString()).to.equal(rate.suggestedRetailPrice.toString());
  });

  it('mode none refreshes the products there are and creates none; a category Pax8 sends is stored', async () => {
    h = await harness({ companies: 5, subscriptions: 6, usageSummaries: 0 }, { productImportMode: 'products' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers,products' });
    const kept = (await scope.repo(Product).find())[0]!;
    await scope.repo(Product).update({ id: kept.id }, { retailPrice: new Decimal('0.01') });
    await h.run({ entities: 'customers' });
    await scope.repo(Product).delete({ id: (await scope.repo(Product).find()).find((p) => p.id !== kept.id)!.id });
    const count = await scope.repo(Product).count();
    await h.settings({ productImportMode: 'none' });

    // Pax8's published Product has no category; an answer that carries one is read (the stand-in adds it).
    const real = new Pax8Client(pax8ClientConfigFor(h.tenants, h.tenant, { rateLimitPerMinute: null }));
    const withCategory: Pax8Reader & Pick<Pax8Client, 'products' | 'productPricing'> = {
      tenantId: real.tenantId, tenantName: real.tenantName, companies: real.companies.bind(real), product: real.product.bind(real),
      subscriptions: real.subscriptions.bind(real), usageSummaries: real.usageSummaries.bind(real), usageLinesOfDays: real.usageLinesOfDays.bind(real),
      productPricing: real.productPricing.bind(real),
      async *products(filters) {
        for await (const item of real.products(filters)) yield item.record ? { record: { ...item.record, category: `${item.record.vendorName} licences` } } : item;
      },
    };
    const run = await h.run({ entities: 'products', pax8Client: withCategory });
    expect(run.counts.products!.created).to.equal(0);
    expect(await scope.repo(Product).count()).to.equal(count);
    const refreshed = (await scope.repo(Product).findOneBy({ id: kept.id }))!;
    expect(refreshed.retailPrice!.toString()).to.equal(expectedCatalog().get(kept.sku));
    expect(refreshed.category).to.equal(`${refreshed.vendorName} licences`);
  });
});
