import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/index.js';
import { Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { createHttpApp } from '../../../src/http/app.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { pushQuantity } from '../../../src/subscriptions/push-quantity.js';
import { processWebhookQueue, registerEndpoint, type Registration } from '../../../src/webhooks/service.js';
import { opsWorld, pickSubscription, type OpsWorld } from '../operations/setup.js';

/** Issue 22, point 1: Pax8's webhook for a settled change settles the pending quantity (no import run needed first). */
describe('Pax8 webhooks settle a pending quantity change', function () {
  this.timeout(120_000);
  let w: OpsWorld;
  let server: RunningServer;
  let reg: Registration;

  beforeEach(async () => {
    w = await opsWorld();
    // This suite is about Pax8's provisioning delay: back to the sandbox's default (pending, no failures).
    w.h.sandbox.data.pending.mode = 'pending';
    w.h.sandbox.data.pending.failureRate = 0;
    const rt: Runtime = { config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('silent'), ds: w.h.ds, secrets: w.h.secrets, close: async () => {} };
    server = await listen(createHttpApp(rt), '127.0.0.1', 0);
    reg = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url });
  });
  afterEach(async () => {
    await server.close();
    await w.close();
  });

  it('bills the provisioned quantity until the SUBSCRIPTION UPDATED delivery for the settled change is processed', async () => {
    const sub = (await pickSubscription(w, false));
    const before = sub.quantity;
    const wanted = before.plus(2);
    const r = await pushQuantity(w.h.ds.manager, w.client, {
      tenant: w.h.tenant, subscriptionId: sub.id, quantity: wanted, initiatedBy: 'alice', event: { type: 'licence_purchase', source: 'test' },
    });
    expect(r.ok && r.pending !== null).to.equal(true);
    const row = async () => (await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!;
    expect((await row()).quantity.eq(before)).to.equal(true);

    // Pax8 provisions it and delivers SUBSCRIPTION UPDATED to the registered webhook.
    const hook = w.h.sandbox.webhooks.byId.get(reg.pax8WebhookId)!;
    expect(hook.active).to.equal(true);
    expect(w.h.sandbox.settlePending()).to.equal(1);
    await w.h.sandbox.webhooks.flush();
    await processWebhookQueue({ ds: w.h.ds, secrets: w.h.secrets, client: { rateLimitPerMinute: null, maxRetries: 0 }, deliver: false }, w.h.tenant.id);

    const after = await row();
    expect([after.quantity.toFixed(), after.pendingQuantity, after.pendingStatus, after.active]).to.deep.equal([wanted.toFixed(), null, null, true]);
    const changes = await w.scope.repo(SubscriptionChange).find({ where: { subscriptionId: sub.id }, order: { observedAt: 'ASC' } });
    expect(changes.at(-1)!.quantity.eq(wanted)).to.equal(true);
    expect(changes.filter((c) => c.quantity.eq(wanted))).to.have.length(1);
  });
});
