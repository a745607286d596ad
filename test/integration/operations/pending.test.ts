import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/index.js';
import { LicenceOperation, Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { createHttpApp } from '../../../src/http/app.js';
import { listen } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { OperationError } from '../../../src/operations/service.js';
import { processWebhookQueue, registerEndpoint } from '../../../src/webhooks/service.js';
import type { QuantityUpdater } from '../../../src/subscriptions/push-quantity.js';
import { mappedCompanies, opsWorld, pickSubscription, twinSubscriptions, type OpsWorld } from './setup.js';

/**
 * Licence operations against the sandbox in its default mode (issue 22, point 1): Pax8 answers a quantity change
 * PendingAutomated / PendingManual and provisions it later. An operation is 'provisioning' until a subscriptions sync
 * (or a webhook, which runs the same sync) sees Pax8 settle it; before this, it was 'applied' at once.
 */
const alice = { label: 'alice@example.com' };

describe('licence operations while Pax8 provisions the change (sandbox default: pending)', function () {
  this.timeout(120_000);
  let w: OpsWorld;
  beforeEach(async () => {
    w = await opsWorld({});
  });
  afterEach(async () => w.close());

  const operation = async (id: string) => (await w.scope.repo(LicenceOperation).findOneBy({ id }))!;
  const billed = async (id: string) => {
    const s = (await w.scope.repo(Subscription).findOneBy({ id }))!;
    return [s.quantity.toNumber(), s.pendingQuantity?.toNumber() ?? null];
  };
  const lastChange = async (subscriptionId: string) =>
    (await w.scope.repo(SubscriptionChange).find({ where: { subscriptionId }, order: { observedAt: 'DESC' }, take: 1 }))[0]!;

  it('a purchase is provisioning (billed as before, a second change refused) until a sync sees Pax8 provision it; then applied with that change', async () => {
    w.h.sandbox.data.pending.failureRate = 0;
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    const r = await w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(2) });
    expect([r.status, r.operation.status, r.operation.targetAfter?.toNumber()]).to.deep.equal(['provisioning', 'provisioning', q + 2]);
    expect((await w.ops.list(w.h.tenant)).map((o) => [o.id, o.status])).to.deep.equal([[r.operation.id, 'provisioning']]);
    expect(await billed(sub.id)).to.deep.equal([q, q + 2]);

    try {
      await w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(1) });
      expect.fail('a second change while Pax8 provisions the first');
    } catch (err) {
      expect(err).to.be.instanceOf(OperationError);
      expect((err as Error).message).to.match(new RegExp(`still provisioning an earlier change of .* to ${q + 2} licences \\(Pending(Automated|Manual)\\)`));
    }

    // A sync while Pax8 still provisions it changes nothing.
    await w.h.run({ entities: 'subscriptions' });
    expect((await operation(r.operation.id)).status).to.equal('provisioning');
    expect(await billed(sub.id)).to.deep.equal([q, q + 2]);

    expect(w.h.sandbox.settlePending()).to.equal(1);
    await w.h.run({ entities: 'subscriptions' });
    const op = await operation(r.operation.id);
    const change = await lastChange(sub.id);
    expect([op.status, op.failureReason, change.quantity.toNumber()]).to.deep.equal(['applied', null, q + 2]);
    expect(op.changeIds).to.equal(change.id);
    expect(await billed(sub.id)).to.deep.equal([q + 2, null]);
  });

  it('a decrease Pax8 does not provision ends failed with what the subscription holds; billing never dropped', async () => {
    w.h.sandbox.data.pending.failureRate = 1;
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    const r = await w.ops.decrease(w.h.tenant, alice, { subscriptionId: sub.id, remove: new Decimal(1) });
    expect([r.status, r.operation.sourceAfter?.toNumber()]).to.deep.equal(['provisioning', q - 1]);
    expect(await billed(sub.id)).to.deep.equal([q, q - 1]);

    w.h.sandbox.settlePending();
    await w.h.run({ entities: 'subscriptions' });
    const op = await operation(r.operation.id);
    expect(op.status).to.equal('failed');
    expect(op.failureReason).to.equal(`Pax8 did not provision the change: the subscription is Active with ${q} licences`);
    expect(op.changeIds).to.equal('');
    expect(await billed(sub.id)).to.deep.equal([q, null]);
  });

  it('a transfer is provisioning until both sides settle: applied with both changes, or failed naming the side Pax8 did not provision', async () => {
    const cs = await mappedCompanies(w);
    const [a, b] = await twinSubscriptions(w, [cs[0]!.companyId, cs[1]!.companyId], 4);
    w.h.sandbox.data.pending.failureRate = 0;
    const ok = await w.ops.transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(1), confirmCrossCustomer: true });
    expect([ok.status, ok.operation.sourceAfter?.toNumber(), ok.operation.targetAfter?.toNumber(), ok.operation.changeIds]).to.deep.equal(['provisioning', 3, 5, '']);
    expect([await billed(a!.id), await billed(b!.id)]).to.deep.equal([[4, 3], [4, 5]]);
    w.h.sandbox.settlePending();
    await w.h.run({ entities: 'subscriptions' });
    const done = await operation(ok.operation.id);
    expect(done.status).to.equal('applied');
    expect(done.changeIds.split(',').sort()).to.deep.equal([(await lastChange(a!.id)).id, (await lastChange(b!.id)).id].sort());
    expect([await billed(a!.id), await billed(b!.id)]).to.deep.equal([[3, null], [5, null]]);

    // Pax8 provisions the source's decrease but not the target's increase.
    const sb = w.h.sandbox.data;
    const failingTarget: QuantityUpdater = {
      productProvisionDetails: (id) => w.client.productProvisionDetails!(id),
      updateSubscription: (id, body) => {
        sb.pending.failureRate = id === b!.pax8Id ? 1 : 0;
        return w.client.updateSubscription(id, body);
      },
    };
    const half = await w.opsWith(failingTarget).transfer(w.h.tenant, alice, { fromSubscriptionId: a!.id, toSubscriptionId: b!.id, quantity: new Decimal(1), confirmCrossCustomer: true });
    expect(half.status).to.equal('provisioning');
    w.h.sandbox.settlePending();
    await w.h.run({ entities: 'subscriptions' });
    const failed = await operation(half.operation.id);
    expect(failed.status).to.equal('failed');
    expect(failed.failureReason).to.equal('Pax8 did not provision the change: the target subscription is Active with 5 licences — check both sides in Pax8');
    expect(failed.changeIds).to.equal((await lastChange(a!.id)).id);
    expect([await billed(a!.id), await billed(b!.id)]).to.deep.equal([[2, null], [5, null]]);
  });

  it("Pax8's webhook for the provisioned change settles the operation (no import run first)", async () => {
    w.h.sandbox.data.pending.failureRate = 0;
    const rt: Runtime = { config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('silent'), ds: w.h.ds, secrets: w.h.secrets, close: async () => {} };
    const server = await listen(createHttpApp(rt), '127.0.0.1', 0);
    try {
      await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url });
      const sub = await pickSubscription(w, false);
      const r = await w.ops.purchase(w.h.tenant, alice, { subscriptionId: sub.id, add: new Decimal(3) });
      expect(r.status).to.equal('provisioning');
      expect(w.h.sandbox.settlePending()).to.equal(1);
      await w.h.sandbox.webhooks.flush();
      await processWebhookQueue({ ds: w.h.ds, secrets: w.h.secrets, client: { rateLimitPerMinute: null, maxRetries: 0 }, deliver: false }, w.h.tenant.id);
      const op = await operation(r.operation.id);
      expect([op.status, op.changeIds]).to.deep.equal(['applied', (await lastChange(sub.id)).id]);
      expect(await billed(sub.id)).to.deep.equal([sub.quantity.toNumber() + 3, null]);
    } finally {
      await server.close();
    }
  });
});
