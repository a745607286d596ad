import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import {
  ChangeNotice, CustomerMapping, LicensingChangeRequest, LicensingNotice, Subscription, SubscriptionChange,
} from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { setSubscriptionQuantity } from '../../../src/subscriptions/actions.js';
import { LicensingService } from '../../../src/licensing/service.js';
import { detectChanges } from '../../../src/notices/detect.js';
import { pushQuantity } from '../../../src/subscriptions/push-quantity.js';
import { pax8ClientFor } from '../../../src/tenants/pax8-client.js';
import type { SandboxSubscription } from '../../../src/pax8/sandbox/index.js';
import { harness, type Harness } from './harness.js';

/**
 * Issue 22, point 1: Pax8 answers a quantity change PendingAutomated/PendingManual and provisions it later (the sandbox's
 * default). Recurra keeps billing the provisioned quantity, records the change as pending, raises no "cancelled" notice,
 * and settles it (and a licensing request) on the next import; updates carry the product's provisioning details.
 */
describe('pending quantity changes (issue 22, point 1)', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;

  async function setUp(opts: { pendingFailureRate?: number } = {}) {
    h = await harness({ companies: 20, subscriptions: 80, usageSummaries: 0, pendingFailureRate: opts.pendingFailureRate ?? 0 }, { productImportMode: 'none', allowQuantityIncrease: true });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers,subscriptions' });
    // The notices' baseline: later imports are compared with this state.
    await detectChanges(scope, h.tenant);
  }
  afterEach(async () => h?.close());

  async function mappedSub(pred: (s: SandboxSubscription) => boolean): Promise<Subscription> {
    const mapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    const src = h.sandbox.data.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active' && Number.isInteger(s.quantity) && pred(s));
    expect(src, 'a mapped active sandbox subscription').to.not.equal(undefined);
    return (await scope.repo(Subscription).findOneBy({ pax8Id: src!.id }))!;
  }
  const plainProduct = (s: SandboxSubscription) => h.sandbox.data.productById.get(s.productId)!.provisioningDetails.length === 0;
  const client = () => pax8ClientFor(h.tenants, h.tenant, { rateLimitPerMinute: null, maxRetries: 0 });
  const set = (sub: Subscription, quantity: number) => setSubscriptionQuantity({ ds: h.ds, secrets: h.secrets }, {
    tenantId: h.tenant.id, subscriptionId: sub.id, quantity, by: 'alice', client: { rateLimitPerMinute: null, maxRetries: 0 },
  });
  const reload = async (id: string) => (await scope.repo(Subscription).findOneBy({ id }))!;
  const changes = (id: string) => scope.repo(SubscriptionChange).find({ where: { subscriptionId: id }, order: { observedAt: 'ASC' } });
  const settleInPax8 = () => h.admin('POST', '/clock/advance', { seconds: 15 * 60 });

  it('keeps billing the provisioned quantity while Pax8 shows the change pending, raises no cancelled notice, and settles on the next import', async () => {
    await setUp();
    const sub = await mappedSub(plainProduct);
    const before = sub.quantity.toNumber();
    const wanted = before + 2;
    await set(sub, wanted);

    let row = await reload(sub.id);
    expect([row.quantity.toNumber(), row.active, row.status]).to.deep.equal([before, true, 'Active']);
    expect(row.pendingQuantity?.toNumber()).to.equal(wanted);
    expect(row.pendingStatus).to.be.oneOf(['PendingAutomated', 'PendingManual']);
    expect((await changes(sub.id)).map((c) => c.quantity.toNumber())).to.deep.equal([before]);

    // An import while Pax8 still shows it pending: nothing billed changes, nothing is "cancelled".
    const during = await h.run({ entities: 'subscriptions' });
    row = await reload(sub.id);
    expect([row.quantity.toNumber(), row.active, row.pendingQuantity?.toNumber()]).to.deep.equal([before, true, wanted]);
    expect((await changes(sub.id)).map((c) => c.quantity.toNumber())).to.deep.equal([before]);
    expect(during.counts.subscriptions?.deactivated ?? 0).to.equal(0);
    await detectChanges(scope, h.tenant);
    expect((await scope.repo(ChangeNotice).find()).filter((n) => n.subscriptionId === sub.id)).to.deep.equal([]);

    // Pax8 provisions it: the next import bills the new quantity and clears the pending change.
    await settleInPax8();
    await h.run({ entities: 'subscriptions' });
    row = await reload(sub.id);
    expect([row.quantity.toNumber(), row.active, row.status, row.pendingQuantity, row.pendingStatus]).to.deep.equal([wanted, true, 'Active', null, null]);
    expect((await changes(sub.id)).map((c) => c.quantity.toNumber())).to.deep.equal([before, wanted]);
  });

  it('a change Pax8 fails leaves the billed quantity as it was and clears the pending change', async () => {
    await setUp({ pendingFailureRate: 1 });
    const sub = await mappedSub(plainProduct);
    const before = sub.quantity.toNumber();
    await set(sub, before + 1);
    expect((await reload(sub.id)).active).to.equal(true);
    await settleInPax8();
    await h.run({ entities: 'subscriptions' });
    // Billing history: never a pending or raised quantity, only the provisioned one.
    expect((await changes(sub.id)).map((c) => [c.quantity.toNumber(), c.active])).to.deep.equal([[before, true]]);
    const row = await reload(sub.id);
    expect([row.quantity.toNumber(), row.active, row.pendingQuantity]).to.deep.equal([before, true, null]);
  });

  it('a licensing request is "provisioning" until an import sees Pax8 provision it, then applied with its notice', async () => {
    await setUp();
    const sub = await mappedSub(plainProduct);
    const svc = new LicensingService(h.ds, () => client());
    await svc.updateSelfService(h.tenant, { id: 'admin' }, { allowSelfService: true });
    const wanted = sub.quantity.plus(1);
    let req = await svc.requestChange(h.tenant, { id: 'client', customerId: sub.customerId }, sub.id, wanted);
    if (req.status === 'pending') req = await svc.approve(h.tenant, { id: 'admin' }, req.id);
    expect([req.status, req.appliedAt]).to.deep.equal(['provisioning', null]);
    const rows = () => scope.repo(LicensingChangeRequest).findOneBy({ id: req.id }).then((r) => r!);

    await h.run({ entities: 'subscriptions' });
    expect((await rows()).status).to.equal('provisioning');
    await settleInPax8();
    await h.run({ entities: 'subscriptions' });
    const done = await rows();
    expect(done.status).to.equal('applied');
    expect(done.appliedAt).to.be.instanceOf(Date);
    const change = (await scope.repo(SubscriptionChange).findOneBy({ id: done.subscriptionChangeId! }))!;
    expect(change.quantity.eq(wanted)).to.equal(true);
    const kinds = (await scope.repo(LicensingNotice).findBy({ requestId: req.id })).map((n) => n.kind);
    expect(kinds).to.include.members(['request_provisioning', 'request_applied']);
  });

  it('sends the provisioning details the product asks for (a bare quantity is refused by Pax8)', async () => {
    await setUp();
    // A subscription of a product that advertises provisioning details (Adobe in the sandbox), added on Pax8's side.
    const companyId = (await scope.repo(CustomerMapping).find())[0]!.pax8CompanyId;
    const adobe = h.sandbox.data.products.find((p) => p.provisioningDetails.length > 0)!;
    await h.admin('POST', '/subscriptions', { companyId, productId: adobe.id, quantity: 3, billingTerm: 'Monthly' });
    await h.run({ entities: 'subscriptions' });
    const sub = await mappedSub((s) => !plainProduct(s));
    const wanted = sub.quantity.plus(1);
    const push = (c: Parameters<typeof pushQuantity>[1]) => pushQuantity(h.ds.manager, c, {
      tenant: h.tenant, subscriptionId: sub.id, quantity: wanted, initiatedBy: 'alice', event: { type: 'licence_purchase', source: 'test' },
    });
    const real = client();
    // The old request (quantity alone) is refused with Pax8's 400.
    const bare = await push({ updateSubscription: (id, u) => real.updateSubscription(id, u) });
    expect(bare.ok).to.equal(false);
    expect(!bare.ok && bare.reason).to.match(/provisioningDetails/);
    const r = await push(real);
    expect(r.ok).to.equal(true);
    expect(r.ok && r.pending?.quantity.eq(wanted)).to.equal(true);
  });
});
