import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { LicensingChangeRequest, LicensingNotice, SubscriptionChange } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { LicensingService } from '../../../src/licensing/service.js';
import { addCustomer, addSubscription, licensingEnv, sandboxSubs, type LicensingEnv } from './env.js';

describe('licensing service: failures that are not Pax8\'s answer', function () {
  this.timeout(30_000);
  let env: LicensingEnv;
  before(async () => { env = await licensingEnv(); });
  after(() => env.close());

  let next = 0;
  async function pendingRequest(svc: LicensingService) {
    const s = sandboxSubs(env.sb).free[next++]!;
    // A customer per request (no mapping needed: licensing reads subscriptions.customerId).
    const cust = await addCustomer(env, `C ${s.id.slice(0, 4)}`, null);
    const local = await addSubscription(env, s, cust.id, { quantity: new Decimal(10) });
    await svc.updateSelfService(env.tenant, { id: 'admin' }, { allowSelfService: true });
    return svc.requestChange(env.tenant, { id: 'client', customerId: cust.id }, local.id, new Decimal(12));
  }

  it('a local error while sending leaves the request failed (not stuck approved), with the reason, and is rethrown', async () => {
    const svc = new LicensingService(env.ds, () => ({ updateSubscription: async () => { throw new Error('socket exploded'); } }));
    const req = await pendingRequest(svc);
    expect(req.status).to.equal('pending');
    const err = await svc.approve(env.tenant, { id: 'admin' }, req.id).catch((e: Error) => e);
    expect((err as Error).message).to.equal('socket exploded');
    const scope = new TenantScope(env.ds.manager, env.tenant.id);
    const row = (await scope.repo(LicensingChangeRequest).findOneBy({ id: req.id }))!;
    expect([row.status, row.failureReason]).to.deep.equal(['failed', 'the change could not be sent: socket exploded']);
    expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: req.subscriptionId } })).to.equal(0);
    expect((await scope.repo(LicensingNotice).findBy({ requestId: req.id })).map((n) => n.kind).sort()).to.deep.equal(['request_failed', 'request_pending']);
  });

  it('a tenant without a usable Pax8 client: the approved request fails with that reason', async () => {
    const svc = new LicensingService(env.ds, () => { throw new Error('tenant "msp" has no Pax8 credentials'); });
    const req = await pendingRequest(svc);
    const done = await svc.approve(env.tenant, { id: 'admin' }, req.id);
    expect([done.status, done.failureReason]).to.deep.equal(['failed', 'tenant "msp" has no Pax8 credentials']);
  });
});
