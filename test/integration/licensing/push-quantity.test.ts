import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { EventLogEntry, Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { tenantDate } from '../../../src/common/tenant-date.js';
import { pushQuantity } from '../../../src/subscriptions/push-quantity.js';
import { addCustomer, addSubscription, licensingEnv, sandboxSubs, type LicensingEnv } from './env.js';

describe('subscriptions/push-quantity against the Pax8 sandbox', function () {
  this.timeout(30_000);
  let env: LicensingEnv;
  let scope: TenantScope;
  before(async () => {
    env = await licensingEnv();
    // These cases are Pax8 answering a change Active at once; its pending answer: test/integration/imports/pending-quantity.test.ts.
    env.sb.data.pending.mode = 'instant';
    scope = new TenantScope(env.ds.manager, env.tenant.id);
  });
  after(() => env.close());

  it('applies an increase in Pax8, updates the subscription and appends a change dated in the tenant zone', async () => {
    const s = sandboxSubs(env.sb).committed[0]!;
    const cust = await addCustomer(env, 'Inc Co', s.companyId);
    const local = await addSubscription(env, s, cust.id);
    const target = s.quantity + 3;
    // 23:30 UTC is already the next day in Berlin.
    const now = new Date('2026-11-15T23:30:00Z');
    const r = await pushQuantity(env.ds.manager, env.client(), {
      tenant: env.tenant, subscriptionId: local.id, quantity: new Decimal(target), initiatedBy: 'user-1', now, event: { type: 'quantity_set', source: 'test' },
    });
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(env.sb.data.subscriptionById.get(s.id)!.quantity).to.equal(target);
    const row = (await scope.repo(Subscription).findOneBy({ id: local.id }))!;
    expect(row.quantity.toString()).to.equal(String(target));
    const changes = await scope.repo(SubscriptionChange).findBy({ subscriptionId: local.id });
    expect(changes).to.have.length(1);
    expect(changes[0]).to.include({ effectiveDate: '2026-11-16', source: 'licensing', initiatedBy: 'user-1', status: s.status, active: true });
    expect(changes[0]!.quantity.toString()).to.equal(String(target));
    expect(changes[0]!.fields.split(',')).to.include('quantity');
    expect(r.before.toString()).to.equal(String(target - 3));
    expect(tenantDate(now, 'UTC')).to.equal('2026-11-15');
    // The event log line: who, what, before and after, in the same transaction.
    const ev = await scope.repo(EventLogEntry).findBy({ subscriptionId: local.id });
    expect(ev.map((e) => [e.type, e.initiatedBy, e.licenceCount?.toFixed(), e.refId])).to.deep.equal([['quantity_set', 'user-1', '3', changes[0]!.id]]);
    expect(JSON.parse(ev[0]!.detail!)).to.include({ before: String(target - 3), after: String(target) });
  });

  it('a decrease during a commitment is refused by Pax8: nothing written locally, the reason returned', async () => {
    const s = sandboxSubs(env.sb).committed[1]!;
    const cust = await addCustomer(env, 'Dec Co', s.companyId);
    const local = await addSubscription(env, s, cust.id);
    const r = await pushQuantity(env.ds.manager, env.client(), {
      tenant: env.tenant, subscriptionId: local.id, quantity: new Decimal(s.quantity - 1), initiatedBy: 'user-2', source: 'manual', event: { type: 'quantity_set', source: 'test' },
    });
    expect(r.ok).to.equal(false);
    if (r.ok) return;
    expect(r.kind).to.equal('rejected');
    expect(r.status).to.equal(422);
    expect(r.reason).to.match(/Cannot decrease quantity .* before the commitment term ends/);
    expect(env.sb.data.subscriptionById.get(s.id)!.quantity).to.equal(s.quantity);
    const row = (await scope.repo(Subscription).findOneBy({ id: local.id }))!;
    expect(row.quantity.toString()).to.equal(String(s.quantity));
    expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: local.id } })).to.equal(0);
  });

  it('a decrease outside a commitment is applied', async () => {
    const s = sandboxSubs(env.sb).free[0]!;
    const q0 = s.quantity; // the sandbox updates its object in place
    const cust = await addCustomer(env, 'Free Co', s.companyId);
    const local = await addSubscription(env, s, cust.id);
    const r = await pushQuantity(env.ds.manager, env.client(), {
      tenant: env.tenant, subscriptionId: local.id, quantity: new Decimal(q0 - 1), initiatedBy: null, source: 'operation', event: 'recorded_by_caller',
    });
    expect(r.ok).to.equal(true);
    expect(env.sb.data.subscriptionById.get(s.id)!.quantity).to.equal(q0 - 1);
    const changes = await scope.repo(SubscriptionChange).findBy({ subscriptionId: local.id });
    expect(changes.map((c) => [c.quantity.toString(), c.source])).to.deep.equal([[String(q0 - 1), 'operation']]);
  });

  it('a failing onRecorded hook rolls back the local writes', async () => {
    const s = sandboxSubs(env.sb).free[1]!;
    const q0 = s.quantity; // the sandbox updates its object in place
    const local = await addSubscription(env, s, null);
    const err = await pushQuantity(env.ds.manager, env.client(), {
      tenant: env.tenant, subscriptionId: local.id, quantity: new Decimal(q0 + 1), initiatedBy: null, event: { type: 'quantity_set', source: 'test' },
      onRecorded: async () => { throw new Error('boom'); },
    }).catch((e: Error) => e);
    expect((err as Error).message).to.equal('boom');
    expect(((await scope.repo(Subscription).findOneBy({ id: local.id }))!).quantity.toString()).to.equal(String(q0));
    expect(await scope.repo(SubscriptionChange).count({ where: { subscriptionId: local.id } })).to.equal(0);
    expect(await scope.repo(EventLogEntry).count({ where: { subscriptionId: local.id } })).to.equal(0);
  });

  it('an unknown local subscription or a fractional quantity is refused before calling Pax8', async () => {
    const before = env.sb.stats().requests;
    const a = await pushQuantity(env.ds.manager, env.client(), { tenant: env.tenant, subscriptionId: '00000000-0000-0000-0000-000000000000', quantity: new Decimal(2), initiatedBy: null, event: 'recorded_by_caller' });
    expect(a).to.include({ ok: false, kind: 'not_found_locally' });
    const s = sandboxSubs(env.sb).free[2]!;
    const local = await addSubscription(env, s, null);
    const b = await pushQuantity(env.ds.manager, env.client(), { tenant: env.tenant, subscriptionId: local.id, quantity: new Decimal('2.5'), initiatedBy: null, event: 'recorded_by_caller' });
    expect(b).to.include({ ok: false, kind: 'invalid_quantity' });
    expect(env.sb.stats().requests).to.equal(before);
  });
});
