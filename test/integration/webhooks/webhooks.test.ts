import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Runtime } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/index.js';
import {
  ChangeNotice, EventLogEntry, ImportRun, Subscription, SubscriptionChange, WebhookDelivery, WebhookEndpoint,
} from '../../../src/db/entities/index.js';
import { createHttpApp } from '../../../src/http/app.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { detectChanges } from '../../../src/notices/detect.js';
import { logImportChanges } from '../../../src/events/log.js';
import { processWebhookQueue, registerEndpoint, type Registration } from '../../../src/webhooks/service.js';
import { opsWorld, pickSubscription, type OpsWorld } from '../operations/setup.js';

describe('Pax8 webhooks: verified, queued, synced at once, idempotent', function () {
  this.timeout(180_000);
  let w: OpsWorld;
  let server: RunningServer;
  let reg: Registration;
  let authorization: string;
  let account: string;
  let webhookId: string;

  beforeEach(async () => {
    w = await opsWorld();
    const rt: Runtime = { config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('silent'), ds: w.h.ds, secrets: w.h.secrets, close: async () => {} };
    server = await listen(createHttpApp(rt), '127.0.0.1', 0);
    reg = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url });
    // These tests hand-craft deliveries: the sandbox's own deliveries are paused (the end-to-end test keeps them on).
    const hook = w.h.sandbox.webhooks.byId.get(reg.pax8WebhookId)!;
    hook.active = false;
    authorization = hook.authorization!;
    account = hook.accountId;
    webhookId = hook.id;
    await detectChanges(w.scope, w.h.tenant); // baselines: detection and the event log start here
    await logImportChanges(w.scope);
  });
  afterEach(async () => {
    await server.close();
    await w.close();
  });

  const payload = (sub: { pax8Id: string; pax8CompanyId: string | null }, sentAt: string, action = 'UPDATED') => ({
    accountId: account, url: reg.url, webhookId, sentAt, webhookTopic: { id: randomUUID(), topic: 'SUBSCRIPTION', filters: [] },
    payloadData: { action, subscriptionId: sub.pax8Id, companyId: sub.pax8CompanyId },
  });
  const post = (body: unknown, opts: { auth?: string | null; url?: string } = {}) => fetch(opts.url ?? reg.url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(opts.auth === null ? {} : { authorization: opts.auth ?? authorization }) },
    body: JSON.stringify(body),
  });
  const process = () => processWebhookQueue({ ds: w.h.ds, secrets: w.h.secrets, client: { rateLimitPerMinute: null, maxRetries: 0 }, deliver: false }, w.h.tenant.id);

  it('verifies what Pax8 lets us verify and stores the secret sealed', async () => {
    const sub = await pickSubscription(w, false);
    const body = payload(sub, '2026-11-15T12:00:00Z');
    expect((await post(body, { auth: null })).status).to.equal(401);
    expect((await post(body, { auth: 'Recurra wrong' })).status).to.equal(401);
    // Issue 22: no query string in the registered URL, and a query token (what the old URL carried) is not a credential.
    expect(reg.url).to.equal(`${server.url}/api/v1/webhooks/pax8/${w.h.tenant.id}`);
    expect(reg.url).to.not.include('?');
    const ep0 = (await w.scope.repo(WebhookEndpoint).findOneBy({}))!;
    expect((await post(body, { auth: null, url: `${reg.url}?token=${ep0.token}` })).status).to.equal(401);
    expect((await post(body, { url: reg.url.replace(w.h.tenant.id, randomUUID()) })).status).to.equal(404);
    expect((await post({ hello: 'world' })).status).to.equal(400);
    expect(await w.scope.repo(WebhookDelivery).count()).to.equal(0);
    const ep = (await w.scope.repo(WebhookEndpoint).findOneBy({}))!;
    expect(ep.authorizationSealed).to.not.include(authorization.split(' ')[1]!);
    expect(JSON.stringify(reg)).to.not.include(authorization.split(' ')[1]!);
    expect(reg.topics).to.deep.equal(['SUBSCRIPTION']);

    expect((await post(body)).status).to.equal(202);
    // A URL registered before issue 22 (with ?token=) still delivers: the header is what is checked.
    expect((await post({ ...body, sentAt: '2026-11-15T12:00:03Z' }, { url: `${reg.url}?token=anything` })).status).to.equal(202);
    // The registered Pax8 account and webhook: another account or webhook is refused.
    expect((await post({ ...body, accountId: randomUUID(), sentAt: '2026-11-15T12:00:01Z' })).status).to.equal(401);
    expect((await post({ ...body, webhookId: randomUUID(), sentAt: '2026-11-15T12:00:02Z' })).status).to.equal(401);
  });

  it('answers at once, syncs the affected customer from the queue; replays and out-of-order deliveries change nothing twice', async () => {
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 3 });
    const first = payload(sub, '2026-11-15T12:00:00Z');
    const r1 = await post(first);
    expect(r1.status).to.equal(202);
    expect(await r1.json()).to.include({ accepted: true, duplicate: false });
    // Nothing synced yet: the answer did not wait for Pax8.
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toNumber()).to.equal(q);
    const replay = await post(first);
    expect(await replay.json()).to.include({ duplicate: true });
    expect(await w.scope.repo(WebhookDelivery).count()).to.equal(1);

    const p1 = await process();
    expect([p1.processed, p1.imports, p1.notices, p1.failed]).to.deep.equal([1, 1, 1, 0]);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toNumber()).to.equal(q + 3);
    expect((await w.scope.repo(ImportRun).findBy({ trigger: 'webhook' })).length).to.equal(1);
    const n1 = await w.scope.repo(ChangeNotice).find();
    expect(n1.map((n) => [n.kind, n.quantityBefore?.toNumber(), n.quantityAfter?.toNumber()])).to.deep.equal([['seats_added', q, q + 3]]);
    const changesAfterFirst = await w.scope.repo(SubscriptionChange).count({ where: { subscriptionId: sub.id } });

    // Pax8 retries the same event with a new sentAt: queued, synced, and nothing changes twice.
    await post(payload(sub, '2026-11-15T12:05:00Z'));
    const p2 = await process();
    expect([p2.processed, p2.notices]).to.deep.equal([1, 0]);
    expect(await w.scope.repo(SubscriptionChange).count({ where: { subscriptionId: sub.id } })).to.equal(changesAfterFirst);
    expect(await w.scope.repo(ChangeNotice).count()).to.equal(1);

    // Two later changes, delivered newest first: the state comes from Pax8, so the order does not matter.
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 5 });
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 2 });
    await post(payload(sub, '2026-11-15T13:10:00Z'));
    await post(payload(sub, '2026-11-15T13:00:00Z'));
    const p3 = await process();
    expect([p3.processed, p3.imports, p3.notices]).to.deep.equal([2, 1, 1]);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toNumber()).to.equal(q + 2);
    const last = (await w.scope.repo(ChangeNotice).find({ order: { occurredAt: 'DESC', createdAt: 'DESC' } })).find((n) => n.kind === 'seats_removed')!;
    expect([last.quantityBefore?.toNumber(), last.quantityAfter?.toNumber()]).to.deep.equal([q + 3, q + 2]);
    expect(await process()).to.deep.equal({ processed: 0, failed: 0, notices: 0, imports: 0 });
    const log = await w.scope.repo(EventLogEntry).find({ where: { subscriptionId: sub.id, type: 'import_quantity' } });
    expect(log.map((e) => e.licenceCount?.toNumber()).sort()).to.deep.equal([-1, 3]);
  });

  it('a delivery left processing by a dead worker is taken up again', async () => {
    const sub = await pickSubscription(w, false);
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: sub.quantity.toNumber() + 1 });
    expect((await post(payload(sub, '2026-11-15T15:00:00Z'))).status).to.equal(202);
    await w.scope.repo(WebhookDelivery).update({ status: 'queued' }, { status: 'processing', attempts: 1, updatedAt: new Date(Date.now() - 60_000) });
    expect((await process()).processed).to.equal(0); // a minute: maybe still being worked on
    await w.scope.repo(WebhookDelivery).update({ status: 'processing' }, { updatedAt: new Date(Date.now() - 20 * 60_000) });
    const r = await process();
    expect([r.processed, r.notices]).to.deep.equal([1, 1]);
    expect((await w.scope.repo(WebhookDelivery).findOneBy({}))!.attempts).to.equal(2);
  });

  it('a delivery Recurra cannot attribute syncs every customer\'s subscriptions, never done without work (issue 22)', async () => {
    const sub = await pickSubscription(w, false);
    const q = sub.quantity.toNumber();
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 2 });
    // A payload shape Recurra does not know: it names the subscription, but not where Recurra looks.
    const unknownShape = {
      accountId: account, url: reg.url, webhookId, sentAt: '2026-11-15T16:00:00Z', webhookTopic: { id: randomUUID(), topic: 'SUBSCRIPTION', filters: [] },
      payloadData: { action: 'UPDATED', resource: { kind: 'subscription', ref: sub.pax8Id } },
    };
    expect((await post(unknownShape)).status).to.equal(202);
    const r = await process();
    expect([r.processed, r.imports, r.failed, r.notices]).to.deep.equal([1, 1, 0, 1]);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toNumber()).to.equal(q + 2);
    const runs = await w.scope.repo(ImportRun).findBy({ trigger: 'webhook' });
    expect(runs).to.have.length(1);
    expect((await w.scope.repo(WebhookDelivery).findOneBy({}))!).to.include({ status: 'done', error: null });

    // A subscription Pax8 no longer has (deleted, or a topic's sample payload): also every customer, not five retries.
    await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 1 });
    expect((await post(payload({ pax8Id: randomUUID(), pax8CompanyId: null }, '2026-11-15T16:05:00Z', 'DELETED'))).status).to.equal(202);
    const r2 = await process();
    expect([r2.processed, r2.imports, r2.failed]).to.deep.equal([1, 1, 0]);
    expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toNumber()).to.equal(q + 1);
  });

  it('a new subscription announced by webhook is synced through its company and reported', async () => {
    const sub = await pickSubscription(w, false);
    const product = w.h.sandbox.data.products.find((p) => p.name === 'Dropbox Business Standard')!;
    const created = (await w.h.admin('POST', '/subscriptions', { companyId: sub.pax8CompanyId, productId: product.id, quantity: 7 })) as { id: string };
    expect((await post(payload({ pax8Id: created.id, pax8CompanyId: null }, '2026-11-15T14:00:00Z', 'CREATED'))).status).to.equal(202);
    const r = await process();
    expect([r.processed, r.notices]).to.deep.equal([1, 1]);
    const n = (await w.scope.repo(ChangeNotice).find())[0]!;
    expect([n.kind, n.productName, n.quantityAfter?.toNumber(), n.customerId]).to.deep.equal(['new_subscription', 'Dropbox Business Standard', 7, sub.customerId]);
  });
});
