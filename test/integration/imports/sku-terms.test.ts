import { expect } from 'chai';
import { CustomerMapping, Product, Subscription } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { recurraSku } from '../../../src/pax8/sku.js';
import { harness, type Harness } from './harness.js';

/** Issue 3: every Pax8 billing term has a SKU, so trial, activation and one-time subscriptions are imported with a product. */
describe('import products: SKUs for every Pax8 billing term', function () {
  this.timeout(60_000);
  let h: Harness;
  after(async () => h?.close());

  it('a Trial and an Activation subscription get a product of their own, and no subscription is left without a SKU', async () => {
    h = await harness({ companies: 20, subscriptions: 120, usageSummaries: 0 }, { productImportMode: 'products' });
    const scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
    const mapping = (await scope.repo(CustomerMapping).find())[0]!;
    const withTerm = (term: string) => h.sandbox.data.products.find((p) => p.pricing.some((x) => x.billingTerm === term));
    const trialProduct = withTerm('Trial');
    const activationProduct = withTerm('Activation');
    expect(trialProduct, 'a sandbox product with trial pricing').to.not.equal(undefined);
    expect(activationProduct, 'a sandbox product with an activation fee').to.not.equal(undefined);
    const trial = await h.admin('POST', '/subscriptions', { companyId: mapping.pax8CompanyId, productId: trialProduct!.id, quantity: 5, billingTerm: 'Trial', status: 'Trial' }) as { id: string };
    const activation = await h.admin('POST', '/subscriptions', { companyId: mapping.pax8CompanyId, productId: activationProduct!.id, quantity: 1, billingTerm: 'Activation', status: 'Activated' }) as { id: string };

    const run = await h.run({ entities: 'products,subscriptions' });
    expect(run.details.unmappedSkus ?? []).to.deep.equal([]);

    const subs = await scope.repo(Subscription).findBy({ kind: 'license' });
    const products = new Map((await scope.repo(Product).find()).map((p) => [p.id, p]));
    for (const [pax8Id, suffix] of [[trial.id, /-P1[MY]-TR$/], [activation.id, /-P\w+-AC$/]] as const) {
      const s = subs.find((x) => x.pax8Id === pax8Id)!;
      expect(s.productId, `${s.billingTerm} subscription has a product`).to.not.equal(null);
      const product = products.get(s.productId!)!;
      expect(product.sku).to.match(suffix);
      const src = h.sandbox.data.subscriptionById.get(pax8Id)!;
      const p8 = h.sandbox.data.productById.get(src.productId)!;
      expect(product.sku).to.equal(recurraSku({ vendorSku: p8.vendorSku, sku: p8.sku, commitmentTerm: src.commitment?.term, billingTerm: src.billingTerm }));
    }
    // The sandbox generates every status and billing term: none of the imported subscriptions is left without a product.
    expect(subs.filter((s) => s.productId === null).map((s) => `${s.pax8Id} ${s.billingTerm}`)).to.deep.equal([]);
    const terms = new Set(subs.map((s) => s.billingTerm));
    expect(terms.has('Trial') && terms.has('Activation')).to.equal(true);
    // A trial and the paid subscription of the same product are different products.
    const trialSku = products.get(subs.find((x) => x.pax8Id === trial.id)!.productId!)!.sku;
    expect([...products.values()].filter((p) => p.sku === trialSku)).to.have.length(1);
  });
});
