import { expect } from 'chai';
import type { Runtime } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/index.js';
import { ChangeNotice, LicensingNotice, Subscription, WebhookDelivery, WebhookEndpoint } from '../../../src/db/entities/index.js';
import { logImportChanges } from '../../../src/events/log.js';
import { createHttpApp } from '../../../src/http/app.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { detectChanges } from '../../../src/notices/detect.js';
import { UserService } from '../../../src/users/service.js';
import { registerEndpoint, unregisterEndpoint, WebhookError } from '../../../src/webhooks/service.js';
import { createScheduler } from '../../../src/app/scheduler.js';
import { opsWorld, pickSubscription, type OpsWorld } from '../operations/setup.js';

/**
 * Registration with Pax8 for real: Recurra calls the sandbox's webhooks API (/api/v2/webhooks) over HTTP; the sandbox
 * then delivers its own subscription changes to Recurra's receiver, which verifies, queues, syncs, detects and notifies.
 */
describe('Pax8 webhooks: registration with Pax8 and end-to-end delivery', function () {
  this.timeout(180_000);
  let w: OpsWorld;
  let server: RunningServer;
  let rt: Runtime;
  let adminToken: string;
  let adminId: string;

  beforeEach(async () => {
    w = await opsWorld();
    rt = { config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('silent'), ds: w.h.ds, secrets: w.h.secrets, close: async () => {} };
    server = await listen(createHttpApp(rt), '127.0.0.1', 0);
    const users = new UserService(w.h.ds);
    const { user } = await users.create({ email: 'ops@msp.example', role: 'admin', password: 'pw-registration-1', tenantId: null, customerId: null });
    adminId = user.id;
    adminToken = (await users.createToken(user.id, 'test')).token;
  });
  afterEach(async () => {
    await w.h.sandbox.webhooks.flush();
    await server.close();
    await w.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1/tenants/${w.h.tenant.id}${path}`, {
      method, headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : null };
  };
  const hooks = () => w.h.sandbox.webhooks.list();
  const row = () => w.scope.repo(WebhookEndpoint).findOneBy({});
  const sealedSecret = async () => w.h.secrets.decrypt((await row())!.authorizationSealed, `tenant:${w.h.tenant.id}:webhookAuthorization`);

  /** A client whose requests matching `match` fail (500 without reaching Pax8, or a lost answer after Pax8 did the work). */
  const failing = (match: (method: string, url: string) => boolean, how: '500' | 'lost') => ({
    maxRetries: 0, rateLimitPerMinute: null,
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      if (!match(init?.method ?? 'GET', url)) return fetch(input, init);
      if (how === '500') return new Response(JSON.stringify({ type: 'INTERNAL_SERVER_ERROR', message: 'boom', instance: '/webhooks', status: 500, details: [] }), { status: 500, headers: { 'content-type': 'application/json' } });
      await (await fetch(input, init)).text();
      throw new TypeError('fetch failed');
    }) as typeof fetch,
  });

  it('registers over the API, rotates the same Pax8 webhook, refuses unknown topics, unregisters; the secret is never returned', async () => {
    const r1 = await api('POST', '/webhooks/pax8', { baseUrl: server.url });
    expect(r1.status, r1.text).to.equal(200);
    expect(r1.body).to.include({ action: 'created', active: true });
    expect(r1.body.topics).to.deep.equal(['SUBSCRIPTION']);
    expect(hooks()).to.have.length(1);
    const hook = hooks()[0]!;
    expect([hook.id, hook.url, hook.active]).to.deep.equal([r1.body.pax8WebhookId, r1.body.url, true]);
    expect(hook.webhookTopics.map((t) => t.topic)).to.deep.equal(['SUBSCRIPTION']);
    // Issue 22: explicit filters, one per action of the topic definition (an empty list would deliver nothing), and no query string.
    expect(hook.webhookTopics[0]!.filters).to.deep.equal(['CREATED', 'UPDATED', 'CANCELLED', 'DELETED'].map((action) => ({ action, conditions: [] })));
    expect(hook.url).to.equal(`${server.url}/api/v1/webhooks/pax8/${w.h.tenant.id}`);
    const secret1 = await sealedSecret();
    expect(hook.authorization).to.equal(secret1);
    expect(r1.text).to.not.include(secret1.split(' ')[1]!);
    expect((await row())!.authorizationSealed).to.not.include(secret1.split(' ')[1]!);
    expect((await row())!.pax8AccountId).to.equal(hook.accountId);
    const view = await api('GET', '/webhooks/pax8');
    expect(view.body).to.include({ pax8WebhookId: hook.id, active: true });
    expect(view.text).to.not.include(secret1.split(' ')[1]!);

    // Rotation: the same Pax8 webhook gets the new topics and secret (the URL stays); the old secret is refused.
    const r2 = await api('POST', '/webhooks/pax8', { baseUrl: server.url, topics: ['SUBSCRIPTION', 'COMPANY'] });
    expect(r2.status, r2.text).to.equal(200);
    expect(r2.body).to.include({ action: 'rotated', pax8WebhookId: hook.id });
    expect(hooks()).to.have.length(1);
    expect(hooks()[0]!.url).to.equal(r2.body.url).and.equal(r1.body.url);
    expect(hooks()[0]!.authorization).to.equal(await sealedSecret()).and.not.equal(secret1);
    expect(hooks()[0]!.webhookTopics.map((t) => [t.topic, t.filters.map((f) => f.action)])).to.deep.equal([
      ['SUBSCRIPTION', ['CREATED', 'UPDATED', 'CANCELLED', 'DELETED']], ['COMPANY', ['CREATED', 'UPDATED']],
    ]);
    const old = await fetch(r1.body.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: secret1 }, body: '{}' });
    expect(old.status).to.equal(401);

    // A topic Pax8 does not offer: 400 naming Pax8's topics, nothing changes anywhere.
    const before = { url: hooks()[0]!.url, auth: hooks()[0]!.authorization, sealed: (await row())!.authorizationSealed };
    const r3 = await api('POST', '/webhooks/pax8', { baseUrl: server.url, topics: ['SUBSCRIPTION_UPDATED'] });
    expect(r3.status).to.equal(400);
    expect(r3.body.error.message).to.include('SUBSCRIPTION_UPDATED').and.include('SUBSCRIPTION, COMPANY, INVOICE');
    expect({ url: hooks()[0]!.url, auth: hooks()[0]!.authorization, sealed: (await row())!.authorizationSealed }).to.deep.equal(before);

    // A base URL with a query string: refused here (Pax8 would refuse the webhook URL), nothing changes.
    const r4 = await api('POST', '/webhooks/pax8', { baseUrl: `${server.url}/?token=x` });
    expect(r4.status, r4.text).to.equal(400);
    expect(r4.body.error.fields[0].path, r4.text).to.equal('body.baseUrl');
    expect({ url: hooks()[0]!.url, auth: hooks()[0]!.authorization, sealed: (await row())!.authorizationSealed }).to.deep.equal(before);

    const d1 = await api('DELETE', '/webhooks/pax8');
    expect(d1.status, d1.text).to.equal(200);
    expect(d1.body).to.deep.equal({ removed: true, pax8Deleted: true, warnings: [] });
    expect(hooks()).to.have.length(0);
    expect(await row()).to.equal(null);
    expect((await api('DELETE', '/webhooks/pax8')).status).to.equal(404);
    expect((await api('GET', '/webhooks/pax8')).body).to.equal(null);
  });

  it('Pax8 failures leave a consistent state: nothing stored for a webhook Pax8 never created; a lost answer is found again; removal kept or forced', async () => {
    const isCreate = (m: string, u: string) => m === 'POST' && /\/api\/v2\/webhooks$/.test(u);
    const err = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url, client: failing(isCreate, '500') }).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(WebhookError);
    expect((err as WebhookError).code).to.equal('pax8');
    expect((err as Error).message).to.match(/did not create the webhook \(nothing was stored; retry\).*HTTP 500/);
    expect(await row()).to.equal(null);
    expect(hooks()).to.have.length(0);

    // Pax8 created it but the answer was lost: Recurra finds it by its unique URL instead of creating a second one.
    const reg = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url, client: failing(isCreate, 'lost') });
    expect(hooks().map((h) => h.id)).to.deep.equal([reg.pax8WebhookId]);
    expect(hooks()[0]!.authorization).to.equal(await sealedSecret());

    // Rotation refused by Pax8: the old registration stays valid on both sides.
    const sealed = (await row())!.authorizationSealed;
    const isConfig = (m: string, u: string) => m === 'POST' && u.endsWith('/configuration');
    const rot = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url, client: failing(isConfig, '500') }).then(() => null, (e: unknown) => e);
    expect((rot as WebhookError).code).to.equal('pax8');
    expect((await row())!.authorizationSealed).to.equal(sealed);
    expect(hooks()[0]!.authorization).to.equal(await sealedSecret());

    // Pax8 will not delete: the endpoint is kept (it still receives) unless forced.
    const isDelete = (m: string) => m === 'DELETE';
    const un = await unregisterEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { client: failing(isDelete, '500') }).then(() => null, (e: unknown) => e);
    expect((un as WebhookError).code).to.equal('pax8');
    expect(await row()).to.not.equal(null);
    const forced = await unregisterEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { force: true, client: failing(isDelete, '500') });
    expect(forced.pax8Deleted).to.equal(false);
    expect(forced.warnings[0]).to.include(reg.pax8WebhookId);
    expect(await row()).to.equal(null);

    // Deleted at Pax8 meanwhile: registering again creates a new webhook.
    const again = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url });
    w.h.sandbox.webhooks.delete(again.pax8WebhookId);
    const fresh = await registerEndpoint(w.h.ds, w.h.secrets, w.h.tenant, { baseUrl: server.url });
    expect(fresh.action).to.equal('created');
    expect(fresh.warnings[0]).to.include('no longer existed');
    // (the webhook whose removal was forced is still at Pax8, as the warning said)
    expect(hooks().map((h) => h.id)).to.have.members([reg.pax8WebhookId, fresh.pax8WebhookId]);
  });

  it('end to end: register → Pax8 changes a subscription → Recurra receives, verifies, queues, syncs, detects and notifies', async () => {
    // Processing runs as the scheduler's webhooks:process job (here as in a `recurra worker`); the receiver only queues it.
    const scheduler = createScheduler(rt, { processEveryMs: 100 });
    await scheduler.start();
    try {
      await detectChanges(w.scope, w.h.tenant); // the detection baseline
      await logImportChanges(w.scope);
      const reg = await api('POST', '/webhooks/pax8', { baseUrl: server.url });
      expect(reg.status, reg.text).to.equal(200);
      const sub = await pickSubscription(w, false);
      const q = sub.quantity.toNumber();

      await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/quantity`, { quantity: q + 4 });
      await w.h.sandbox.webhooks.flush();
      const log = w.h.sandbox.webhooks.logs.at(-1)!;
      expect(log.finalStatus).to.equal('SUCCESS');
      expect(log.callHistory.at(-1)!.httpStatusCode).to.equal(202);
      const until = async (what: string, ok: () => Promise<boolean>) => {
        for (let i = 0; i < 200; i++) {
          if (await ok()) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect.fail(`timed out waiting for ${what}`);
      };
      await until('the seats_added notice', async () => (await w.scope.repo(ChangeNotice).count({ where: { kind: 'seats_added' } })) === 1);
      expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.quantity.toNumber()).to.equal(q + 4);
      const delivery = (await w.scope.repo(WebhookDelivery).find())[0]!;
      expect([delivery.topic, delivery.status, delivery.pax8SubscriptionId]).to.deep.equal(['SUBSCRIPTION', 'done', sub.pax8Id]);
      const inApp = await w.scope.repo(LicensingNotice).findBy({ userId: adminId });
      expect(inApp.map((n) => n.kind)).to.deep.equal(['change_seats_added']);

      await w.h.admin('POST', `/subscriptions/${sub.pax8Id}/cancel`, {});
      await w.h.sandbox.webhooks.flush();
      await until('the cancelled notice', async () => (await w.scope.repo(ChangeNotice).count({ where: { kind: 'cancelled' } })) === 1);
      expect((await w.scope.repo(Subscription).findOneBy({ id: sub.id }))!.status).to.equal('Cancelled');
      expect(await w.scope.repo(WebhookDelivery).count({ where: { status: 'done' } })).to.equal(2);
    } finally {
      await scheduler.stop();
    }
  });
});
