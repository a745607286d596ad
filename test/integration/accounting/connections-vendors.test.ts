import { expect } from 'chai';
import { Writable } from 'node:stream';
import { AccountingConnection, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { createLogger } from '../../../src/logging/logger.js';
import { openAccountingSession } from '../../../src/accounting/session.js';
import { connectorFor } from '../../../src/accounting/connectors/index.js';
import { sealContext } from '../../../src/accounting/connections.js';
import type { AccountingVendor } from '../../../src/accounting/connector.js';
import { startXeroSandbox } from '../../../src/xero/sandbox/index.js';
import { startQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';
import { seedTenant } from '../http/fixtures.js';
import { addUser, call, startApp, type Reply, type TestApp, type TestUser } from '../http/support.js';

/**
 * The whole OAuth round trip over real HTTP, as a browser makes it: the admin saves the app credentials (API), presses
 * Connect on the Accounting page, the vendor's local stand-in (src/xero/sandbox, src/quickbooks/sandbox, consent
 * auto-approved) sends the browser back to Recurra's callback, which connects the tenant; then sessions refresh the
 * rotated tokens once, a revoked grant asks for a reconnect, and no answer or log line ever holds the secret or a token.
 */

interface Stand {
  endpoints: { authorizeUrl: string; tokenUrl: string; revokeUrl: string; apiUrl: string };
  clientId: string;
  clientSecret: string;
  organisationName: string;
  close(): Promise<void>;
}

const STANDS: Record<AccountingVendor, () => Promise<Stand>> = {
  xero: async () => {
    const s = await startXeroSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, clientSecret: 'xero-app-secret-value', organisationName: 'Acme <b>Books</b> (UK)' });
    return { endpoints: s.endpoints, clientId: s.clientId, clientSecret: s.clientSecret, organisationName: s.tenantName, close: () => s.close() };
  },
  quickbooks: async () => {
    const s = await startQuickBooksSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, clientSecret: 'qbo-app-secret-value', realms: [{ name: 'Acme Books Inc' }] });
    return { endpoints: s.endpoints, clientId: s.clientId, clientSecret: s.clientSecret, organisationName: 'Acme Books Inc', close: () => s.close() };
  },
};

/** The vendors whose adapter is in the registry (the others' round trips run once their adapter lands). */
function available(vendor: AccountingVendor): boolean {
  try {
    connectorFor(vendor, { app: { clientId: 'x', clientSecret: 'y', redirectUri: 'http://127.0.0.1/cb', endpoints: { authorizeUrl: 'http://127.0.0.1/a', tokenUrl: 'http://127.0.0.1/t', revokeUrl: 'http://127.0.0.1/r', apiUrl: 'http://127.0.0.1' } }, connectionKey: 'probe' });
    return true;
  } catch {
    return false;
  }
}

for (const vendor of ['xero', 'quickbooks'] as const) {
  const d = available(vendor) ? describe : describe.skip;
  d(`accounting connections over HTTP: ${vendor} (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
    this.timeout(60_000);
    let app: TestApp;
    let stand: Stand;
    let tenant: Tenant;
    let admin: TestUser;
    let otherAdmin: TestUser;
    let finance: TestUser;
    let client: TestUser;
    const logged: string[] = [];
    const answers: string[] = [];
    /** Access tokens the sessions handed out: never in an answer, a log line or the database in plain text. */
    const tokensSeen: string[] = [];

    before(async () => {
      const sink = new Writable({ write(chunk, _enc, cb) { logged.push(String(chunk)); cb(); } });
      app = await startApp({}, { logger: createLogger('debug', sink) });
      const seeded = await seedTenant(app.ds, `acct-${vendor}`);
      tenant = seeded.tenant;
      admin = await addUser(app, 'admin', { tenant, label: 'acct-admin' });
      otherAdmin = await addUser(app, 'admin', { tenant, label: 'acct-admin2' });
      finance = await addUser(app, 'finance', { tenant });
      client = await addUser(app, 'client', { tenant, customerId: seeded.ids.customerId! });
      stand = await STANDS[vendor]();
    });
    after(async () => {
      await stand?.close();
      await app?.close();
    });

    const base = () => `/api/v1/tenants/${tenant.id}/accounting/connections`;
    const api = async (user: TestUser, method: string, path: string, body?: unknown): Promise<Reply> => {
      const r = await call(app, method, path, { token: user.token, body });
      answers.push(r.text);
      return r;
    };

    async function session(user: TestUser): Promise<{ cookie: string; csrf: string }> {
      const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
      return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: login.body.csrfToken as string };
    }

    async function web(s: { cookie: string }, path: string, form?: Record<string, string>): Promise<Response> {
      const res = await fetch(path.startsWith('http') ? path : `${app.url}${path}`, {
        method: form ? 'POST' : 'GET', redirect: 'manual', body: form ? new URLSearchParams(form) : undefined,
        headers: { cookie: s.cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenant.id}/accounting` } : {}) },
      });
      return res;
    }

    /** Connect pressed on the page: the vendor's consent page (auto-approved) answers with the redirect to our callback. */
    async function pressConnect(s: { cookie: string; csrf: string }): Promise<string> {
      const connect = await web(s, `/t/${tenant.id}/accounting/${vendor}/connect`, { _csrf: s.csrf });
      expect(connect.status).to.equal(303);
      const consent = await fetch(connect.headers.get('location')!, { redirect: 'manual' });
      expect(consent.status).to.equal(302);
      const callback = consent.headers.get('location')!;
      expect(callback.startsWith(`${app.url}/accounting/${vendor}/callback?`), callback).to.equal(true);
      return callback;
    }

    const row = async () => (await new TenantScope(app.ds.manager, tenant.id).repo(AccountingConnection).findOneBy({ vendor }))!;

    it('roles: finance reads the status, only admins change it, clients never see it', async () => {
      expect((await api(finance, 'get', base())).status).to.equal(200);
      expect((await api(client, 'get', base())).status).to.equal(403);
      expect((await api(finance, 'put', `${base()}/${vendor}`, { clientId: 'x', clientSecret: 'y' })).status).to.equal(403);
      expect((await api(finance, 'post', `${base()}/${vendor}/connect`, {})).status).to.equal(403);
      expect((await api(finance, 'delete', `${base()}/${vendor}`)).status).to.equal(403);
      const financePage = await web(await session(finance), `/t/${tenant.id}/accounting`);
      expect(financePage.status).to.equal(200);
      const html = await financePage.text();
      expect(html).to.contain('Not connected');
      expect(html).not.to.contain(`/accounting/${vendor}/connect`);
      expect((await web(await session(client), `/t/${tenant.id}/accounting`)).status).to.equal(403);
    });

    it('connects through Connect and the callback; the state is one-time and the same user\'s', async () => {
      const saved = await api(admin, 'put', `${base()}/${vendor}`, { clientId: stand.clientId, clientSecret: stand.clientSecret, ...stand.endpoints });
      expect(saved.status, saved.text).to.equal(200);
      expect(saved.body).to.include({ configured: true, hasClientSecret: true, customEndpoints: true, status: 'not_connected' });

      const s = await session(admin);
      const callback = await pressConnect(s);
      // Another admin of the same tenant cannot complete this admin's authorisation.
      const foreign = await web(await session(otherAdmin), callback);
      expect(foreign.status).to.equal(303);
      expect(decodeURIComponent(foreign.headers.get('location')!)).to.match(/another user/);

      const back = await web(s, callback);
      expect(back.status).to.equal(303);
      const location = new URL(back.headers.get('location')!, app.url);
      expect(location.pathname).to.equal(`/t/${tenant.id}/accounting`);
      expect(location.searchParams.get('notice')).to.contain(`Connected to`).and.contain(stand.organisationName);

      // Replayed: refused, and nothing changes.
      const replay = await web(s, callback);
      expect(new URL(replay.headers.get('location')!, app.url).searchParams.get('error')).to.match(/already used/);

      const list = await api(finance, 'get', base());
      const c = (list.body.items as Array<Record<string, unknown>>).find((x) => x.vendor === vendor)!;
      expect(c).to.include({ status: 'connected', organisationName: stand.organisationName, connectedBy: admin.email });
      expect(list.body.callbackUrls[vendor]).to.equal(`${app.url}/accounting/${vendor}/callback`);

      const page = await (await web(s, `/t/${tenant.id}/accounting`)).text();
      expect(page).to.contain('Connected').and.match(/expires in \d+ minutes/);
      // The organisation's name as the vendor gave it, escaped.
      expect(page).to.contain(stand.organisationName.replace(/</g, '&lt;').replace(/>/g, '&gt;')).and.not.contain('<b>Books');
      const noticed = await (await web(s, `${location.pathname}${location.search}`)).text();
      expect(noticed).not.to.contain('<b>Books');
      expect(page).to.contain('Disconnect').and.contain(`action="/t/${tenant.id}/accounting/${vendor}/disconnect"`)
        .and.contain(`action="/t/${tenant.id}/accounting/${vendor}/connect"`).and.contain(`action="/t/${tenant.id}/accounting/${vendor}/app"`);
      expect(page).not.to.contain(stand.clientSecret);
    });

    it('opens sessions that reach the vendor, refreshing once before expiry even when two open at once', async () => {
      const now = new Date();
      const first = await openAccountingSession(app.ds, app.rt.secrets, tenant.id, vendor, now);
      await first.connector.contacts(first.session);
      // The access token has 4 minutes left (as if issued long ago): two processes open a session at once.
      await new TenantScope(app.ds.manager, tenant.id).repo(AccountingConnection).update({ vendor }, { accessExpiresAt: new Date(now.getTime() + 4 * 60 * 1000) });
      const before = await row();
      const later = now;
      const [a, b] = await Promise.all([
        openAccountingSession(app.ds, app.rt.secrets, tenant.id, vendor, later, { pollMs: 10 }),
        openAccountingSession(app.ds, app.rt.secrets, tenant.id, vendor, later, { pollMs: 10 }),
      ]);
      expect(a.session.accessToken).to.equal(b.session.accessToken);
      tokensSeen.push(first.session.accessToken, a.session.accessToken);
      expect(a.session.accessToken).not.to.equal(first.session.accessToken);
      await a.connector.contacts(a.session);
      const after = await row();
      expect(after.status).to.equal('connected');
      expect(after.tokenVersion).to.equal(before.tokenVersion + 2);
    });

    it('a grant revoked at the vendor marks the connection needs_reconnect; Connect mends it', async () => {
      const r = await row();
      const refreshToken = app.rt.secrets.decrypt(r.refreshTokenSealed!, sealContext(tenant.id, vendor, 'refreshToken'));
      const opened = await openAccountingSession(app.ds, app.rt.secrets, tenant.id, vendor, new Date());
      await opened.connector.revoke(refreshToken);
      try {
        await openAccountingSession(app.ds, app.rt.secrets, tenant.id, vendor, new Date(r.accessExpiresAt!.getTime() - 60 * 1000));
        expect.fail('opened a revoked grant');
      } catch (err) {
        expect((err as Error).message).to.match(/connect .* again/);
      }
      const list = await api(admin, 'get', base());
      expect((list.body.items as Array<Record<string, unknown>>).find((x) => x.vendor === vendor)).to.include({ status: 'needs_reconnect' });
      const s = await session(admin);
      expect(await (await web(s, `/t/${tenant.id}/accounting`)).text()).to.contain('Needs reconnecting');
      const back = await web(s, await pressConnect(s));
      expect(new URL(back.headers.get('location')!, app.url).searchParams.get('notice')).to.contain('Connected to');
    });

    it('disconnects from the page: the vendor forgets the grant, Recurra the tokens', async () => {
      const r = await row();
      const refreshToken = app.rt.secrets.decrypt(r.refreshTokenSealed!, sealContext(tenant.id, vendor, 'refreshToken'));
      const s = await session(admin);
      const res = await web(s, `/t/${tenant.id}/accounting/${vendor}/disconnect`, { _csrf: s.csrf });
      expect(new URL(res.headers.get('location')!, app.url).searchParams.get('notice')).to.match(/^Disconnected from [^(]*\.$/);
      const after = await row();
      expect([after.status, after.accessTokenSealed, after.refreshTokenSealed]).to.deep.equal(['not_connected', null, null]);
      // The vendor refuses the old refresh token now.
      const opened = connectorFor(vendor, { app: { clientId: stand.clientId, clientSecret: stand.clientSecret, redirectUri: '', endpoints: stand.endpoints }, connectionKey: 'check' });
      try {
        await opened.refresh(refreshToken);
        expect.fail('refreshed a revoked grant');
      } catch (err) {
        expect((err as { kind: string }).kind).to.equal('unauthorized');
      }
    });

    it('never answers or logs the client secret or a token, nor keeps them in plain text', async () => {
      const s = await session(admin);
      await web(s, await pressConnect(s));
      const opened = await openAccountingSession(app.ds, app.rt.secrets, tenant.id, vendor, new Date());
      tokensSeen.push(opened.session.accessToken);
      const r = await row();
      expect((await api(admin, 'get', base())).status).to.equal(200);
      answers.push(await (await web(s, `/t/${tenant.id}/accounting`)).text());
      const all = answers.join('\n') + logged.join('\n');
      expect(tokensSeen.length).to.be.greaterThan(2);
      for (const secret of [stand.clientSecret, r.clientSecretSealed, r.accessTokenSealed!, r.refreshTokenSealed!, ...tokensSeen]) expect(all).not.to.contain(secret);
      const dump = JSON.stringify(await app.ds.manager.find(AccountingConnection));
      for (const secret of [stand.clientSecret, ...tokensSeen]) expect(dump).not.to.contain(secret);
    });
  });
}
