import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { expect } from 'chai';
import { allRoutes, type RouteDef } from '../../../src/http/api/route.js';
import '../../../src/http/api/index.js';
import { WebhookEndpoint } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, type Reply, type TestApp, type TestUser } from './support.js';

/**
 * Hostile input (issue 21, finding 7): every request the server can receive answers a 4xx in the API's error shape
 * (or an HTML error page on web routes), never a 500 — odd headers, oversize forms and bodies, prototype-named
 * parameters, deeply nested JSON. Walks the registry, so a new route is covered without editing this file.
 */
describe('http: hostile input answers 4xx, never 500', function () {
  this.timeout(300_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let cookie: string;
  let csrf: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'hostile-a');
    admin = await addUser(app, 'admin');
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    csrf = login.body.csrfToken as string;
  });
  after(async () => { await app?.close(); });

  const fill = (def: RouteDef, override: Record<string, string> = {}) =>
    '/api/v1' + def.path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => encodeURIComponent(override[n] ?? A.ids[n] ?? A.ids.tenantId!));

  function errorShaped(what: string, r: Reply, failures: string[], statuses?: number[]): void {
    const ok = r.status >= 400 && r.status < 500 && (!statuses || statuses.includes(r.status));
    const shaped = typeof r.body?.error?.code === 'string' && typeof r.body?.error?.message === 'string' && typeof r.body?.error?.requestId === 'string';
    if (!ok || !shaped) failures.push(`${what}: ${r.status} ${r.text.slice(0, 160)}`);
  }

  function htmlError(what: string, r: Reply, failures: string[], status: number): void {
    if (r.status !== status || !/text\/html/.test(r.headers.get('content-type') ?? '')) failures.push(`${what}: ${r.status} ${r.headers.get('content-type')} ${r.text.slice(0, 160)}`);
  }

  /** A deeply nested JSON array as text (JSON.stringify would itself overflow the stack). */
  const deep = (n: number, inner = '1') => '['.repeat(n) + inner + ']'.repeat(n);

  async function raw(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Reply> {
    const res = await fetch(app.url + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  /** Sends bytes as they are (fetch and http refuse odd header bytes), answers the status line and the body. */
  function rawBytes(request: Buffer): Promise<{ status: number; head: string; body: string }> {
    const u = new URL(app.url);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      // write, not end: a half-closed socket makes the server drop a delayed answer (Connection: close ends it)
      const s = connect(Number(u.port), u.hostname, () => s.write(request));
      s.on('data', (c) => chunks.push(c));
      s.on('error', reject);
      s.on('close', () => {
        const all = Buffer.concat(chunks).toString('latin1');
        const [head = '', body = ''] = all.split('\r\n\r\n', 2);
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
      });
    });
  }

  // --- the reported inputs ------------------------------------------------------------------------

  it('POST /login with Origin: null (or any unparsable origin) is refused with 403, not 500', async () => {
    for (const origin of ['null', '://', 'http://[::1']) {
      const r = await raw('POST', '/login', { origin, 'content-type': 'application/x-www-form-urlencoded' }, 'email=a%40b.c&password=x');
      expect(r.status, `Origin: ${origin}`).to.equal(403);
      expect(r.headers.get('content-type')).to.match(/text\/html/);
    }
  });

  it('a web form over 200 kB answers 413 (signed in or not, e.g. POST /account/tokens)', async () => {
    const big = `name=${'x'.repeat(210_000)}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const failures: string[] = [];
    htmlError('anonymous POST /account/tokens', await raw('POST', '/account/tokens', form, big), failures, 413);
    htmlError('anonymous POST /login', await raw('POST', '/login', form, big), failures, 413);
    htmlError('signed-in POST /account/tokens', await raw('POST', '/account/tokens', { ...form, cookie }, `_csrf=${csrf}&${big}`), failures, 413);
    htmlError('signed-in POST licences form', await raw('POST', `/t/${A.tenant.id}/licences/purchase/preview`, { ...form, cookie }, `_csrf=${csrf}&${big}`), failures, 413);
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('event log columns named after Object.prototype members answer 400', async () => {
    const failures: string[] = [];
    for (const col of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      errorShaped(`events?columns=${col}`, await call(app, 'get', `/api/v1/tenants/${A.tenant.id}/events?columns=${col}`, { token: admin.token }), failures, [400]);
      errorShaped(`events/export?columns=${col}`, await call(app, 'get', `/api/v1/tenants/${A.tenant.id}/events/export?columns=${col}`, { token: admin.token }), failures, [400]);
    }
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('a webhook with the right secrets and a 30k-deep payloadData answers 400 before anything recurses over it', async () => {
    // The tenant's endpoint, as registration stores it (src/webhooks/service.ts): a URL token and a sealed Authorization value.
    const token = 'hostile-endpoint-token';
    const authorization = 'Recurra hostile-secret';
    const now = new Date();
    await app.ds.manager.insert(WebhookEndpoint, {
      id: randomUUID(), tenantId: A.tenant.id, token, authorizationSealed: app.rt.secrets.encrypt(authorization, `tenant:${A.tenant.id}:webhookAuthorization`),
      pax8WebhookId: null, pax8AccountId: null, topics: 'SUBSCRIPTION', active: true, createdAt: now, updatedAt: now,
    });
    const path = `/api/v1/webhooks/pax8/${A.tenant.id}?token=${token}`;
    const accountId = randomUUID();
    const envelope = (id: string, payloadData: string) => `{"accountId":"${accountId}","url":"https://recurra.example${path}","webhookId":"${id}",`
      + `"sentAt":"2026-11-15T12:00:00Z","webhookTopic":{"id":"${randomUUID()}","topic":"SUBSCRIPTION_UPDATED","filters":[]},"payloadData":${payloadData}}`;
    const shallow = await raw('POST', path, { 'content-type': 'application/json', authorization }, envelope('w1', '{"a":[1]}'));
    expect(shallow.status, shallow.text).to.equal(202); // the right secrets
    const body = envelope('w2', '{"a":'.repeat(30_000) + '1' + '}'.repeat(30_000));
    const r = await raw('POST', path, { 'content-type': 'application/json', authorization }, body);
    const failures: string[] = [];
    errorShaped('deep webhook', r, failures, [400]);
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
    expect(r.body.error.code).to.equal('too_deep');
  });

  // --- the same classes over every route ----------------------------------------------------------

  it('every GET route with a query answers prototype-named query values and keys with a 4xx in the error shape', async () => {
    const failures: string[] = [];
    // Routes that declare no query ignore it (200); every route that reads one must refuse these.
    const gets = allRoutes().filter((d) => d.method === 'get');
    expect(gets.filter((d) => d.query).length).to.be.greaterThan(20);
    for (const def of gets) {
      for (const q of ['sort=__proto__,asc', 'sort=constructor', 'columns=constructor', '__proto__=1', 'constructor=toString', 'page=__proto__']) {
        const r = await call(app, 'get', `${fill(def)}?${q}`, { token: admin.token });
        if (def.query) errorShaped(`${def.id}?${q}`, r, failures);
        else if (r.status >= 500) failures.push(`${def.id}?${q}: ${r.status} ${r.text.slice(0, 160)}`);
      }
    }
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('every route answers prototype-named path parameters with a 4xx in the error shape', async () => {
    const failures: string[] = [];
    for (const def of allRoutes().filter((d) => /:\w+/.test(d.path))) {
      for (const name of ['__proto__', 'constructor', 'toString']) {
        const names = [...def.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
        for (const param of names) {
          const r = await call(app, def.method, fill(def, { [param]: name }), { token: admin.token, body: def.body ? (def.example ?? {}) : undefined });
          errorShaped(`${def.method.toUpperCase()} ${def.id} :${param}=${name}`, r, failures);
        }
      }
    }
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('every route with a body answers a 10k-deep JSON with 400 and a 1 MB+ body with 413, signed in or not', async () => {
    const failures: string[] = [];
    const big = JSON.stringify({ name: 'x'.repeat(1_100_000) });
    for (const def of allRoutes().filter((d) => d.method !== 'get')) {
      for (const token of [admin.token, undefined]) {
        const who = token ? 'admin' : 'anonymous';
        const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
        // Never a real object for deletes: a body the route ignores must not run it.
        const target = def.method === 'delete' ? fill(def, Object.fromEntries(Object.keys(A.ids).map((k) => [k, '00000000-0000-4000-8000-00000000dead']))) : fill(def);
        const d = await raw(def.method.toUpperCase(), target, headers, deep(10_000));
        errorShaped(`${def.id} deep as ${who}`, d, failures, [400]);
        const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
        errorShaped(`${def.id} deep object as ${who}`, await raw(def.method.toUpperCase(), target, headers, deepObject), failures, [400]);
        errorShaped(`${def.id} 1 MB+ as ${who}`, await raw(def.method.toUpperCase(), target, headers, big), failures, [413]);
      }
    }
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('a JSON body with a prototype-named key, an odd charset or a lying length answers a 4xx', async () => {
    const failures: string[] = [];
    const route = `/api/v1/tenants/${A.tenant.id}/customers`;
    const auth = { authorization: `Bearer ${admin.token}` };
    errorShaped('__proto__ key', await raw('POST', route, { ...auth, 'content-type': 'application/json' }, '{"__proto__":{"admin":true},"name":"x"}'), failures);
    errorShaped('constructor key', await raw('POST', route, { ...auth, 'content-type': 'application/json' }, '{"constructor":{"prototype":{}},"name":"x"}'), failures);
    errorShaped('koi8-r charset', await raw('POST', route, { ...auth, 'content-type': 'application/json; charset=koi8-r' }, '{"name":"x"}'), failures, [415]);
    errorShaped('unknown charset', await raw('POST', route, { ...auth, 'content-type': 'application/json; charset=utf-99' }, '{"name":"x"}'), failures, [415]);
    errorShaped('gzip garbage', await raw('POST', route, { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip'), failures);
    errorShaped('unknown encoding', await raw('POST', route, { ...auth, 'content-type': 'application/json', 'content-encoding': 'br2' }, '{}'), failures, [415]);
    errorShaped('invalid json', await raw('POST', route, { ...auth, 'content-type': 'application/json' }, '{"name":'), failures, [400]);
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('odd header bytes (Origin, Referer, Authorization, Cookie, Host) never give a 500', async () => {
    const u = new URL(app.url);
    const failures: string[] = [];
    const odd = Buffer.from([0xff, 0xfe, 0x80, 0x3a, 0x2f, 0x2f, 0x7f]).toString('latin1');
    const headers = [
      `Origin: ${odd}`, 'Origin: null', `Referer: ${odd}`, 'Referer: null', `Authorization: Bearer ${odd}`, `Authorization: ${odd}`,
      `Cookie: recurra_session=${odd}; recurra_tenant=%E0%A4%A`, 'Cookie: recurra_session=%', `X-CSRF-Token: ${odd}`, `Accept: ${odd}`,
      `X-Forwarded-For: ${odd}`, `X-Forwarded-Proto: ${odd}`,
    ];
    const targets = [
      ['GET', '/api/v1/tenants'], ['POST', `/api/v1/tenants/${A.tenant.id}/customers`], ['POST', '/login'], ['POST', '/account/tokens'],
      ['GET', '/integrations'], ['POST', `/t/${A.tenant.id}/customers`], ['POST', `/t/${A.tenant.id}/mappings`], ['GET', '/api/v1/me'],
    ];
    for (const [method, path] of targets) {
      for (const h of headers) {
        // Signed in (unless the odd header is the cookie): a refused form goes back to its Referer.
        const body = method === 'POST' ? (path!.startsWith('/api') ? '{"name":"x"}' : `_csrf=${csrf}&name=x&pax8CompanyId=none`) : '';
        const session = h.startsWith('Cookie') ? '' : `Cookie: ${cookie}\r\n`;
        const type = path!.startsWith('/api') ? 'application/json' : 'application/x-www-form-urlencoded';
        const req = Buffer.from(
          `${method} ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n${session}${h}\r\n` +
          (method === 'POST' ? `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n` : '') + `\r\n${body}`, 'latin1',
        );
        const r = await rawBytes(req);
        if (!(r.status >= 200 && r.status < 500)) failures.push(`${method} ${path} with ${JSON.stringify(h)}: ${r.status} ${r.body.slice(0, 120)}`);
      }
    }
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });

  it('web pages answer prototype-named query values with an HTML error page, never 500', async () => {
    const failures: string[] = [];
    for (const path of [`/t/${A.tenant.id}/subscriptions?sort=__proto__,asc`, `/t/${A.tenant.id}/products?sort=constructor`,
      `/t/${A.tenant.id}/customers?mapped=__proto__`, `/t/${A.tenant.id}/invoices?status=constructor`, `/t/${A.tenant.id}/licences/events?columns=constructor`,
      `/t/${A.tenant.id}/licences/events?sort=__proto__`, `/t/__proto__/subscriptions`, `/t/${A.tenant.id}/invoices/constructor`]) {
      const r = await raw('GET', path, { cookie });
      if (!(r.status >= 400 && r.status < 500) || !/text\/html/.test(r.headers.get('content-type') ?? '')) failures.push(`${path}: ${r.status} ${r.text.slice(0, 120)}`);
    }
    expect(failures, failures.slice(0, 40).join('\n')).to.have.length(0);
  });
});
