import { expect } from 'chai';
import { CustomerMapping, Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { setSubscriptionQuantity } from '../../../src/subscriptions/actions.js';
import { harness, type Harness } from './harness.js';

describe('quantity changes from Recurra', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;
  let target: Subscription;
  beforeEach(async () => {
    h = await harness({ companies: 20, subscriptions: 80, usageSummaries: 0 }, { productImportMode: 'none' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers,subscriptions' });
    const mapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    const src = h.sandbox.data.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active' && s.commitment && h.sandbox.data.inCommitment(s))!;
    target = (await scope.repo(Subscription).findOneBy({ pax8Id: src.id }))!;
  });
  afterEach(async () => h.close());

  const set = (quantity: number) => setSubscriptionQuantity({ ds: h.ds, secrets: h.secrets }, {
    tenantId: h.tenant.id, subscriptionId: target.id, quantity, by: 'alice', client: { rateLimitPerMinute: null, maxRetries: 0 },
  });

  it('is refused while the tenant setting is off', async () => {
    try {
      await set(target.quantity.toNumber() + 1);
      expect.fail('should refuse');
    } catch (err) {
      expect((err as Error).message).to.include('allowQuantityIncrease');
    }
    expect(h.sandbox.data.subscriptionById.get(target.pax8Id)!.quantity).to.equal(target.quantity.toNumber());
  });

  it('sends an increase to Pax8, records it as pending until Pax8 provisions it, then bills it; a further import writes nothing', async () => {
    await h.settings({ allowQuantityIncrease: true });
    const before = target.quantity.toNumber();
    const wanted = before + 2;
    const after = await set(wanted);
    // Pax8 answers the change PendingAutomated/PendingManual (the sandbox's default): the billed quantity stays.
    expect([after.quantity.toNumber(), after.pendingQuantity?.toNumber()]).to.deep.equal([before, wanted]);
    expect(h.sandbox.data.subscriptionById.get(target.pax8Id)!.quantity).to.equal(wanted);
    expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: target.id } })).to.equal(1);
    await h.admin('POST', '/clock/advance', { seconds: 15 * 60 });
    await h.run({ entities: 'subscriptions' });
    const hist = await scope.repo(SubscriptionChange).find({ where: { subscriptionId: target.id }, order: { observedAt: 'ASC' } });
    expect(hist.map((c) => [c.fields.split(',')[0], c.source])).to.deep.equal([['created', 'import'], ['quantity', 'import']]);
    expect(hist[1]!.quantity.toNumber()).to.equal(wanted);
    const run = await h.run({ entities: 'subscriptions' });
    expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: target.id } })).to.equal(2);
    expect(run.counts.subscriptions!.created).to.equal(0);
    expect(run.counts.subscriptions!.updated).to.equal(0);
  });

  it('refuses a decrease with a clear message and changes nothing', async () => {
    await h.settings({ allowQuantityIncrease: true });
    try {
      await set(target.quantity.toNumber() - 1);
      expect.fail('should refuse');
    } catch (err) {
      expect((err as Error).message).to.match(/can only be increased/);
    }
    expect(h.sandbox.data.subscriptionById.get(target.pax8Id)!.quantity).to.equal(target.quantity.toNumber());
    expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: target.id } })).to.equal(1);
  });
});
