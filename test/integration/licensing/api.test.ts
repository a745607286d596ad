import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import {
  AuditEvent, ImportRun, LicensingChangeRequest, Subscription, SubscriptionChange, type Customer, type Tenant,
} from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import type { RunningSandbox, SandboxSubscription } from '../../../src/pax8/sandbox/index.js';
import { TenantService } from '../../../src/tenants/service.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { addCustomer, addProduct, addSubscription, sandboxSubs, type LicensingEnv } from './env.js';

/**
 * Licensing end to end: the real app over HTTP, the real database, the Pax8 sandbox over HTTP.
 */
describe('licensing API end to end (sandbox over HTTP)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let sb: RunningSandbox;
  let tenant: Tenant;
  let env: LicensingEnv;
  let admin: TestUser;
  let finance: TestUser;
  let clientA: TestUser;
  let clientB: TestUser;
  let custA: Customer;
  let custB: Customer;
  let scope: TenantScope;
  let pool: SandboxSubscription[];
  let committed: SandboxSubscription[];
  const base = () => `/api/v1/tenants/${tenant.id}/licensing`;

  before(async () => {
    app = await startApp();
    sb = await startTestSandbox({ seed: 23, companies: 40, quantityChanges: 'instant' /* approvals and operations, not Pax8's provisioning delay: see test/integration/imports/pending-quantity.test.ts */ });
    tenant = (await createTestTenant(app.ds, app.rt.secrets, sb, { name: 'msp', timeZone: 'America/New_York' })).tenant;
    env = { ds: app.ds, sb, tenant, tenants: new TenantService(app.ds, app.rt.secrets), client: () => { throw new Error('unused'); }, close: async () => {} };
    scope = new TenantScope(app.ds.manager, tenant.id);
    const subs = sandboxSubs(sb);
    committed = [...subs.committed];
    pool = [...subs.free];
    // Both companies own subscriptions in the sandbox; the tests give each subscription a quantity of 10 first.
    custA = await addCustomer(env, 'Contoso <A>', committed[0]!.companyId);
    custB = await addCustomer(env, 'Fabrikam B', pool.find((s) => s.companyId !== committed[0]!.companyId)!.companyId);
    admin = await addUser(app, 'admin', { tenant });
    finance = await addUser(app, 'finance', { tenant });
    clientA = await addUser(app, 'client', { tenant, customerId: custA.id, label: 'client-a' });
    clientB = await addUser(app, 'client', { tenant, customerId: custB.id, label: 'client-b' });
  });
  after(async () => {
    await sb?.close();
    await app?.close();
  });

  /** A sandbox subscription set to `qty`, imported as a local row of `customer`. */
  async function sub(customer: Customer | null, qty = 10, inCommitment = false) {
    const s = (inCommitment ? committed : pool).shift()!;
    sb.data.setQuantity(s.id, qty, false);
    const local = await addSubscription(env, s, customer?.id ?? null, { quantity: new Decimal(qty) });
    return { s, local };
  }
  const settings = (body: object) => call(app, 'put', `${base()}/settings/approval`, { token: admin.token, body });
  const selfService = (body: object) => call(app, 'put', `${base()}/settings/self-service`, { token: admin.token, body });
  const request = (who: TestUser, subscriptionId: string, quantity: number | string) =>
    call(app, 'post', `${base()}/my/subscriptions/${subscriptionId}/requests`, { token: who.token, body: { quantity } });
  const open = async () => {
    expect((await selfService({ allowSelfService: true, defaultMinQuantity: null, defaultMaxQuantity: null })).status).to.equal(200);
    expect((await settings({ requireApprovalByDefault: false, autoApproveThresholdPercent: '50', alwaysApproveVendors: [] })).status).to.equal(200);
  };
  const pax8Qty = (s: SandboxSubscription) => sb.data.subscriptionById.get(s.id)!.quantity;
  const localQty = async (id: string) => (await scope.repo(Subscription).findOneBy({ id }))!.quantity.toFixed();
  const audits = async (action: string) => (await app.ds.manager.find(AuditEvent, { where: { tenantId: tenant.id, action }, order: { at: 'ASC' } }))
    .map((a) => ({ ...a, detail: JSON.parse(a.detail ?? '{}') }));

  describe('settings', () => {
    it('starts safe (approval required, self-service off) and stores approval and self-service settings with an audit of before/after', async () => {
      const r0 = await call(app, 'get', `${base()}/settings`, { token: admin.token });
      expect(r0.status).to.equal(200);
      expect(r0.body.approval).to.deep.equal({ requireApprovalByDefault: true, autoApproveThresholdPercent: '0', alwaysApproveVendors: [] });
      expect(r0.body.selfService).to.deep.equal({ allowSelfService: false, defaultMinQuantity: null, defaultMaxQuantity: null });
      const r = await settings({ requireApprovalByDefault: false, autoApproveThresholdPercent: '25.5', alwaysApproveVendors: ['Microsoft', ' microsoft ', 'Acme'] });
      expect(r.status).to.equal(200);
      expect(r.body.approval).to.deep.equal({ requireApprovalByDefault: false, autoApproveThresholdPercent: '25.5', alwaysApproveVendors: ['Acme', 'microsoft'] });
      const a = (await audits('licensing.settings.approval')).at(-1)!;
      expect(a.userId).to.equal(admin.id);
      expect(a.detail.before.approval).to.deep.equal({ requireApprovalByDefault: true, autoApproveThresholdPercent: '0', alwaysApproveVendors: [] });
      expect(a.detail.after.approval.autoApproveThresholdPercent).to.equal('25.5');
    });
    it('refuses a minimum above the maximum and a negative threshold', async () => {
      const r = await selfService({ defaultMinQuantity: 10, defaultMaxQuantity: 5 });
      expect(r.status).to.equal(400);
      expect(r.body.error.message).to.match(/minimum \(10\) is above the maximum \(5\)/);
      expect((await settings({ autoApproveThresholdPercent: '-1' })).status).to.equal(400);
    });
    it('only manage_licensing (admin) may read or change settings', async () => {
      expect((await call(app, 'get', `${base()}/settings`, { token: finance.token })).status).to.equal(403);
      expect((await call(app, 'put', `${base()}/settings/approval`, { token: clientA.token, body: { requireApprovalByDefault: false } })).status).to.equal(403);
    });
  });

  describe('threshold boundaries end to end', () => {
    before(open);
    it('10 → 15 at 50% is auto-approved and applied in Pax8 at once, recorded as a subscription change', async () => {
      const { s, local } = await sub(custA);
      const r = await request(clientA, local.id, 15);
      expect(r.status).to.equal(201);
      expect(r.body).to.include({ status: 'applied', decision: 'auto', currentQuantity: '10', requestedQuantity: '15', changePercent: '50' });
      expect(pax8Qty(s)).to.equal(15);
      expect(await localQty(local.id)).to.equal('15');
      const changes = await scope.repo(SubscriptionChange).findBy({ subscriptionId: local.id });
      expect(changes.map((c) => [c.quantity.toFixed(), c.source, c.initiatedBy])).to.deep.equal([['15', 'licensing', clientA.id]]);
      expect(r.body.subscriptionChangeId).to.equal(changes[0]!.id);
    });
    it('when Pax8 answers the change pending (its live behaviour, issue 22): provisioning, still billed at 10, the client sees 15 pending, a second request is 409', async () => {
      const { s, local } = await sub(custA);
      sb.data.pending.mode = 'pending';
      sb.data.pending.failureRate = 0;
      try {
        const r = await request(clientA, local.id, 15);
        expect(r.status).to.equal(201);
        expect(r.body).to.include({ status: 'provisioning', decision: 'auto', currentQuantity: '10', requestedQuantity: '15', appliedAt: null });
        expect(pax8Qty(s)).to.equal(15);
        expect(await localQty(local.id)).to.equal('10');
        expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: local.id } })).to.equal(0);
        const seen = await call(app, 'get', `/api/v1/tenants/${tenant.id}/subscriptions/${local.id}`, { token: clientA.token });
        expect(seen.body).to.include({ quantity: '10', pendingQuantity: '15' });
        expect((await request(clientA, local.id, 16)).status).to.equal(409);
      } finally {
        sb.data.pending.mode = 'instant';
        sb.settlePending();
      }
    });
    it('10 → 16 at 50% waits for approval; Pax8 untouched', async () => {
      const { s, local } = await sub(custA);
      const r = await request(clientA, local.id, 16);
      expect(r.body).to.include({ status: 'pending', decision: null, changePercent: '60' });
      expect(r.body.approvalReasons).to.deep.equal(['the change is larger than the auto-approve threshold']);
      expect(pax8Qty(s)).to.equal(10);
    });
    it('decreases are measured the same way: 10 → 5 auto-applies, 10 → 4 waits', async () => {
      const a = await sub(custA);
      expect((await request(clientA, a.local.id, 5)).body.status).to.equal('applied');
      expect(pax8Qty(a.s)).to.equal(5);
      const b = await sub(custA);
      expect((await request(clientA, b.local.id, 4)).body.status).to.equal('pending');
    });
    it('0% holds every change, even +1', async () => {
      await settings({ autoApproveThresholdPercent: '0' });
      const { local } = await sub(custA);
      expect((await request(clientA, local.id, 11)).body.status).to.equal('pending');
      await settings({ autoApproveThresholdPercent: '50' });
    });
    it('require approval by default holds a change within the threshold', async () => {
      await settings({ requireApprovalByDefault: true });
      const { local } = await sub(custA);
      const r = await request(clientA, local.id, 11);
      expect(r.body.status).to.equal('pending');
      expect(r.body.approvalReasons).to.deep.equal(['approval is required by default']);
      await settings({ requireApprovalByDefault: false });
    });
  });

  describe('overrides and limits', () => {
    before(open);
    it('a vendor that always requires approval holds a change the threshold allows', async () => {
      const { local } = await sub(custA);
      await settings({ alwaysApproveVendors: [local.vendorName!.toUpperCase()] });
      const r = await request(clientA, local.id, 11);
      expect(r.body.status).to.equal('pending');
      expect(r.body.approvalReasons).to.deep.equal(['changes for this vendor always require approval']);
      await settings({ alwaysApproveVendors: [] });
    });
    it('per-subscription rules beat the defaults: allow where defaults forbid, limits, always-approve', async () => {
      await selfService({ allowSelfService: false, defaultMinQuantity: 1, defaultMaxQuantity: 100 });
      const { s, local } = await sub(custA);
      const denied = await request(clientA, local.id, 11);
      expect(denied.status).to.equal(400);
      expect(denied.body.error.message).to.match(/not allowed for this subscription/);

      const rule = await call(app, 'put', `${base()}/subscriptions/${local.id}/rule`, {
        token: admin.token, body: { allowQuantityChanges: true, minQuantity: 8, maxQuantity: '12' },
      });
      expect(rule.status).to.equal(200);
      expect(rule.body).to.include({ quantity: '10', customerName: 'Contoso <A>' });
      expect(rule.body.effective).to.deep.include({ allowChanges: true, min: '8', max: '12' });
      expect(rule.body.effective.source).to.deep.equal({ allowChanges: 'subscription', min: 'subscription', max: 'subscription' });

      const high = await request(clientA, local.id, 13);
      expect(high.status).to.equal(400);
      expect(high.body.error).to.include({ code: 'validation_failed', message: 'The quantity must be at most 12 for this subscription (requested 13).' });
      expect(high.body.error.fields).to.deep.equal([{ path: 'body.quantity', message: 'The quantity must be at most 12 for this subscription (requested 13).' }]);
      const low = await request(clientA, local.id, 7);
      expect(low.body.error.message).to.equal('The quantity must be at least 8 for this subscription (requested 7).');
      expect((await request(clientA, local.id, '10.5')).status).to.equal(400);
      expect(await scope.repo(LicensingChangeRequest).count({ where: { subscriptionId: local.id } })).to.equal(0);

      // Within limits and threshold: applied. Then always-approve on the subscription holds the next one.
      expect((await request(clientA, local.id, 12)).body.status).to.equal('applied');
      expect(pax8Qty(s)).to.equal(12);
      await call(app, 'put', `${base()}/subscriptions/${local.id}/rule`, { token: admin.token, body: { alwaysRequireApproval: true } });
      const held = await request(clientA, local.id, 11);
      expect(held.body.status).to.equal('pending');
      expect(held.body.approvalReasons).to.deep.equal(['this subscription always requires approval']);
      const ruleAudit = (await audits('licensing.rule.update')).filter((a) => a.detail.subscriptionId === local.id);
      expect(ruleAudit.map((a) => [a.detail.before?.alwaysRequireApproval ?? null, a.detail.after.alwaysRequireApproval])).to.deep.equal([[null, false], [false, true]]);
      await open();
    });
    it('default limits apply where the subscription sets none', async () => {
      await selfService({ defaultMinQuantity: 9, defaultMaxQuantity: 11 });
      const { local } = await sub(custA);
      expect((await request(clientA, local.id, 12)).body.error.message).to.equal('The quantity must be at most 11 for this subscription (requested 12).');
      expect((await request(clientA, local.id, 8)).body.error.message).to.equal('The quantity must be at least 9 for this subscription (requested 8).');
      await open();
    });
    it('one open request per subscription (409 for a second)', async () => {
      const { local } = await sub(custA);
      expect((await request(clientA, local.id, 20)).body.status).to.equal('pending');
      const again = await request(clientA, local.id, 21);
      expect(again.status).to.equal(409);
      expect(again.body.error.message).to.match(/already waiting for approval/);
    });
  });

  describe('approvals', () => {
    before(open);
    it('approve applies the change in Pax8, records it, notifies the client and audits before/after', async () => {
      const { s, local } = await sub(custA);
      const req = (await request(clientA, local.id, 30)).body;
      const queue = await call(app, 'get', `${base()}/requests?status=pending`, { token: admin.token });
      const row = queue.body.items.find((i: { id: string }) => i.id === req.id);
      expect(row).to.include({ customerName: 'Contoso <A>', productName: local.name, currentQuantity: '10', requestedQuantity: '30', status: 'pending' });

      const r = await call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: admin.token });
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ status: 'applied', decision: 'manual', decidedBy: admin.id, failureReason: null });
      expect(pax8Qty(s)).to.equal(30);
      expect(await localQty(local.id)).to.equal('30');
      const change = await scope.repo(SubscriptionChange).findOneBy({ id: r.body.subscriptionChangeId });
      expect(change).to.include({ source: 'licensing', initiatedBy: admin.id, subscriptionId: local.id });

      const notices = await call(app, 'get', `${base()}/my/notices`, { token: clientA.token });
      const mine = notices.body.items.filter((n: { requestId: string }) => n.requestId === req.id).map((n: { kind: string }) => n.kind);
      expect(mine).to.have.members(['request_pending', 'request_applied']);

      const approveAudit = (await audits('licensing.request.approve')).find((a) => a.detail.requestId === req.id)!;
      expect(approveAudit.userId).to.equal(admin.id);
      expect(approveAudit.detail.before).to.deep.equal({ status: 'pending', quantity: '10' });
      const applied = (await audits('licensing.request.applied')).find((a) => a.detail.requestId === req.id)!;
      expect(applied.detail.before).to.deep.equal({ status: 'approved', quantity: '10' });
      expect(applied.detail.after).to.deep.equal({ status: 'applied', quantity: '30' });

      const twice = await call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: admin.token });
      expect(twice.status).to.equal(409);
    });

    it('approve but Pax8 refuses (decrease during a commitment): the request fails with Pax8\'s reason, nothing is lost', async () => {
      const { s, local } = await sub(custA, 10, true);
      const req = (await request(clientA, local.id, 4)).body; // 60%: waits
      expect(req.status).to.equal('pending');
      const r = await call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: admin.token });
      expect(r.status).to.equal(200);
      expect(r.body.status).to.equal('failed');
      expect(r.body.failureReason).to.match(/Cannot decrease quantity of subscription .* from 10 to 4 before the commitment term ends/);
      expect(r.body).to.include({ currentQuantity: '10', requestedQuantity: '4', decidedBy: admin.id, subscriptionChangeId: null });
      expect(pax8Qty(s)).to.equal(10);
      expect(await localQty(local.id)).to.equal('10');
      expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: local.id } })).to.equal(0);
      const stored = await scope.repo(LicensingChangeRequest).findOneBy({ id: req.id });
      expect(JSON.parse(stored!.pax8Response!)).to.include({ kind: 'rejected', status: 422 });
      const notices = (await call(app, 'get', `${base()}/my/notices`, { token: clientA.token })).body.items
        .filter((n: { requestId: string }) => n.requestId === req.id);
      expect(notices.map((n: { kind: string }) => n.kind)).to.include('request_failed');
      expect(notices.find((n: { kind: string }) => n.kind === 'request_failed').message).to.match(/could not be applied by Pax8: Cannot decrease/);
      const failed = (await audits('licensing.request.failed')).find((a) => a.detail.requestId === req.id)!;
      expect(failed.detail.after.status).to.equal('failed');
      // A failed request is closed: the client may ask again.
      expect((await request(clientA, local.id, 12)).body.status).to.equal('applied');
    });

    it('an auto-approved change that Pax8 refuses ends failed, with the reason, at once', async () => {
      const { local } = await sub(custA, 10, true);
      const r = await request(clientA, local.id, 6); // 40%: auto, but a decrease in a commitment
      expect(r.status).to.equal(201);
      expect(r.body).to.include({ status: 'failed', decision: 'auto' });
      expect(r.body.failureReason).to.match(/commitment term/);
      expect(await localQty(local.id)).to.equal('10');
    });

    it('reject with a reason: nothing changes in Pax8, the client is told why', async () => {
      const { s, local } = await sub(custA);
      const req = (await request(clientA, local.id, 40)).body;
      const r = await call(app, 'post', `${base()}/requests/${req.id}/reject`, { token: admin.token, body: { reason: 'Budget <frozen> until Q1' } });
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ status: 'rejected', rejectionReason: 'Budget <frozen> until Q1', decidedBy: admin.id });
      expect(pax8Qty(s)).to.equal(10);
      const notice = (await call(app, 'get', `${base()}/my/notices?unread=true`, { token: clientA.token })).body.items
        .find((n: { requestId: string; kind: string }) => n.requestId === req.id && n.kind === 'request_rejected');
      expect(notice.message).to.match(/was rejected: Budget <frozen> until Q1$/);
      expect((await call(app, 'post', `${base()}/my/notices/${notice.id}/read`, { token: clientA.token })).status).to.equal(200);
      const after = (await call(app, 'get', `${base()}/my/notices?unread=true`, { token: clientA.token })).body.items.map((n: { id: string }) => n.id);
      expect(after).to.not.include(notice.id);
      const a = (await audits('licensing.request.reject')).find((x) => x.detail.requestId === req.id)!;
      expect(a.detail).to.deep.include({ before: { status: 'pending' }, after: { status: 'rejected', reason: 'Budget <frozen> until Q1' } });
      expect((await call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: admin.token })).status).to.equal(409);
    });

    it('two admins approving at once: one wins, Pax8 is called once, the other gets 409', async () => {
      const { s, local } = await sub(custA);
      const req = (await request(clientA, local.id, 25)).body;
      const before = sb.stats().requests;
      const [a, b] = await Promise.all([
        call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: admin.token }),
        call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: admin.token }),
      ]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
      expect(pax8Qty(s)).to.equal(25);
      expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: local.id } })).to.equal(1);
      // One PUT (plus at most one token request).
      expect(sb.stats().requests - before).to.be.within(1, 2);
    });

    it('reject without a reason', async () => {
      const { local } = await sub(custA);
      const req = (await request(clientA, local.id, 40)).body;
      const r = await call(app, 'post', `${base()}/requests/${req.id}/reject`, { token: admin.token, body: {} });
      expect(r.body).to.include({ status: 'rejected', rejectionReason: null });
    });

    it('only manage_licensing may approve or reject', async () => {
      const { local } = await sub(custA);
      const req = (await request(clientA, local.id, 40)).body;
      expect((await call(app, 'post', `${base()}/requests/${req.id}/approve`, { token: clientA.token })).status).to.equal(403);
      expect((await call(app, 'post', `${base()}/requests/${req.id}/reject`, { token: finance.token, body: {} })).status).to.equal(403);
      expect((await scope.repo(LicensingChangeRequest).findOneBy({ id: req.id }))!.status).to.equal('pending');
    });
  });

  describe('client isolation and mapped companies', () => {
    before(open);
    it('a client sees only its own company\'s active subscriptions, with what it may request', async () => {
      const a = await sub(custA);
      const b = await sub(custB);
      const inactive = await sub(custA);
      await scope.repo(Subscription).update({ id: inactive.local.id }, { active: false });
      const listA = (await call(app, 'get', `${base()}/my/subscriptions?size=200`, { token: clientA.token })).body.items;
      const ids = listA.map((i: { id: string }) => i.id);
      expect(ids).to.include(a.local.id).and.not.include(b.local.id).and.not.include(inactive.local.id);
      expect(listA.find((i: { id: string }) => i.id === a.local.id)).to.include({ name: a.local.name, vendorName: a.local.vendorName, quantity: '10', canRequestChange: true, minQuantity: '1', maxQuantity: null });
      const listB = (await call(app, 'get', `${base()}/my/subscriptions?size=200`, { token: clientB.token })).body.items.map((i: { id: string }) => i.id);
      expect(listB).to.include(b.local.id).and.not.include(a.local.id);
      const ownedByB = await scope.repo(Subscription).findBy({ customerId: custB.id, active: true });
      expect([...listB].sort()).to.deep.equal(ownedByB.map((x) => x.id).sort());
    });
    it('a client cannot request on another company\'s subscription (404, nothing recorded) nor see its requests and notices', async () => {
      const a = await sub(custA);
      const r = await request(clientB, a.local.id, 11);
      expect(r.status).to.equal(404);
      expect(await scope.repo(LicensingChangeRequest).count({ where: { subscriptionId: a.local.id } })).to.equal(0);
      const reqs = (await call(app, 'get', `${base()}/my/requests?size=200`, { token: clientB.token })).body.items;
      expect(reqs.every((q: { customerId: string }) => q.customerId === custB.id)).to.equal(true);
      const noticeOfA = (await call(app, 'get', `${base()}/my/notices?size=200`, { token: clientA.token })).body.items[0];
      expect((await call(app, 'post', `${base()}/my/notices/${noticeOfA.id}/read`, { token: clientB.token })).status).to.equal(404);
      const notB = (await call(app, 'get', `${base()}/my/notices?size=200`, { token: clientB.token })).body.items.map((n: { id: string }) => n.id);
      expect(notB).to.not.include(noticeOfA.id);
    });
    it('a client cannot use the admin routes', async () => {
      expect((await call(app, 'get', `${base()}/requests`, { token: clientA.token })).status).to.equal(403);
      expect((await call(app, 'get', `${base()}/subscriptions`, { token: clientA.token })).status).to.equal(403);
      expect((await call(app, 'post', `${base()}/sync`, { token: clientA.token })).status).to.equal(403);
    });
    it('an admin cannot use the client routes (write_licensing is the client\'s)', async () => {
      expect((await call(app, 'get', `${base()}/my/subscriptions`, { token: admin.token })).status).to.equal(403);
    });
    it('subscriptions of unmapped companies do not appear and cannot be requested', async () => {
      const u = await sub(null);
      const list = (await call(app, 'get', `${base()}/subscriptions?size=200`, { token: admin.token })).body.items.map((i: { id: string }) => i.id);
      expect(list).to.not.include(u.local.id);
      expect((await call(app, 'get', `${base()}/subscriptions/${u.local.id}`, { token: admin.token })).status).to.equal(404);
      expect((await call(app, 'put', `${base()}/subscriptions/${u.local.id}/rule`, { token: admin.token, body: { allowQuantityChanges: true } })).status).to.equal(404);
    });
    it('admins search subscriptions by product, vendor or company', async () => {
      const a = await sub(custB);
      const byCompany = (await call(app, 'get', `${base()}/subscriptions?q=fabrik&size=200`, { token: admin.token })).body.items;
      expect(byCompany.map((i: { id: string }) => i.id)).to.include(a.local.id);
      expect(byCompany.every((i: { customerId: string }) => i.customerId === custB.id)).to.equal(true);
      const byVendor = (await call(app, 'get', `${base()}/subscriptions?q=${encodeURIComponent(a.local.vendorName!.slice(0, 5))}&size=200`, { token: admin.token })).body.items;
      expect(byVendor.map((i: { id: string }) => i.id)).to.include(a.local.id);
      const byProduct = (await call(app, 'get', `${base()}/subscriptions?q=${encodeURIComponent(a.local.name)}&size=200`, { token: admin.token })).body.items;
      const q = a.local.name.toLowerCase();
      const matches = (i: { name: string; vendorName: string | null; customerName: string | null }) =>
        [i.name, i.vendorName ?? '', i.customerName ?? ''].some((t) => t.toLowerCase().includes(q));
      expect(byProduct.every(matches)).to.equal(true);
      expect(byProduct.map((i: { id: string }) => i.id)).to.include(a.local.id);
    });
  });

  describe('catalog', () => {
    it('filters, searches, shows/hides/features in bulk, never touching subscriptions; clients see visible products, featured first', async () => {
      const p1 = await addProduct(env, { name: 'Zeta Backup', vendorName: 'Acronis', category: 'Backup', retailPrice: '4.50' });
      const p2 = await addProduct(env, { name: 'Alpha Mail', vendorName: 'Microsoft', category: 'Email', retailPrice: '6.00' });
      const p3 = await addProduct(env, { name: 'Beta Mail Archive', vendorName: 'Microsoft', category: 'Email', retailPrice: '2.25' });
      const { local } = await sub(custA);
      await app.ds.manager.getRepository(Subscription).update({ id: local.id }, { productId: p3.id });
      const hide = await call(app, 'post', `${base()}/catalog/actions`, { token: admin.token, body: { action: 'hide', productIds: [p2.id, p3.id] } });
      expect(hide.body).to.deep.equal({ changed: 2 });
      const feature = await call(app, 'post', `${base()}/catalog/actions`, { token: admin.token, body: { action: 'feature', productIds: [p1.id] } });
      expect(feature.body).to.deep.equal({ changed: 1 });
      const hidden = (await call(app, 'get', `${base()}/catalog?visible=false`, { token: admin.token })).body.items.map((p: { name: string }) => p.name);
      expect(hidden).to.deep.equal(['Alpha Mail', 'Beta Mail Archive']);
      const ms = (await call(app, 'get', `${base()}/catalog?vendor=Microsoft&category=Email&q=archive`, { token: admin.token })).body.items;
      expect(ms).to.deep.equal([{ id: p3.id, name: 'Beta Mail Archive', vendorName: 'Microsoft', category: 'Email', retailPrice: '2.25', sku: p3.sku, visible: false, featured: false }]);
      const facets = (await call(app, 'get', `${base()}/catalog/facets`, { token: admin.token })).body;
      expect(facets.categories).to.include.members(['Backup', 'Email']);
      // The subscription of a hidden product is untouched and still listed for its client.
      const row = (await scope.repo(Subscription).findOneBy({ id: local.id }))!;
      expect([row.active, row.quantity.toFixed(), row.status]).to.deep.equal([true, '10', local.status]);
      const mine = (await call(app, 'get', `${base()}/my/subscriptions?size=200`, { token: clientA.token })).body.items.map((i: { id: string }) => i.id);
      expect(mine).to.include(local.id);
      await call(app, 'post', `${base()}/catalog/actions`, { token: admin.token, body: { action: 'show', productIds: [p2.id] } });
      const client = (await call(app, 'get', `${base()}/my/catalog`, { token: clientA.token })).body.items.map((p: { name: string }) => p.name);
      expect(client.slice(0, 2)).to.deep.equal(['Zeta Backup', 'Alpha Mail']);
      expect(client).to.not.include('Beta Mail Archive');
      const audit = (await audits('licensing.catalog.hide')).at(-1)!;
      expect(audit.detail.before.map((b: { visible: boolean }) => b.visible)).to.deep.equal([true, true]);
      expect(audit.detail.after.map((b: { visible: boolean }) => b.visible)).to.deep.equal([false, false]);
      expect((await call(app, 'post', `${base()}/catalog/actions`, { token: admin.token, body: { action: 'unfeature', productIds: [p1.id, '00000000-0000-0000-0000-000000000000'] } })).status).to.equal(400);
      expect((await call(app, 'get', `${base()}/catalog?featured=true`, { token: admin.token })).body.items.map((p: { id: string }) => p.id)).to.deep.equal([p1.id]);
    });
  });

  describe('sync', () => {
    it('a manual sync is queued through the scheduler (not run in the request), under its "sync already running" guard', async () => {
      const runsBefore = await scope.repo(ImportRun).count();
      const r = await call(app, 'post', `${base()}/sync`, { token: admin.token });
      expect(r.status, r.text).to.equal(202);
      expect(r.body.jobs.map((j: { entity: string }) => j.entity)).to.deep.equal(['customers', 'products', 'subscriptions']);
      expect((await audits('licensing.sync')).at(-1)!.detail.after.jobs).to.deep.equal(r.body.jobs);
      // This app runs no jobs (as `recurra start --no-scheduler`): nothing was imported here, the jobs wait for a worker.
      expect(await scope.repo(ImportRun).count()).to.equal(runsBefore);
      const again = await call(app, 'post', `${base()}/sync`, { token: admin.token });
      expect([again.status, again.body.error?.code]).to.deep.equal([409, 'sync_running']);
    });
  });
});
