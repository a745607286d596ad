import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { DataSource } from 'typeorm';
import {
  AccountingError, type AccountingConnector, type AccountingVendor, type ConnectionTokens, type ConnectorDeps,
} from '../../../src/accounting/connector.js';
import { disconnect, getConnection, listConnections, saveAppCredentials } from '../../../src/accounting/connections.js';
import { chooseOrganisation, completeConnect, startConnect } from '../../../src/accounting/oauth.js';
import { openAccountingSession } from '../../../src/accounting/session.js';
import { AccountingConnection, EventLogEntry } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import type { SecretBox } from '../../../src/crypto/secret-box.js';
import { freshDatabase, insertTenant, sharedTestTarget, testSecretBox } from '../../support/database.js';
import { openDatabase } from '../../../src/db/data-source.js';

/**
 * The connection use cases against a small OAuth 2.0 server over real HTTP that behaves as Xero's identity server
 * does where it matters here: codes used once, refresh tokens rotated (a refresh token sent twice is refused), a
 * revoked grant refused. The adapter below speaks only its token, revocation and connections endpoints; the full
 * round trip through the real Xero and QuickBooks adapters and their local servers is connections-vendors.test.ts.
 */

interface Grant { refreshToken: string; revoked: boolean; orgs: Array<{ id: string; name: string }> }

async function startOAuthServer(orgs: Array<{ id: string; name: string }>) {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const codes = new Map<string, Grant>();
  const byRefresh = new Map<string, Grant>();
  const access = new Map<string, Grant>();
  const stats = { refreshes: 0, refusedRefreshes: 0, revokes: 0, exchanges: 0 };
  const issue = (g: Grant) => {
    const accessToken = `at_${randomBytes(8).toString('hex')}`;
    g.refreshToken = `rt_${randomBytes(8).toString('hex')}`;
    byRefresh.set(g.refreshToken, g);
    access.set(accessToken, g);
    return { access_token: accessToken, refresh_token: g.refreshToken, expires_in: 1800, token_type: 'Bearer' };
  };
  app.post('/token', (req, res) => {
    const b = req.body as Record<string, string>;
    if (req.headers.authorization !== `Basic ${Buffer.from('cid:csecret').toString('base64')}`) return res.status(401).json({ error: 'invalid_client' });
    if (b.grant_type === 'authorization_code') {
      const g = codes.get(b.code ?? '');
      codes.delete(b.code ?? '');
      if (!g) return res.status(400).json({ error: 'invalid_grant' });
      stats.exchanges += 1;
      return res.json(issue(g));
    }
    const g = byRefresh.get(b.refresh_token ?? '');
    byRefresh.delete(b.refresh_token ?? '');
    if (!g || g.revoked) { stats.refusedRefreshes += 1; return res.status(400).json({ error: 'invalid_grant' }); }
    stats.refreshes += 1;
    return res.json(issue(g));
  });
  app.post('/revoke', (req, res) => {
    const g = byRefresh.get((req.body as Record<string, string>).token ?? '');
    if (g) g.revoked = true;
    stats.revokes += 1;
    res.status(200).end();
  });
  app.get('/connections', (req, res) => {
    const g = access.get(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!g || g.revoked) return res.status(401).json({ error: 'unauthorized' });
    res.json(g.orgs.map((o) => ({ tenantId: o.id, tenantName: o.name })));
  });
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, stats,
    /** The user approves in the browser: a code for a new grant. */
    approve(): string {
      const code = `code_${randomBytes(6).toString('hex')}`;
      codes.set(code, { refreshToken: '', revoked: false, orgs });
      return code;
    },
    revokeAll() { for (const g of byRefresh.values()) g.revoked = true; },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** An adapter speaking the stand-in's OAuth endpoints (the document calls are not used here). */
function testConnectorFor(vendor: AccountingVendor, deps: ConnectorDeps): AccountingConnector {
  const { app } = deps;
  const f = deps.fetch ?? fetch;
  const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
  const token = async (form: Record<string, string>): Promise<ConnectionTokens & { raw: string }> => {
    const r = await f(app.endpoints.tokenUrl, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    if (r.status === 400 || r.status === 401) throw new AccountingError('unauthorized', `token endpoint: ${await r.text()}`, r.status);
    const j = await r.json() as { access_token: string; refresh_token: string; expires_in: number };
    return { accessToken: j.access_token, refreshToken: j.refresh_token, accessExpiresAt: new Date(Date.now() + j.expires_in * 1000), refreshExpiresAt: null, raw: '' };
  };
  const unused = () => { throw new Error('not used in this test'); };
  return {
    vendor,
    authorizationUrl: (state) => `${app.endpoints.authorizeUrl}?${new URLSearchParams({ client_id: app.clientId, redirect_uri: app.redirectUri, response_type: 'code', state })}`,
    async exchangeCode({ code }) {
      const { raw: _raw, ...tokens } = await token({ grant_type: 'authorization_code', code, redirect_uri: app.redirectUri });
      const r = await f(`${app.endpoints.apiUrl}/connections`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
      const orgs = await r.json() as Array<{ tenantId: string; tenantName: string }>;
      return { tokens, organisations: orgs.map((o) => ({ id: o.tenantId, name: o.tenantName })) };
    },
    async refresh(refreshToken) {
      const { raw: _raw, ...tokens } = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      return tokens;
    },
    async revoke(refreshToken) {
      await f(app.endpoints.revokeUrl, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: refreshToken }) });
    },
    contacts: unused, createContact: unused, ledgerTargets: unused, taxRates: unused, findDocument: unused, createDocument: unused,
    updateDocument: unused, documents: unused,
  };
}

const opts = { connectorFor: testConnectorFor };
const USER = { id: '00000000-0000-4000-8000-000000000001', email: 'admin@example.com' };

describe('accounting connections: app credentials, OAuth connect, refresh, disconnect', function () {
  let ds: DataSource;
  let secrets: SecretBox;
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  let scope: TenantScope;
  let tenantId: string;
  const now = new Date();

  before(async () => {
    ds = await freshDatabase();
    secrets = testSecretBox();
  });
  after(async () => { await ds?.destroy(); });
  beforeEach(async () => {
    oauth = await startOAuthServer([{ id: 'org-1', name: 'Acme Books Ltd' }]);
    tenantId = (await insertTenant(ds, `t-${randomBytes(4).toString('hex')}`)).id;
    scope = new TenantScope(ds.manager, tenantId);
  });
  afterEach(async () => { await oauth.close(); });

  const endpoints = () => ({ authorizeUrl: `${oauth.base}/authorize`, tokenUrl: `${oauth.base}/token`, revokeUrl: `${oauth.base}/revoke`, apiUrl: oauth.base });

  async function connect(vendor: AccountingVendor = 'xero', at = now): Promise<void> {
    await saveAppCredentials(scope, secrets, vendor, { clientId: 'cid', clientSecret: 'csecret', ...endpoints() }, at);
    const started = await startConnect(scope, secrets, { vendor, userId: USER.id, redirectUri: 'http://127.0.0.1/accounting/xero/callback', now: at }, opts);
    const state = new URL(started.authorizationUrl).searchParams.get('state')!;
    const done = await completeConnect(scope, secrets, { vendor, userId: USER.id, userEmail: USER.email, state, code: oauth.approve(), now: at }, opts);
    expect(done.outcome).to.equal('connected');
  }

  it('lists both vendors, not connected, with their real hosts until app credentials are saved', async () => {
    const list = await listConnections(scope);
    expect(list.map((c) => [c.vendor, c.status, c.configured])).to.deep.equal([['xero', 'not_connected', false], ['quickbooks', 'not_connected', false]]);
    expect(list[0]!.endpoints.tokenUrl).to.equal('https://identity.xero.com/connect/token');
    expect(list[1]!.endpoints.apiUrl).to.equal('https://quickbooks.api.intuit.com');
  });

  it('keeps the client secret write-only and sealed, and asks for it again when a URL or the client id changes', async () => {
    const saved = await saveAppCredentials(scope, secrets, 'xero', { clientId: 'cid', clientSecret: 'csecret-value' }, now);
    expect(JSON.stringify(saved)).not.to.contain('csecret-value');
    expect(saved).to.include({ hasClientSecret: true, configured: true, clientId: 'cid', customEndpoints: false });
    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    expect(row.clientSecretSealed).not.to.contain('csecret-value');
    // Bound to tenant, vendor and field: the same ciphertext does not open as another field.
    expect(() => secrets.decrypt(row.clientSecretSealed, `accounting:${tenantId}:quickbooks:clientSecret`)).to.throw();

    for (const patch of [{ tokenUrl: `${oauth.base}/token` }, { apiUrl: 'https://elsewhere.example' }, { clientId: 'other' }]) {
      try {
        await saveAppCredentials(scope, secrets, 'xero', patch, now);
        expect.fail(`saved ${JSON.stringify(patch)} without the secret`);
      } catch (err) {
        expect((err as { code: string }).code).to.equal('secret_required');
      }
    }
    const moved = await saveAppCredentials(scope, secrets, 'xero', { tokenUrl: `${oauth.base}/token`, clientSecret: 'new' }, now);
    expect(moved).to.include({ customEndpoints: true });
    // Same values again: nothing moves, no secret needed.
    await saveAppCredentials(scope, secrets, 'xero', { clientId: 'cid', tokenUrl: `${oauth.base}/token` }, now);
  });

  it('connects: the state is one-time, bound to the tenant and user, and expires in 10 minutes', async () => {
    await saveAppCredentials(scope, secrets, 'xero', { clientId: 'cid', clientSecret: 'csecret', ...endpoints() }, now);
    const start = () => startConnect(scope, secrets, { vendor: 'xero', userId: USER.id, redirectUri: 'http://127.0.0.1/cb', now }, opts);
    const stateOf = (u: string) => new URL(u).searchParams.get('state')!;
    const refusedWith = async (p: Promise<unknown>, code: string) => {
      try { await p; expect.fail('accepted'); } catch (err) { expect((err as { code: string }).code, (err as Error).message).to.equal(code); }
    };
    const s1 = stateOf((await start()).authorizationUrl);
    expect(s1.startsWith(`${tenantId}.`)).to.equal(true);
    const input = (state: string, extra: object = {}) => ({ vendor: 'xero' as const, userId: USER.id, userEmail: USER.email, state, code: oauth.approve(), now, ...extra });

    // Another user, another vendor, another tenant, a made-up state: refused, and the state stays usable by its owner.
    await refusedWith(completeConnect(scope, secrets, input(s1, { userId: '00000000-0000-4000-8000-000000000002' }), opts), 'invalid_state');
    await refusedWith(completeConnect(scope, secrets, input(s1, { vendor: 'quickbooks' }), opts), 'invalid_state');
    const other = new TenantScope(ds.manager, (await insertTenant(ds, `o-${randomBytes(4).toString('hex')}`)).id);
    await refusedWith(completeConnect(other, secrets, input(s1), opts), 'invalid_state');
    await refusedWith(completeConnect(scope, secrets, input(`${tenantId}.${randomBytes(32).toString('base64url')}`), opts), 'invalid_state');
    // Expired after 10 minutes.
    const s2 = stateOf((await start()).authorizationUrl);
    await refusedWith(completeConnect(scope, secrets, input(s2, { now: new Date(now.getTime() + 10 * 60 * 1000 + 1) }), opts), 'invalid_state');

    const done = await completeConnect(scope, secrets, input(s1), opts);
    expect(done.connection).to.include({ status: 'connected', organisationId: 'org-1', organisationName: 'Acme Books Ltd', connectedBy: USER.email });
    // Replayed: refused.
    await refusedWith(completeConnect(scope, secrets, input(s1), opts), 'invalid_state');

    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    expect(row.accessTokenSealed).to.match(/^v1:/);
    expect(JSON.stringify(await getConnection(scope, 'xero'))).not.to.match(/at_|rt_|csecret/);
    const events = await scope.repo(EventLogEntry).findBy({ type: 'accounting_connected' });
    expect(events.map((e) => [e.source, e.target, e.initiatedBy])).to.deep.equal([['Xero', 'Acme Books Ltd', USER.email]]);
  });

  it('lets the user choose when the grant reaches several organisations', async () => {
    await oauth.close();
    oauth = await startOAuthServer([{ id: 'org-1', name: 'Acme UK' }, { id: 'org-2', name: 'Acme NZ' }]);
    await saveAppCredentials(scope, secrets, 'xero', { clientId: 'cid', clientSecret: 'csecret', ...endpoints() }, now);
    const started = await startConnect(scope, secrets, { vendor: 'xero', userId: USER.id, redirectUri: 'http://127.0.0.1/cb', now }, opts);
    const state = new URL(started.authorizationUrl).searchParams.get('state')!;
    const done = await completeConnect(scope, secrets, { vendor: 'xero', userId: USER.id, userEmail: USER.email, state, code: oauth.approve(), now }, opts);
    expect(done.outcome).to.equal('choose_organisation');
    expect(done.connection.organisationChoices).to.deep.equal([{ id: 'org-1', name: 'Acme UK' }, { id: 'org-2', name: 'Acme NZ' }]);
    try { await openAccountingSession(ds, secrets, tenantId, 'xero', now, opts); expect.fail('opened'); } catch (err) { expect((err as Error).message).to.match(/choose the Xero organisation/); }
    const chosen = await chooseOrganisation(scope, 'xero', 'org-2', USER.email, now);
    expect(chosen).to.include({ status: 'connected', organisationId: 'org-2', organisationName: 'Acme NZ', organisationChoices: null });
    const s = await openAccountingSession(ds, secrets, tenantId, 'xero', now, opts);
    expect(s.session.organisationId).to.equal('org-2');
  });

  it('says "connect Xero first" without a connection', async () => {
    try {
      await openAccountingSession(ds, secrets, tenantId, 'xero', now, opts);
      expect.fail('opened');
    } catch (err) {
      expect(err).to.include({ kind: 'conflict' });
      expect((err as Error).message).to.equal('connect Xero first');
    }
  });

  it('uses the access token while it has more than 5 minutes left, and refreshes it before (injected clock)', async () => {
    await connect();
    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    const first = await openAccountingSession(ds, secrets, tenantId, 'xero', now, opts);
    expect(oauth.stats.refreshes).to.equal(0);
    expect(first.connection).to.include({ organisationId: 'org-1', organisationName: 'Acme Books Ltd' });
    const later = new Date(row.accessExpiresAt!.getTime() - 4 * 60 * 1000);
    const second = await openAccountingSession(ds, secrets, tenantId, 'xero', later, opts);
    expect(oauth.stats.refreshes).to.equal(1);
    expect(second.session.accessToken).not.to.equal(first.session.accessToken);
    const after = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    expect(after.accessExpiresAt!.getTime()).to.be.greaterThan(row.accessExpiresAt!.getTime());
    expect(after.refreshingSince).to.equal(null);
  });

  it('refreshes once when two sessions open at the same time (the rotated refresh token would fail the second)', async () => {
    await connect();
    // The access token was issued 29 minutes ago: 1 minute left.
    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    await scope.repo(AccountingConnection).update({ id: row.id }, { accessExpiresAt: new Date(now.getTime() + 60 * 1000) });
    const later = now;
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => openAccountingSession(ds, secrets, tenantId, 'xero', later, { ...opts, pollMs: 10 })));
    expect(oauth.stats.refreshes).to.equal(1);
    expect(oauth.stats.refusedRefreshes).to.equal(0);
    expect(new Set([a!.session.accessToken, b!.session.accessToken, c!.session.accessToken]).size).to.equal(1);
    expect((await getConnection(scope, 'xero')).status).to.equal('connected');
  });

  it('refreshes once when two database connections (as two processes) open a session at the same time', async function () {
    // Its own database reached through two data sources, each with its own connections (as two processes have).
    const target = sharedTestTarget();
    const ds1 = await freshDatabase(target);
    const ds2 = (await openDatabase(target, false)).ds;
    try {
      const t = (await insertTenant(ds1, 'two-processes')).id;
      const s1 = new TenantScope(ds1.manager, t);
      await saveAppCredentials(s1, secrets, 'xero', { clientId: 'cid', clientSecret: 'csecret', ...endpoints() }, now);
      const started = await startConnect(s1, secrets, { vendor: 'xero', userId: USER.id, redirectUri: 'http://127.0.0.1/cb', now }, opts);
      const state = new URL(started.authorizationUrl).searchParams.get('state')!;
      await completeConnect(s1, secrets, { vendor: 'xero', userId: USER.id, userEmail: USER.email, state, code: oauth.approve(), now }, opts);
      await s1.repo(AccountingConnection).update({ vendor: 'xero' }, { accessExpiresAt: new Date(now.getTime() + 60 * 1000) });
      const sessions = await Promise.all([ds1, ds2, ds1, ds2].map((d) => openAccountingSession(d, secrets, t, 'xero', now, { ...opts, pollMs: 10 })));
      expect(oauth.stats.refreshes).to.equal(1);
      expect(oauth.stats.refusedRefreshes).to.equal(0);
      expect(new Set(sessions.map((x) => x.session.accessToken)).size).to.equal(1);
    } finally {
      await ds2.destroy();
      await ds1.destroy();
    }
  });

  it('takes over a refresh claimed more than a minute ago by a process that died', async () => {
    await connect();
    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    // A process claimed the refresh two minutes ago and never finished.
    await scope.repo(AccountingConnection).update({ id: row.id }, {
      accessExpiresAt: new Date(now.getTime() + 60 * 1000), tokenVersion: row.tokenVersion + 1, refreshingSince: new Date(now.getTime() - 2 * 60 * 1000),
    });
    const opened = await openAccountingSession(ds, secrets, tenantId, 'xero', now, { ...opts, waitMs: 1000 });
    expect(oauth.stats.refreshes).to.equal(1);
    const after = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    expect(after.refreshingSince).to.equal(null);
    expect(after.accessExpiresAt!.getTime()).to.be.greaterThan(now.getTime() + 10 * 60 * 1000);
    expect(opened.session.organisationId).to.equal('org-1');
    // A fresh claim (10 seconds old) is waited for, not taken over: without its end, the wait ends with a clear error.
    await scope.repo(AccountingConnection).update({ id: row.id }, {
      accessExpiresAt: new Date(now.getTime() + 60 * 1000), tokenVersion: after.tokenVersion + 1, refreshingSince: new Date(now.getTime() - 10 * 1000),
    });
    try {
      await openAccountingSession(ds, secrets, tenantId, 'xero', now, { ...opts, waitMs: 200, pollMs: 20 });
      expect.fail('opened');
    } catch (err) {
      expect(err).to.include({ kind: 'unavailable', code: 'refresh_in_progress' });
    }
    expect(oauth.stats.refreshes).to.equal(1);
  });

  it('marks the connection needs_reconnect when the grant was revoked at the vendor, and says to connect again', async () => {
    await connect();
    oauth.revokeAll();
    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    const later = new Date(row.accessExpiresAt!.getTime() - 60 * 1000);
    try {
      await openAccountingSession(ds, secrets, tenantId, 'xero', later, opts);
      expect.fail('opened');
    } catch (err) {
      expect(err).to.include({ kind: 'conflict', code: 'reconnect_required' });
      expect((err as Error).message).to.match(/connect Xero again/);
    }
    const view = await getConnection(scope, 'xero');
    expect(view.status).to.equal('needs_reconnect');
    expect(view.lastError).to.match(/invalid_grant/);
    expect((await scope.repo(EventLogEntry).findBy({ type: 'accounting_reconnect_needed' })).length).to.equal(1);
    try { await openAccountingSession(ds, secrets, tenantId, 'xero', later, opts); expect.fail('opened'); } catch (err) { expect((err as Error).message).to.match(/connect Xero again/); }
    // Connecting again mends it.
    await connect('xero', later);
    expect((await getConnection(scope, 'xero')).status).to.equal('connected');
  });

  it('disconnects: revokes the grant at the vendor and forgets the tokens; the app credentials stay', async () => {
    await connect();
    const out = await disconnect(scope, secrets, 'xero', USER.email, now, opts);
    expect(out.revoked).to.equal(true);
    expect(oauth.stats.revokes).to.equal(1);
    expect(out.connection).to.include({ status: 'not_connected', organisationId: null, configured: true, hasClientSecret: true });
    const row = (await scope.repo(AccountingConnection).findOneBy({ vendor: 'xero' }))!;
    expect([row.accessTokenSealed, row.refreshTokenSealed]).to.deep.equal([null, null]);
    expect((await scope.repo(EventLogEntry).findBy({ type: 'accounting_disconnected' })).length).to.equal(1);
    // Best effort: an unreachable vendor does not keep the tenant connected.
    await connect();
    await oauth.close();
    const again = await disconnect(scope, secrets, 'xero', USER.email, now, opts);
    expect(again.revoked).to.equal(false);
    expect(again.connection.status).to.equal('not_connected');
    oauth = await startOAuthServer([]);
  });
});
