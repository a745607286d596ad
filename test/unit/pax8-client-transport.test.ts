import { expect } from 'chai';
import { inspect } from 'node:util';
import { Pax8Client, Pax8Error, type Pax8ClientConfig } from '../../src/pax8/client/index.js';

const SECRET = 'sUp3r-s3cr3t-value';
type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function fakeApi(api: Handler, tokenHandler?: Handler) {
  const calls: Array<{ url: URL; init: RequestInit }> = [];
  const tokens = { n: 0 };
  const token = tokenHandler ?? (() => json(200, { access_token: `tok-${++tokens.n}`, token_type: 'Bearer', expires_in: 86400 }));
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    calls.push({ url, init });
    return url.pathname === '/v1/token' ? token(url, init) : api(url, init);
  }) as typeof globalThis.fetch;
  return { fetch, calls, tokens };
}

function client(fetch: typeof globalThis.fetch, extra: Partial<Pax8ClientConfig> = {}): Pax8Client {
  return new Pax8Client({
    tenantId: 't-1', tenantName: 'Acme MSP', clientId: 'cid', clientSecret: SECRET,
    tokenUrl: 'http://pax8.test/v1/token', apiBaseUrl: 'http://pax8.test/v1',
    retryBaseMs: 1, retryMaxDelayMs: 5, maxRetries: 3, rateLimitPerMinute: null, timeoutMs: 2000,
    fetch, ...extra,
  });
}

const company = (i: number) => ({ id: `c-${i}`, name: `Company ${i}` });

describe('pax8 client transport (fake fetch)', () => {
  it('sends the client-credentials grant to the configured token URL and caches the token', async () => {
    const api = fakeApi((url) => json(200, company(1)));
    const c = client(api.fetch, { audience: 'api://p8p.client' });
    await c.company('c-1');
    await c.company('c-1');
    const tokenCalls = api.calls.filter((x) => x.url.pathname === '/v1/token');
    expect(tokenCalls).to.have.length(1);
    expect(JSON.parse(String(tokenCalls[0]!.init.body))).to.deep.equal({ client_id: 'cid', client_secret: SECRET, audience: 'api://p8p.client', grant_type: 'client_credentials' });
    const apiCalls = api.calls.filter((x) => x.url.pathname !== '/v1/token');
    expect(new Headers(apiCalls[1]!.init.headers).get('authorization')).to.equal('Bearer tok-1');
  });

  it('refreshes the token before it expires', async () => {
    let now = 1_000_000;
    const api = fakeApi(() => json(200, company(1)), () => json(200, { access_token: `tok-${++api.tokens.n}`, expires_in: 100 }));
    const c = client(api.fetch, { now: () => now });
    await c.company('c-1');
    now += 89_000; // lifetime 100 s, refresh 10 s before
    await c.company('c-1');
    now += 2_000;
    await c.company('c-1');
    const auth = api.calls.filter((x) => x.url.pathname !== '/v1/token').map((x) => new Headers(x.init.headers).get('authorization'));
    expect(auth).to.deep.equal(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('retries exactly once with a fresh token after a 401, then gives up as bad_credentials', async () => {
    let first = true;
    const api = fakeApi((url, init) => {
      const auth = new Headers(init.headers).get('authorization');
      if (auth === 'Bearer tok-1' && first) return json(401, { message: 'expired' });
      return json(200, company(1));
    });
    const c = client(api.fetch);
    expect((await c.company('c-1')).id).to.equal('c-1');
    expect(api.tokens.n).to.equal(2);

    first = false;
    const always401 = fakeApi(() => json(401, { message: 'nope' }));
    const err = await client(always401.fetch).company('c-1').catch((e) => e);
    expect(err).to.be.instanceOf(Pax8Error);
    expect(err.kind).to.equal('bad_credentials');
    expect(err.attempts).to.equal(2);
    expect(always401.tokens.n).to.equal(2);
  });

  it('retries 429/5xx and ends in a typed error naming tenant, endpoint and attempts', async () => {
    const api = fakeApi(() => json(503, { type: 'UNAVAILABLE', message: 'try later' }));
    const err = await client(api.fetch).subscription('s-9').catch((e) => e);
    expect(err).to.be.instanceOf(Pax8Error);
    expect(err).to.include({ kind: 'server_error', tenantId: 't-1', tenantName: 'Acme MSP', endpoint: 'GET /subscriptions/s-9', attempts: 4, status: 503 });
    expect(err.message).to.contain('Acme MSP').and.contain('GET /subscriptions/s-9').and.contain('4 attempts').and.contain('try later');
  });

  it('recovers from a 429 honouring Retry-After and from a reset connection', async () => {
    let n = 0;
    const api = fakeApi(() => {
      n++;
      if (n === 1) return json(429, {}, { 'retry-after': '0.05' });
      if (n === 2) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      return json(200, company(1));
    });
    const logs: Array<{ obj: any; msg: string }> = [];
    const c = client(api.fetch, { logger: { warn: (obj, msg) => logs.push({ obj, msg }) } });
    expect((await c.company('c-1')).id).to.equal('c-1');
    expect(logs.map((l) => l.obj.kind)).to.deep.equal(['rate_limited', 'network']);
    expect(logs[0]!.obj.delayMs).to.equal(50);
  });

  it('times out slow answers and retries them', async () => {
    let n = 0;
    const api = fakeApi((url, init) => {
      n++;
      if (n === 1) return new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
      return json(200, company(1));
    });
    const c = client(api.fetch, { timeoutMs: 30 });
    expect((await c.company('c-1')).id).to.equal('c-1');
    expect(n).to.equal(2);
    const never = fakeApi((url, init) => new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason))));
    const err = await client(never.fetch, { timeoutMs: 20, maxRetries: 1 }).company('c-1').catch((e) => e);
    expect(err).to.include({ kind: 'timeout', attempts: 2 });
  });

  it("surfaces Pax8's refusal of a subscription update with its reason text", async () => {
    const a = fakeApi(() => json(422, { errors: ['Quantity cannot be decreased during the commitment term'] }));
    const err = await client(a.fetch).updateSubscription('s-1', { quantity: 3 }).catch((e) => e);
    expect(err).to.include({ kind: 'rejected', status: 422, attempts: 1, endpoint: 'PUT /subscriptions/s-1' });
    expect(err.reasons).to.deep.equal(['Quantity cannot be decreased during the commitment term']);
    const b = fakeApi(() => json(400, { type: 'BAD_REQUEST', message: 'Invalid quantity', details: [{ message: 'must be >= 1' }] }));
    const err2 = await client(b.fetch).updateSubscription('s-1', { quantity: 0 }).catch((e) => e);
    expect(err2.reasons).to.deep.equal(['Invalid quantity', 'must be >= 1']);
  });

  it('streams pages with per-record errors carrying the raw payload', async () => {
    const api = fakeApi((url) => {
      const page = Number(url.searchParams.get('page'));
      const content = [company(page * 2), page === 1 ? { id: 7, name: null } : company(page * 2 + 1)];
      return json(200, { content, page: { size: 2, totalElements: 6, totalPages: 3, number: page } });
    });
    const items = [];
    for await (const item of client(api.fetch, { pageSize: 2 }).companies({ status: 'Active' })) items.push(item);
    expect(items.map((i) => i.record?.id ?? 'ERR')).to.deep.equal(['c-0', 'c-1', 'c-2', 'ERR', 'c-4', 'c-5']);
    expect(items[3]!.error!.raw).to.deep.equal({ id: 7, name: null });
    expect(items[3]!.error!.message).to.contain('id').and.contain('name');
    const pages = api.calls.filter((x) => x.url.pathname === '/v1/companies').map((x) => x.url.searchParams.get('page') + '/' + x.url.searchParams.get('status'));
    expect(pages).to.deep.equal(['0/Active', '1/Active', '2/Active']);
  });

  it('stops fetching when the consumer stops early', async () => {
    const api = fakeApi((url) => {
      const page = Number(url.searchParams.get('page'));
      return json(200, { content: [company(page)], page: { size: 1, totalElements: 100, totalPages: 100, number: page } });
    });
    for await (const item of client(api.fetch, { pageSize: 1, prefetchPages: 2 }).companies()) if (item.record?.id === 'c-1') break;
    await new Promise((r) => setTimeout(r, 20));
    expect(api.calls.filter((x) => x.url.pathname === '/v1/companies').length).to.be.at.most(4);
  });

  it('never shows the secret in JSON, toString, inspect, errors or logs', async () => {
    const logged: string[] = [];
    const log = (obj: object, msg: string) => logged.push(JSON.stringify(obj) + msg);
    const api = fakeApi(() => json(500, {}), () => json(401, { error: 'access_denied', error_description: 'Unauthorized' }));
    const c = client(api.fetch, { logger: { info: log, warn: log, error: log } });
    const err = await c.company('x').catch((e) => e);
    expect(err.kind).to.equal('bad_credentials');
    const surfaces = [JSON.stringify(c), String(c), inspect(c, { showHidden: true, depth: 10 }), err.message, err.stack, inspect(err, { depth: 10 }), JSON.stringify(err), ...logged];
    for (const s of surfaces) expect(s).to.not.contain(SECRET);
    expect(logged.length).to.be.greaterThan(0);
  });
});
