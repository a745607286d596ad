import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Runtime } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/index.js';
import { ImportRun, Subscription, WebhookDelivery } from '../../../src/db/entities/index.js';
import { createHttpApp } from '../../../src/http/app.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { registerJobHandlers } from '../../../src/jobs/handlers.js';
import { Scheduler, WEBHOOK_JOB } from '../../../src/jobs/scheduler.js';
import { TypeormJobRepository } from '../../../src/jobs/typeorm-repository.js';
import { serviceJobHandlers } from '../../../src/jobs/wiring.js';
import { createLogger } from '../../../src/logging/logger.js';
import { detectChanges } from '../../../src/notices/detect.js';
import { registerEndpoint, type Registration } from '../../../src/webhooks/service.js';
import { sleep, waitFor } from '../jobs/helpers.js';
import { opsWorld, pickSubscription, type OpsWorld } from '../operations/setup.js';

/**
 * Webhook processing is an Agenda job (issue 25): the receiver (a web process without a scheduler, as
 * `recurra start --no-scheduler`) only queues the delivery and a `webhooks:process` job; a process running the
 * scheduler (`recurra worker`) processes it; with two of them, the delivery is processed once.
 */
describe('Pax8 webhooks: processed by the scheduler\'s job, once, never by the web process', function () {
  this.timeout(180_000);
  let w: OpsWorld;
  let rt: Runtime;
  let server: RunningServer;
  let reg: Registration;
  let authorization: string;
  const schedulers: Scheduler[] = [];

  beforeEach(async () => {
    w = await opsWorld();
    rt = { config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('silent'), ds: w.h.ds, secrets: w.h.secrets, close: async () => {} };
    server = await listen(createHttpApp(rt), '127.0.0.1', 0);
    reg = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url });
    // Hand-crafted deliveries only: the sandbox's own are paused.
    const hook = w.h.sandbox.webhooks.byId.get(reg.pax8WebhookId)!;
    hook.active = false;
    authorization = hook.authorization!;
    await detectChanges(w.scope, w.h.tenant);
  });
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    await server.close();
    await w.close();
  });

  /** A worker: a started scheduler on the same database, with the real services (Pax8 client without pacing). */
  async function worker(owner: string): Promise<Scheduler> {
    registerJobHandlers(serviceJobHandlers({ ds: w.h.ds, secrets: w.h.secrets, webhookClient: { rateLimitPerMinute: null, maxRetries: 0 } }));
    const s = new Scheduler({ ds: w.h.ds, logger: rt.logger, lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4, owner, retry: { retries: 0, delayMs: 10 } });
    schedulers.push(s);
    await s.start();
    return s;
  }

  async function deliver(sub: Subscription, sentAt: string): Promise<string> {
    const hook = w.h.sandbox.webhooks.byId.get(reg.pax8WebhookId)!;
    const res = await fetch(reg.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({
        accountId: hook.accountId, url: reg.url, webhookId: hook.id, sentAt, webhookTopic: { id: randomUUID(), topic: 'SUBSCRIPTION', filters: [] },
        payloadData: { action: 'UPDATED', subscriptionId: sub.pax8Id, companyId: sub.pax8CompanyId },
      }),
    });
    expect(res.status).to.equal(202);
    return ((await res.json()) as { deliveryId: string }).deliveryId;
  }

  const webhookJobs = async () => (await new TypeormJobRepository(w.h.ds).queryJobs({ names: [WEBHOOK_JOB], data: { tenantId: w.h.tenant.id } })).jobs;

  it('the web process only queues the delivery and its job; a worker processes it', async () => {
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 2 });
    const id = await deliver(sub, '2026-11-15T12:00:00Z');
    expect(await webhookJobs()).to.have.length(1);
    await sleep(1000);
    // Nothing in the web process touched it.
    expect((await w.scope.repo(WebhookDelivery).findOneBy({ id }).then((r) => r!)).status).to.equal('queued');
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }).then((r) => r!)).quantity.toNumber()).to.equal(q);

    await worker('worker-1');
    const done = await waitFor(async () => {
      const d = await w.scope.repo(WebhookDelivery).findOneBy({ id }).then((r) => r!);
      return d.status === 'done' ? d : null;
    }, 'the worker to process the delivery', 60_000, 100);
    expect(done.attempts).to.equal(1);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }).then((r) => r!)).quantity.toNumber()).to.equal(q + 2);
    await waitFor(async () => (await webhookJobs()).length === 0, 'the one-off job to be removed once done', 15_000, 100);
  });

  it('two workers each running a processing job of the tenant process a delivery once', async () => {
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 1 });
    const id = await deliver(sub, '2026-11-15T12:00:00Z');
    // A second job for the same tenant, due at the same time (as from two receivers at once).
    const queue = new Scheduler({ ds: w.h.ds, logger: rt.logger, lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4 });
    await queue.agenda.create(WEBHOOK_JOB, { tenantId: w.h.tenant.id, trigger: 'webhook', startedBy: 'pax8' }).schedule(new Date()).save();
    expect(await webhookJobs()).to.have.length(2);
    await Promise.all([worker('worker-a'), worker('worker-b')]);
    await waitFor(async () => (await webhookJobs()).length === 0, 'both processing jobs to run', 60_000, 100);
    const d = await w.scope.repo(WebhookDelivery).findOneBy({ id }).then((r) => r!);
    expect([d.status, d.attempts]).to.deep.equal(['done', 1]);
    expect(await w.scope.repo(ImportRun).count({ where: { trigger: 'webhook' } })).to.equal(1);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }).then((r) => r!)).quantity.toNumber()).to.equal(q + 1);
  });
});
