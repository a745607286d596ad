import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Tenant } from '../../../src/db/entities/index.js';
import { TenantService } from '../../../src/tenants/service.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';

/** A server that records every request it gets and answers the token endpoint with a chatty refusal. */
async function listener(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'access_denied', error_description: 'INTERNAL-ONLY: db01.corp password=hunter2' }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/**
 * Issue 21, finding 3: an admin (even one bound to a tenant) could point the token URL at a server of their choice
 * without the secret, then have test-connection post the stored client secret there and relay the answer.
 */
describe('tenants: the stored Pax8 secret only goes where it was entered for', function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenant: Tenant;
  let tenantAdmin: TestUser;
  let attacker: Awaited<ReturnType<typeof listener>>;
  const SECRET = 'stored-pax8-secret-0123456789';

  beforeEach(async () => {
    app = await startApp();
    attacker = await listener();
    tenant = await new TenantService(app.ds, app.rt.secrets).create({
      name: `acme-${randomUUID().slice(0, 6)}`, clientId: 'pax8-client', clientSecret: SECRET,
      tokenUrl: 'http://127.0.0.1:9/token', apiUrl: 'http://127.0.0.1:9/v1', audience: 'https://api.pax8.com',
    });
    tenantAdmin = await addUser(app, 'admin', { tenant, label: 'tenant-admin' });
  });
  afterEach(async () => {
    await attacker.close();
    await app.close();
  });

  const patch = (body: unknown) => call(app, 'patch', `/api/v1/tenants/${tenant.id}/connection`, { token: tenantAdmin.token, body });
  const stored = () => app.ds.manager.findOneByOrFail(Tenant, { id: tenant.id });

  it('refuses to change the token URL, API URL or audience without the client secret (400 secret_required), changing nothing', async () => {
    for (const change of [{ tokenUrl: `${attacker.url}/token` }, { apiUrl: `${attacker.url}/v1` }, { audience: 'https://attacker.example' }, { tokenUrl: null }, { apiUrl: null, displayName: 'Renamed' }]) {
      const r = await patch(change);
      expect(r.status, JSON.stringify(change)).to.equal(400);
      expect(r.body.error.code).to.equal('secret_required');
      expect(r.body.error.fields.map((f: { path: string }) => f.path)).to.include('body.clientSecret');
    }
    const t = await stored();
    expect([t.pax8TokenUrl, t.pax8ApiUrl, t.pax8Audience, t.displayName]).to.deep.equal(['http://127.0.0.1:9/token', 'http://127.0.0.1:9/v1', 'https://api.pax8.com', tenant.displayName]);

    // test-connection then still posts nothing to the attacker.
    const test = await call(app, 'post', `/api/v1/tenants/${tenant.id}/test-connection`, { token: tenantAdmin.token });
    expect(test.status).to.equal(200);
    expect(attacker.bodies).to.deep.equal([]);
  });

  it('accepts the same values again without the secret (a re-saved form), and new endpoints with the secret entered again', async () => {
    const same = await patch({ tokenUrl: 'http://127.0.0.1:9/token', apiUrl: 'http://127.0.0.1:9/v1', audience: 'https://api.pax8.com', displayName: 'Acme' });
    expect(same.status, same.text).to.equal(200);
    const moved = await patch({ tokenUrl: `${attacker.url}/token`, clientSecret: 'a-newly-entered-secret' });
    expect(moved.status, moved.text).to.equal(200);
    expect(moved.body.pax8TokenUrl).to.equal(`${attacker.url}/token`);
  });

  it('the web form refuses a new token URL without the secret and says why', async () => {
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: tenantAdmin.email, password: tenantAdmin.password } });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const form = new URLSearchParams({ _csrf: login.body.csrfToken, displayName: tenant.displayName, tokenUrl: `${attacker.url}/token`, clientSecret: '' });
    const res = await fetch(`${app.url}/t/${tenant.id}/integration/connection`, {
      method: 'POST', redirect: 'manual', body: form,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenant.id}/integration` },
    });
    expect(res.status).to.equal(303);
    // The form comes back (?form=, a one-time id of what was typed; never the secret) with the reason.
    const back = new URL(res.headers.get('location') ?? '', app.url);
    expect([...back.searchParams.keys()]).to.deep.equal(['form']);
    expect(await (await fetch(`${app.url}${back.pathname}${back.search}`, { headers: { cookie } })).text()).to.match(/client secret/i);
    expect((await stored()).pax8TokenUrl).to.equal('http://127.0.0.1:9/token');
  });

  it('test-connection answers a classified reason and the HTTP status, never the remote body', async () => {
    expect((await patch({ tokenUrl: `${attacker.url}/token`, clientSecret: 'entered-for-this-url' })).status).to.equal(200);
    const r = await call(app, 'post', `/api/v1/tenants/${tenant.id}/test-connection`, { token: tenantAdmin.token });
    expect(r.status).to.equal(200);
    expect(r.body.ok).to.equal(false);
    expect(r.body.reason).to.equal('bad_credentials');
    expect(r.body.message).to.include('400');
    expect(r.text).to.not.include('INTERNAL-ONLY').and.not.include('hunter2');
    // The secret sent is the one entered for this URL, not the one stored before.
    expect(attacker.bodies.join('\n')).to.include('entered-for-this-url').and.not.include(SECRET);
  });

  it('refuses non-http(s) Pax8 endpoints at request time (a data: token URL is never fetched)', async () => {
    // A row changed behind the API's back (the API and CLI only accept http and https).
    await app.ds.manager.update(Tenant, { id: tenant.id }, { pax8TokenUrl: 'data:application/json,{"access_token":"x","expires_in":60}', pax8ApiUrl: 'data:application/json,{"content":[]}' });
    const r = await call(app, 'post', `/api/v1/tenants/${tenant.id}/test-connection`, { token: tenantAdmin.token });
    expect(r.body.ok, r.text).to.equal(false);
    expect(r.body.reason).to.equal('unreachable');
    expect(r.body.message).to.match(/only http and https/);
  });
});
