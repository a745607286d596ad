import express from 'express';
import { expect } from 'chai';
import { createHttpApp } from '../../../src/http/app.js';
import { listen } from '../../../src/http/server.js';
import { jobsRouter } from '../../../src/http/jobs-dashboard.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from './support.js';

/**
 * Issue 21, finding 8: a strict Content-Security-Policy on every HTML page (no inline script or style), HSTS when the
 * public URL is https, and `Cache-Control: no-store` on every signed-in page and API answer (the new-token page too).
 */
describe('http: security headers (CSP, HSTS, no-store)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let cookie: string;
  let csrf: string;

  before(async () => {
    app = await startApp({}, { scheduler: true });
    A = await seedTenant(app.ds, 'headers-a');
    admin = await addUser(app, 'admin');
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    csrf = login.body.csrfToken as string;
  });
  after(async () => { await app?.close(); });

  /** The directives of a CSP header, by name. */
  function csp(header: string | null): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const part of (header ?? '').split(';')) {
      const [name, ...values] = part.trim().split(/\s+/);
      if (name) m.set(name, values);
    }
    return m;
  }

  const get = (path: string, headers: Record<string, string> = {}) => fetch(app.url + path, { headers: { cookie, ...headers }, redirect: 'manual' });

  const pages = () => [
    '/login', '/', '/integrations', `/t/${A.tenant.id}/integration`, `/t/${A.tenant.id}/customers`, `/t/${A.tenant.id}/subscriptions`,
    `/t/${A.tenant.id}/products`, `/t/${A.tenant.id}/recurring-invoices`, `/t/${A.tenant.id}/invoices`, `/t/${A.tenant.id}/invoices/${A.ids.invoiceId}`,
    `/t/${A.tenant.id}/usage`, `/t/${A.tenant.id}/licensing`, `/t/${A.tenant.id}/licences`, `/t/${A.tenant.id}/licences/events`,
    `/t/${A.tenant.id}/reconcile`, '/account/tokens', '/api/docs', '/t/00000000-0000-4000-8000-000000000000/customers',
  ];

  it('every HTML page carries a strict CSP and has no inline script, event handler or style attribute', async () => {
    const failures: string[] = [];
    for (const path of pages()) {
      const res = await fetch(app.url + path, { headers: path === '/login' ? {} : { cookie } }); // redirects followed
      const html = await res.text();
      if (!/text\/html/.test(res.headers.get('content-type') ?? '')) { failures.push(`${path}: ${res.status} not HTML`); continue; }
      const d = csp(res.headers.get('content-security-policy'));
      if (!d.size) { failures.push(`${path}: no CSP`); continue; }
      const scripts = d.get('script-src') ?? d.get('default-src') ?? [];
      const styles = d.get('style-src') ?? d.get('default-src') ?? [];
      if (!scripts.length || scripts.some((s) => s === "'unsafe-inline'" || s === "'unsafe-eval'" || s === '*' || /^https?:$/.test(s))) failures.push(`${path}: script-src ${scripts.join(' ')}`);
      if (styles.includes("'unsafe-inline'")) failures.push(`${path}: style-src allows inline styles`);
      for (const [name, value] of [['object-src', "'none'"], ['base-uri', "'none'"], ['frame-ancestors', "'self'"]] as const) {
        if (!(d.get(name) ?? []).includes(value)) failures.push(`${path}: ${name} is not ${value}`);
      }
      if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) failures.push(`${path}: inline <script>`);
      if (/<[a-z][^>]*\son[a-z]+\s*=/i.test(html)) failures.push(`${path}: inline event handler`);
      if (/<[a-z][^>]*\sstyle\s*=/i.test(html) || /<style[\s>]/i.test(html)) failures.push(`${path}: inline style`);
    }
    expect(failures, failures.join('\n')).to.have.length(0);
  });

  it('signed-in pages, the new-token page and API answers are never stored (Cache-Control: no-store); static files are cached', async () => {
    const failures: string[] = [];
    for (const path of pages()) {
      const res = await get(path);
      if (!/no-store/.test(res.headers.get('cache-control') ?? '')) failures.push(`${path}: Cache-Control ${res.headers.get('cache-control')}`);
    }
    for (const path of ['/api/v1/me', '/api/v1/tenants', `/api/v1/tenants/${A.tenant.id}/subscriptions`, '/api/v1/me/tokens']) {
      const r = await call(app, 'get', path, { token: admin.token });
      if (!/no-store/.test(r.headers.get('cache-control') ?? '')) failures.push(`${path}: Cache-Control ${r.headers.get('cache-control')}`);
    }
    const created = await fetch(`${app.url}/account/tokens`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: csrf, name: 'shown once' }),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await created.text()).to.match(/rct_/);
    if (!/no-store/.test(created.headers.get('cache-control') ?? '')) failures.push(`new token page: Cache-Control ${created.headers.get('cache-control')}`);
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
    if (!/no-store/.test(login.headers.get('cache-control') ?? '')) failures.push(`API login: Cache-Control ${login.headers.get('cache-control')}`);
    expect(failures, failures.join('\n')).to.have.length(0);
    const css = await fetch(`${app.url}/static/app.css`);
    expect(css.headers.get('cache-control')).to.match(/max-age=\d+/).and.not.match(/no-store/);
  });

  it('sends HSTS only when the public URL is https', async () => {
    expect((await get('/login')).headers.get('strict-transport-security')).to.equal(null);
    // The same database (a second startApp would start a fresh one, on MariaDB the same one).
    const rt = { ...app.rt, config: { ...app.rt.config, http: { ...app.rt.config.http, publicUrl: 'https://billing.example.com' } } };
    const secure = await listen(createHttpApp(rt), '127.0.0.1', 0);
    try {
      for (const path of ['/login', '/api/v1/me', '/static/app.css']) {
        const res = await fetch(secure.url + path);
        expect(res.headers.get('strict-transport-security'), path).to.match(/max-age=(\d+)/);
        expect(Number(/max-age=(\d+)/.exec(res.headers.get('strict-transport-security')!)![1])).to.be.at.least(15_552_000);
      }
    } finally {
      await secure.close();
    }
  });

  it('Agendash at /admin/jobs has its own explicit CSP (same-origin scripts, inline styles only) and no-store', async () => {
    const server = await listen(express().use(jobsRouter(app.rt, app.scheduler!), createHttpApp(app.rt, { scheduler: app.scheduler })), '127.0.0.1', 0);
    try {
      const res = await fetch(`${server.url}/admin/jobs/`, { headers: { cookie } });
      expect(res.status).to.equal(200);
      const d = csp(res.headers.get('content-security-policy'));
      expect(d.get('script-src')).to.deep.equal(["'self'"]);
      expect(d.get('style-src')).to.deep.equal(["'self'", "'unsafe-inline'"]);
      expect(d.get('object-src')).to.deep.equal(["'none'"]);
      expect(res.headers.get('cache-control')).to.match(/no-store/);
    } finally {
      await server.close();
    }
  });
});
