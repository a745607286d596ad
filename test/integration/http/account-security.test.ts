import { expect } from 'chai';
import path from 'node:path';
import { ApiToken } from '../../../src/db/entities/index.js';
import { UserService } from '../../../src/users/service.js';
import { runCli } from '../../support/cli.js';
import { sharedTestTarget, TEST_DATABASE_URL } from '../../support/database.js';
import { addUser, call, startApp, type TestApp } from './support.js';

/**
 * Issue 21, findings 2, 4, 5 and 9 (the account side of the trust boundary), over real HTTP:
 * lockout under parallel guessing, sessions and tokens ended by a password change or a disable,
 * the password rule, and API token expiry.
 */

function cookieOf(r: { headers: Headers }): string {
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** A form post to the web app's sign-in page (no cookie), from a given client address. */
async function webLogin(app: TestApp, email: string, password: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(app.url + '/login', {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, password, next: '/' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  await res.text();
  return res.status;
}

/** The environment for `recurra` commands on this run's database (SQLite: a data dir of its own). */
let env: Record<string, string> | undefined;
function cliEnv(): Record<string, string> {
  env ??= TEST_DATABASE_URL
    ? { DATABASE_URL: TEST_DATABASE_URL, RECURRA_SECRET_KEY: 'c'.repeat(64) }
    : { RECURRA_DATA_DIR: path.dirname(sharedTestTarget().sqlitePath) };
  return env;
}

function count(statuses: number[], s: number): number {
  return statuses.filter((x) => x === s).length;
}

describe('http: account security (lockout, sessions, passwords, token expiry)', function () {
  this.timeout(120_000);
  let app: TestApp;
  before(async () => {
    // Behind a trusted proxy, so a test can speak from many client addresses (X-Forwarded-For).
    app = await startApp({ http: { ...(await import('../../../src/config/index.js')).loadConfig({ RECURRA_ENV: 'test' }).http, trustProxy: true } });
  });
  after(async () => { await app?.close(); });

  describe('finding 2: the lockout holds under parallel guessing', () => {
    it('19 wrong passwords at once to the API: at most 6 are checked, the rest answer 429, and the right one is then refused', async () => {
      const u = await addUser(app, 'finance');
      const statuses = await Promise.all(Array.from({ length: 19 }, () =>
        call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: 'wrong password' } }).then((r) => r.status)));
      expect(count(statuses, 401)).to.be.at.most(6);
      expect(count(statuses, 429)).to.equal(19 - count(statuses, 401));
      const right = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
      expect(right.status).to.equal(429);
      expect(right.body.error.code).to.equal('locked');
    });

    it('the web sign-in form shares the lockout', async () => {
      const u = await addUser(app, 'reviewer');
      const statuses = await Promise.all(Array.from({ length: 19 }, () => webLogin(app, u.email, 'wrong password')));
      expect(count(statuses, 401)).to.be.at.most(6);
      expect(count(statuses, 429)).to.equal(19 - count(statuses, 401));
      expect(await webLogin(app, u.email, u.password)).to.equal(429);
    });

    it('guessing from many addresses at once locks the account too (10 failures across addresses)', async () => {
      const u = await addUser(app, 'admin');
      const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) =>
        call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: `wrong ${i}` }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })
          .then((r) => r.status)));
      expect(count(statuses, 401)).to.be.at.most(11);
      expect(count(statuses, 429)).to.equal(40 - count(statuses, 401));
      const fresh = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password }, headers: { 'x-forwarded-for': '203.0.113.77' } });
      expect(fresh.status).to.equal(429);
    });

    it('the lock grows: 30 s after the 6th attempt, then one attempt and 60 s (service clock)', async () => {
      const u = await addUser(app, 'finance');
      let now = new Date('2026-03-01T09:00:00Z');
      const svc = new UserService(app.ds, () => now);
      for (let i = 0; i < 6; i++) expect((await svc.login(u.email, 'wrong password', '192.0.2.9')).ok).to.equal(false);
      const locked = await svc.login(u.email, u.password, '192.0.2.9');
      expect(locked).to.deep.equal({ ok: false, reason: 'locked', retryAfterMs: 30_000 });
      now = new Date('2026-03-01T09:00:30Z');
      expect(await svc.login(u.email, 'wrong again', '192.0.2.9')).to.include({ ok: false, reason: 'invalid' });
      expect(await svc.login(u.email, u.password, '192.0.2.9')).to.deep.equal({ ok: false, reason: 'locked', retryAfterMs: 60_000 });
      now = new Date('2026-03-01T09:01:30Z');
      expect((await svc.login(u.email, u.password, '192.0.2.9')).ok).to.equal(true);
    });

    it('a right password within the free attempts signs in and clears the count', async () => {
      const u = await addUser(app, 'finance');
      for (let i = 0; i < 3; i++) expect((await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: 'nope nope' } })).status).to.equal(401);
      expect((await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } })).status).to.equal(200);
      for (let i = 0; i < 5; i++) expect((await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: 'nope nope' } })).status).to.equal(401);
    });
  });

  describe('finding 4: a password change or a disable ends sessions and revokes API tokens', () => {
    it('changing my password ends my other sessions and revokes my tokens, keeps this session, and says so', async () => {
      const u = await addUser(app, 'finance');
      const a = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
      const b = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
      const changed = await call(app, 'post', '/api/v1/me/password', {
        cookie: cookieOf(a), csrf: a.body.csrfToken, body: { currentPassword: u.password, newPassword: 'plum-Orbit-93-kettle' },
      });
      expect(changed.status).to.equal(200);
      expect(changed.body).to.deep.include({ ok: true, sessionsEnded: 1, tokensRevoked: 1 });
      expect((await call(app, 'get', '/api/v1/me', { cookie: cookieOf(a) })).status).to.equal(200);
      expect((await call(app, 'get', '/api/v1/me', { cookie: cookieOf(b) })).status).to.equal(401);
      expect((await call(app, 'get', '/api/v1/me', { token: u.token })).status).to.equal(401);
    });

    it('the web form says how many sessions ended and tokens were revoked', async () => {
      const u = await addUser(app, 'reviewer');
      await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
      const login = await fetch(app.url + '/login', {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: u.email, password: u.password, next: '/' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const cookie = cookieOf(login);
      const form = await (await fetch(app.url + '/account/password', { headers: { cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
      const post = await fetch(app.url + '/account/password', {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, currentPassword: u.password, newPassword: 'plum-Orbit-93-kettle', repeatPassword: 'plum-Orbit-93-kettle' }).toString(),
      });
      expect(post.status).to.equal(303);
      expect(decodeURIComponent(post.headers.get('location')!)).to.include('1 other session ended').and.include('1 API token revoked');
      expect((await call(app, 'get', '/api/v1/me', { token: u.token })).status).to.equal(401);
    });

    it('disabling a user ends their sessions and revokes their tokens for good (enabling again does not revive them)', async () => {
      const admin = await addUser(app, 'admin');
      const u = await addUser(app, 'finance');
      const s = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
      const off = await call(app, 'patch', `/api/v1/users/${u.id}`, { token: admin.token, body: { disabled: true } });
      expect(off.status).to.equal(200);
      expect(off.body).to.deep.include({ disabled: true, sessionsEnded: 1, tokensRevoked: 1 });
      expect((await call(app, 'patch', `/api/v1/users/${u.id}`, { token: admin.token, body: { disabled: false } })).status).to.equal(200);
      expect((await call(app, 'get', '/api/v1/me', { token: u.token })).status).to.equal(401);
      expect((await call(app, 'get', '/api/v1/me', { cookie: cookieOf(s) })).status).to.equal(401);
    });
  });

  describe('finding 5: the password rule', () => {
    const weak = ['aaaaaaaaaaaa', 'password12', 'password1234', 'Password1234!', 'qwertyuiop12', 'short-Pw1'];

    it('refuses short, common and guessable passwords for a new user, with a clear message', async () => {
      const admin = await addUser(app, 'admin');
      for (const password of weak) {
        const r = await call(app, 'post', '/api/v1/users', { token: admin.token, body: { email: `weak-${weak.indexOf(password)}@example.test`, role: 'finance', password } });
        expect(r.status, password).to.equal(400);
        expect(r.body.error.fields[0].path, password).to.equal('body.password');
        expect(r.body.error.fields[0].message, password).to.match(/at least 12 characters|common|guess/i);
      }
      const ok = await call(app, 'post', '/api/v1/users', { token: admin.token, body: { email: 'strong@example.test', role: 'finance', password: 'plum-Orbit-93-kettle' } });
      expect(ok.status).to.equal(201);
    });

    it('refuses a password that contains the e-mail address or its local part', async () => {
      const admin = await addUser(app, 'admin');
      for (const password of ['margaret.hamilton-7Qx!', 'Xq9!margaret.hamilton@example.test', 'MARGARET.HAMILTON#2026zz']) {
        const r = await call(app, 'post', '/api/v1/users', { token: admin.token, body: { email: 'margaret.hamilton@example.test', role: 'finance', password } });
        expect(r.status, password).to.equal(400);
        expect(r.body.error.fields[0].message, password).to.match(/e-mail/i);
      }
    });

    it('applies to a password change (API)', async () => {
      const u = await addUser(app, 'finance');
      const r = await call(app, 'post', '/api/v1/me/password', { token: u.token, body: { currentPassword: u.password, newPassword: 'password1234' } });
      expect(r.status).to.equal(400);
      expect(r.body.error.fields[0].path).to.equal('body.newPassword');
    });

    it('applies to `recurra users add`', async () => {
      const r = await runCli(['users', 'add', `cli-weak-${Date.now()}@example.test`, '--role', 'finance'], { ...cliEnv(), RECURRA_USER_PASSWORD: 'password1234' });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/password: .*(common|guess)/i);
    });
  });

  describe('finding 9: API tokens expire', () => {
    it('a new token expires in 90 days by default (shown when created and listed) or when asked', async () => {
      const u = await addUser(app, 'reviewer');
      const r = await call(app, 'post', '/api/v1/me/tokens', { token: u.token, body: { name: 'script' } });
      expect(r.status).to.equal(201);
      const days = (Date.parse(r.body.expiresAt) - Date.parse(r.body.createdAt)) / 86_400_000;
      expect(days).to.equal(90);
      const short = await call(app, 'post', '/api/v1/me/tokens', { token: u.token, body: { name: 'short', expiresInDays: 7 } });
      expect((Date.parse(short.body.expiresAt) - Date.parse(short.body.createdAt)) / 86_400_000).to.equal(7);
      const list = await call(app, 'get', '/api/v1/me/tokens', { token: u.token });
      expect(list.body.items.find((t: { id: string }) => t.id === r.body.id).expiresAt).to.equal(r.body.expiresAt);
    });

    it('an expired token answers 401', async () => {
      const u = await addUser(app, 'reviewer');
      const r = await call(app, 'post', '/api/v1/me/tokens', { token: u.token, body: { name: 'soon', expiresInDays: 1 } });
      expect((await call(app, 'get', '/api/v1/me', { token: r.body.token })).status).to.equal(200);
      await app.ds.manager.update(ApiToken, { id: r.body.id }, { expiresAt: new Date(Date.now() - 1000) } as never);
      expect((await call(app, 'get', '/api/v1/me', { token: r.body.token })).status).to.equal(401);
    });

    it('expiry follows the service clock (90 days by default)', async () => {
      const u = await addUser(app, 'finance');
      let now = new Date('2026-01-10T12:00:00Z');
      const svc = new UserService(app.ds, () => now);
      const { token } = await svc.createToken(u.id, 'clocked');
      now = new Date('2026-04-10T11:59:59Z');
      expect(await svc.authenticateToken(token)).to.not.equal(null);
      now = new Date('2026-04-10T12:00:00Z');
      expect(await svc.authenticateToken(token)).to.equal(null);
    });

    it('`recurra users token` tells when the token expires; `users tokens` lists it; `users revoke-token` revokes it', async function () {
      this.timeout(240_000);
      const env = cliEnv();
      const email = `cli-token-${Date.now()}@example.test`;
      expect((await runCli(['users', 'add', email, '--role', 'reviewer'], { ...env, RECURRA_USER_PASSWORD: 'saffron-Pylon-64-meadow' })).code).to.equal(0);
      const made = await runCli(['users', 'token', email, '--expires-in-days', '30'], env);
      expect(made.code, made.stderr).to.equal(0);
      expect(made.stdout.trim()).to.match(/^rct_\S+$/);
      const at = /expires (\S+) \(30 days\)/.exec(made.stderr)![1]!;
      expect(Date.parse(at) - Date.now()).to.be.within(29.9 * 86_400_000, 30 * 86_400_000);
      const listed = await runCli(['users', 'tokens', email], env);
      expect(listed.stdout).to.include(`expires ${at}`);
      const id = listed.stdout.split('\t')[0]!;
      const revoked = await runCli(['users', 'revoke-token', email, id], env);
      expect(revoked.stdout).to.equal(`revoked ${id}\n`);
      const svc = new UserService(app.ds);
      if (TEST_DATABASE_URL) expect(await svc.tokens((await svc.byEmail(email)).id)).to.deep.equal([]);
    });

    it('the web tokens page shows when a new token expires, and revokes it', async () => {
      const u = await addUser(app, 'finance');
      const login = await fetch(app.url + '/login', {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: u.email, password: u.password, next: '/' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const cookie = cookieOf(login);
      const page = await (await fetch(app.url + '/account/tokens', { headers: { cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
      const made = await fetch(app.url + '/account/tokens', {
        method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, name: 'web' }).toString(),
      });
      const html = await made.text();
      expect(html).to.match(/expires on <strong>\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC/i);
      expect(html).to.match(/Expires<\/th>/);
      const token = /id="new-token">([^<]+)</.exec(html)![1]!;
      const id = /<td>web<\/td>[\s\S]*?action="\/account\/tokens\/([0-9a-f-]{36})\/revoke"/.exec(html)![1]!;
      expect((await call(app, 'get', '/api/v1/me', { token })).status).to.equal(200);
      const revoked = await fetch(app.url + `/account/tokens/${id}/revoke`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }).toString(),
      });
      expect(revoked.status).to.equal(303);
      expect((await call(app, 'get', '/api/v1/me', { token })).status).to.equal(401);
    });
  });
});
