import { expect } from 'chai';
import { ApiToken, AuditEvent, Session, User } from '../../../src/db/entities/index.js';
import { sha256 } from '../../../src/users/service.js';
import { addUser, call, startApp, type TestApp } from './support.js';

function cookieOf(r: { headers: Headers }): string {
  const set = r.headers.get('set-cookie') ?? '';
  return set.split(';')[0]!;
}

describe('http: authentication, sessions, CSRF and tokens', function () {
  this.timeout(60_000);
  let app: TestApp;
  before(async () => { app = await startApp(); });
  after(async () => { await app?.close(); });

  it('signs in with a session cookie (HttpOnly, SameSite=Lax) and stores only hashes', async () => {
    const u = await addUser(app, 'finance');
    const r = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email.toUpperCase(), password: u.password } });
    expect(r.status).to.equal(200);
    const set = r.headers.get('set-cookie')!;
    expect(set).to.match(/recurra_session=/).and.match(/HttpOnly/i).and.match(/SameSite=Lax/i);
    expect(set).to.not.match(/Secure/i);
    const token = cookieOf(r).split('=')[1]!;
    const stored = await app.ds.manager.findBy(Session, { userId: u.id });
    expect(stored).to.have.length(1);
    expect(stored[0]!.tokenHash).to.equal(sha256(token));
    const me = await call(app, 'get', '/api/v1/me', { cookie: cookieOf(r) });
    expect(me.body.user.email).to.equal(u.email);
    const row = await app.ds.manager.findOneByOrFail(User, { id: u.id });
    expect(row.passwordHash).to.match(/^\$argon2id\$/);
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const secureApp = await startApp({ http: { ...app.rt.config.http, publicUrl: 'https://billing.example.com' } });
    try {
      const u = await addUser(secureApp, 'reviewer');
      const r = await call(secureApp, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
      expect(r.headers.get('set-cookie')).to.match(/;\s*Secure/i);
    } finally {
      await secureApp.close();
    }
  });

  it('requires the CSRF token on state-changing cookie requests, not on bearer requests', async () => {
    const u = await addUser(app, 'admin');
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
    const cookie = cookieOf(login);
    const csrf = login.body.csrfToken as string;
    const body = { name: 'from-browser', clientId: 'c', clientSecret: 's' };
    const without = await call(app, 'post', '/api/v1/tenants', { cookie, body });
    expect(without.status).to.equal(403);
    expect(without.body.error.code).to.equal('csrf');
    const wrong = await call(app, 'post', '/api/v1/tenants', { cookie, csrf: csrf.slice(1) + 'x', body });
    expect(wrong.status).to.equal(403);
    const right = await call(app, 'post', '/api/v1/tenants', { cookie, csrf, body });
    expect(right.status).to.equal(201);
    const bearer = await call(app, 'post', '/api/v1/tenants', { token: u.token, body: { ...body, name: 'from-script' } });
    expect(bearer.status).to.equal(201);
    const audit = await app.ds.manager.findBy(AuditEvent, { userId: u.id, action: 'api.createTenant' });
    expect(audit.map((a) => JSON.parse(a.detail!).via).sort()).to.deep.equal(['session', 'token']);
    expect(audit.map((a) => a.detail).join()).to.not.include('"s"');
    const out = await call(app, 'post', '/api/v1/auth/logout', { cookie, csrf });
    expect(out.status).to.equal(200);
    expect((await call(app, 'get', '/api/v1/me', { cookie })).status).to.equal(401);
  });

  it('shows an API token once, stores its SHA-256, and stops accepting it when revoked', async () => {
    const u = await addUser(app, 'reviewer');
    const r = await call(app, 'post', '/api/v1/me/tokens', { token: u.token, body: { name: 'script' } });
    expect(r.status).to.equal(201);
    const tok = r.body.token as string;
    expect(tok).to.match(/^rct_/);
    const row = await app.ds.manager.findOneByOrFail(ApiToken, { id: r.body.id });
    expect(row.tokenHash).to.equal(sha256(tok));
    const list = await call(app, 'get', '/api/v1/me/tokens', { token: tok });
    expect(list.status).to.equal(200);
    expect(list.text).to.not.include(tok);
    expect((await call(app, 'delete', `/api/v1/me/tokens/${r.body.id}`, { token: u.token })).status).to.equal(200);
    expect((await call(app, 'get', '/api/v1/me', { token: tok })).status).to.equal(401);
    expect((await call(app, 'get', '/api/v1/me', { token: 'rct_made-up' })).status).to.equal(401);
  });

  it('locks an account+address out after repeated failures, even for the right password', async () => {
    const u = await addUser(app, 'finance');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: 'wrong password' } })).status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 401]);
    const locked = await call(app, 'post', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
    expect(locked.status).to.equal(429);
    expect(locked.body.error.code).to.equal('locked');
    expect(Number(locked.headers.get('retry-after'))).to.be.greaterThan(0);
  });

  it('makes a user with a one-time password change it before anything else', async () => {
    const admin = await addUser(app, 'admin');
    const created = await call(app, 'post', '/api/v1/users', { token: admin.token, body: { email: 'otp@example.test', role: 'reviewer' } });
    expect(created.status).to.equal(201);
    const otp = created.body.oneTimePassword as string;
    expect(otp).to.have.length.greaterThan(15);
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: 'otp@example.test', password: otp } });
    expect(login.body.user.mustChangePassword).to.equal(true);
    const cookie = cookieOf(login);
    const csrf = login.body.csrfToken as string;
    const blocked = await call(app, 'get', '/api/v1/tenants', { cookie });
    expect(blocked.status).to.equal(403);
    expect(blocked.body.error.code).to.equal('password_change_required');
    const short = await call(app, 'post', '/api/v1/me/password', { cookie, csrf, body: { currentPassword: otp, newPassword: 'short' } });
    expect(short.status).to.equal(400);
    expect(short.body.error.fields[0].path).to.equal('body.newPassword');
    const changed = await call(app, 'post', '/api/v1/me/password', { cookie, csrf, body: { currentPassword: otp, newPassword: 'a much longer passphrase' } });
    expect(changed.status).to.equal(200);
    expect((await call(app, 'get', '/api/v1/tenants', { cookie })).status).to.equal(200);
  });
});
