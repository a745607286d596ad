import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { createHttpApp } from '../../../src/http/app.js';
import { createScheduler } from '../../../src/app/scheduler.js';
import type { Scheduler } from '../../../src/jobs/scheduler.js';
import { clearJobHandlers } from '../../../src/jobs/handlers.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { UserService } from '../../../src/users/service.js';
import { startSandbox, type RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { freshDatabase, testSecretBox } from '../../support/database.js';

/** Every row of every table, as text: what an attacker with a database dump would read. */
async function dumpDatabase(ds: DataSource): Promise<string> {
  const tables: Array<{ name: string }> = ds.options.type === 'mysql'
    ? await ds.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')
    : await ds.query("SELECT name FROM sqlite_master WHERE type = 'table'");
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await ds.query(`SELECT * FROM ${ds.options.type === 'mysql' ? `\`${t.name}\`` : `"${t.name}"`}`)));
  return parts.join('\n');
}

describe('Secrets never appear in plain text in the database, the logs or responses', function () {
  this.timeout(120000);
  let ds: DataSource;
  let sandbox: RunningSandbox;
  let server: RunningServer;
  let scheduler: Scheduler;
  const logLines: string[] = [];
  const responses: string[] = [];
  const password = `pw-${randomUUID()}`;
  const pax8Secret = `pax8-secret-${randomUUID()}`;
  let apiToken = '';

  async function api(method: string, path: string, opts: { body?: unknown; token?: string; cookie?: string; csrf?: string } = {}) {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.csrf) headers['x-csrf-token'] = opts.csrf;
    const res = await fetch(`${server.url}/api/v1${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    responses.push(text, JSON.stringify([...res.headers.entries()]));
    return { status: res.status, text, json: text ? JSON.parse(text) : null, headers: res.headers };
  }

  before(async () => {
    ds = await freshDatabase();
    sandbox = await startSandbox({ seed: 11, companies: 6, port: 0, clientSecret: pax8Secret });
    const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(chunk.toString()); cb(); } });
    const rt: Runtime = {
      config: loadConfig({ RECURRA_ENV: 'test' }), logger: createLogger('trace', sink), ds, secrets: testSecretBox(),
      close: async () => undefined,
    };
    // The scheduler runs here, as in `recurra start`, so the import that "sync now" queues runs (and logs) too.
    // A short drain: the teardown must not wait on a job the scheduler started meanwhile (it is asked to stop instead).
    scheduler = createScheduler(rt, { processEveryMs: 100, retry: { retries: 0, delayMs: 10 }, drainTimeoutMs: 5000 });
    await scheduler.repository.purgeAllJobs();
    await scheduler.start();
    server = await listen(createHttpApp(rt, { scheduler }), '127.0.0.1', 0);
    await new UserService(ds).create({ email: 'root@example.test', role: 'admin', password, tenantId: null, customerId: null });
  });
  after(async () => {
    await server.close();
    await scheduler?.stop();
    clearJobHandlers();
    await sandbox.close();
    await ds.destroy();
  });

  it('runs a full flow: sign in (also with a wrong password), API token, connect Pax8, test, import', async () => {
    expect((await api('POST', '/auth/login', { body: { email: 'root@example.test', password: `${password}-wrong` } })).status).to.equal(401);
    const login = await api('POST', '/auth/login', { body: { email: 'root@example.test', password } });
    expect(login.status).to.equal(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const created = await api('POST', '/me/tokens', { body: { name: 'script' }, cookie, csrf: login.json.csrfToken });
    expect(created.status).to.equal(201);
    apiToken = created.json.token;
    expect(apiToken).to.match(/^rct_/);

    const tenant = await api('POST', '/tenants', {
      token: apiToken,
      body: { name: 'sec', clientId: sandbox.clientId, clientSecret: pax8Secret, apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl, audience: sandbox.audience },
    });
    expect(tenant.status, tenant.text).to.equal(201);
    const test = await api('POST', `/tenants/${tenant.json.id}/test-connection`, { token: apiToken });
    expect(test.json, test.text).to.deep.include({ ok: true });
    const sync = await api('POST', `/tenants/${tenant.json.id}/sync`, { token: apiToken, body: { entities: ['customers', 'subscriptions'] } });
    expect(sync.status, sync.text).to.equal(202);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const runs = await api('GET', `/tenants/${tenant.json.id}/import-runs`, { token: apiToken });
      const items = runs.json.items as Array<{ status: string }>;
      if (items.length === 2 && items.every((r) => r.status !== 'running')) break;
      if (Date.now() > deadline) throw new Error(`the queued imports did not finish: ${runs.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await api('GET', `/tenants/${tenant.json.id}`, { token: apiToken })).status).to.equal(200);
    expect((await api('GET', '/me/tokens', { token: apiToken })).status).to.equal(200);
    expect(logLines.length).to.be.greaterThan(5);
  });

  it('finds none of the secrets in a full database dump', async () => {
    const dump = await dumpDatabase(ds);
    expect(dump).to.include('root@example.test');
    for (const secret of [password, apiToken, pax8Secret]) expect(dump).to.not.include(secret);
  });

  it('finds none of the secrets in the logs', () => {
    const logs = logLines.join('');
    expect(logs).to.include('/api/v1/tenants');
    for (const secret of [password, apiToken, pax8Secret]) expect(logs).to.not.include(secret);
  });

  it('answers the API token only once, and never the password or the Pax8 secret', () => {
    const all = responses.join('\n');
    expect(all.split(apiToken).length - 1, 'the token appears only in its creation answer').to.equal(1);
    expect(all).to.not.include(password);
    expect(all).to.not.include(pax8Secret);
  });
});
