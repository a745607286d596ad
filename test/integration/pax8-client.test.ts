import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Pax8Client, Pax8Error, type Pax8ClientConfig, type Pax8Item } from '../../src/pax8/client/index.js';
import { startSandbox, type FaultKind, type RunningSandbox } from '../../src/pax8/sandbox/index.js';

interface Seen {
  path: string;
  status: number | 'error';
}

/** Real global fetch, recording what went over the wire. */
function recordingFetch(seen: Seen[]): typeof fetch {
  return async (input, init) => {
    const path = new URL(String(input)).pathname;
    try {
      const res = await globalThis.fetch(input, init);
      seen.push({ path, status: res.status });
      return res;
    } catch (err) {
      seen.push({ path, status: 'error' });
      throw err;
    }
  };
}

async function collect<T>(it: AsyncIterable<Pax8Item<T>>): Promise<Array<Pax8Item<T>>> {
  const out: Array<Pax8Item<T>> = [];
  for await (const item of it) out.push(item);
  return out;
}

async function listen(app: (req: any, res: any) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('pax8 client against the sandbox (HTTP)', function () {
  this.timeout(30_000);
  let sb: RunningSandbox;
  let seen: Seen[];

  const make = (extra: Partial<Pax8ClientConfig> = {}) =>
    new Pax8Client({
      tenantId: 'tenant-42', tenantName: 'Northwind MSP',
      clientId: sb.clientId, clientSecret: sb.clientSecret,
      tokenUrl: sb.tokenUrl, apiBaseUrl: sb.baseUrl, audience: sb.audience,
      rateLimitPerMinute: null, timeoutMs: 1000, maxRetries: 4, retryBaseMs: 5, retryMaxDelayMs: 40, rateLimitWaitMs: 200,
      fetch: recordingFetch(seen), ...extra,
    });

  before(async () => {
    sb = await startSandbox({ seed: 7, companies: 60, subscriptions: 1000, rateLimitPerMinute: null });
  });
  after(() => sb.close());
  beforeEach(() => {
    seen = [];
    sb.setFaults(null);
    sb.setRateLimit(null);
  });

  const tokenCalls = () => seen.filter((s) => s.path.endsWith('/token')).length;

  describe('tokens', () => {
    it('fetches one token and reuses it', async () => {
      const c = make();
      const [first] = await collect(c.companies());
      await c.company(first!.record!.id);
      await c.product(sb.data.products[0]!.id);
      expect(tokenCalls()).to.equal(1);
      expect(seen.every((s) => s.status === 200)).to.equal(true);
    });

    it('refreshes before expiry so no request meets an expired token', async () => {
      const short = await startSandbox({ seed: 1, companies: 3, tokenLifetimeSeconds: 2, rateLimitPerMinute: null });
      try {
        const c = new Pax8Client({
          tenantId: 't', tenantName: 'T', clientId: short.clientId, clientSecret: short.clientSecret,
          tokenUrl: short.tokenUrl, apiBaseUrl: short.baseUrl, rateLimitPerMinute: null, tokenRefreshSkewMs: 1000,
          fetch: recordingFetch(seen),
        });
        // Refresh is due 1 s into each 2 s token: a request never carries a token within 1 s of expiry.
        for (let i = 0; i < 5; i++) {
          await c.company(short.data.companies[0]!.id);
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(seen.filter((s) => s.status === 401)).to.deep.equal([]);
        expect(tokenCalls()).to.be.at.least(2);
      } finally {
        await short.close();
      }
    });

    it('after a 401 (tokens revoked) refreshes once and retries once', async () => {
      const c = make();
      const id = sb.data.companies[0]!.id;
      await c.company(id);
      sb.expireTokens();
      expect((await c.company(id)).id).to.equal(id);
      expect(seen.map((s) => `${s.path.endsWith('/token') ? 'token' : 'api'}:${s.status}`)).to.deep.equal([
        'token:200', 'api:200', 'api:401', 'token:200', 'api:200',
      ]);
    });
  });

  describe('paging', () => {
    it('pages through all subscriptions in order, with exact money and normalized dates', async () => {
      const c = make({ pageSize: 37, prefetchPages: 3 });
      const items = await collect(c.subscriptions());
      expect(items.filter((i) => i.error)).to.deep.equal([]);
      expect(items.map((i) => i.record!.id)).to.deep.equal(sb.data.subscriptions.map((s) => s.id));
      expect(seen.filter((s) => s.path.endsWith('/subscriptions')).length).to.equal(Math.ceil(1000 / 37));
      for (const [i, s] of sb.data.subscriptions.entries()) {
        const r = items[i]!.record!;
        expect(r.price!.toFixed(), s.id).to.equal(s.price.toFixed());
        expect(r.partnerCost!.toFixed(), s.id).to.equal(s.partnerCost.toFixed());
        // Pax8 (and the sandbox) send createdDate sometimes date-only: that stays a date.
        const created = new Date(s.createdMs).toISOString();
        expect(r.createdDate).to.equal(r.createdDate!.length === 10 ? created.slice(0, 10) : created);
        expect(r.startDate).to.equal(new Date(s.startMs).toISOString());
        expect(r.billingStart).to.equal(new Date(s.billingStartMs).toISOString().slice(0, 10));
        expect(r.commitment?.term).to.equal(s.commitment?.term);
      }
    });

    it('passes filters through', async () => {
      const companyId = sb.data.subscriptions[0]!.companyId;
      const items = await collect(make().subscriptions({ companyId, status: 'Active' }));
      const expected = sb.data.subscriptions.filter((s) => s.companyId === companyId && s.status === 'Active').map((s) => s.id);
      expect(items.map((i) => i.record!.id)).to.deep.equal(expected);
    });

    it('reads the unpaged lists (history, pricing)', async () => {
      const c = make();
      const history = await collect(c.subscriptionHistory(sb.data.subscriptions[0]!.id));
      expect(history.length).to.be.greaterThan(0);
      expect(history.every((h) => h.record?.id === sb.data.subscriptions[0]!.id)).to.equal(true);
      const pricing = await collect(c.productPricing(sb.data.products[0]!.id));
      expect(pricing.length).to.be.greaterThan(0);
      expect(pricing.every((p) => p.record)).to.equal(true);
    });
  });

  describe('rate limit', () => {
    it('recovers from injected 429s', async () => {
      sb.setFaults({ rate: 0.3, kinds: ['429'], seed: 3 });
      const items = await collect(make({ pageSize: 50 }).subscriptions());
      expect(items.length).to.equal(1000);
      expect(seen.filter((s) => s.status === 429).length).to.be.greaterThan(0);
    });

    it('an exhausted real limit ends in a rate_limited error naming tenant, endpoint and attempts', async () => {
      sb.setRateLimit(3);
      const c = make(); // waits 200 ms in all here; the default outlasts the window (65 s)
      const id = sb.data.companies[0]!.id;
      for (let i = 0; i < 3; i++) await c.company(id);
      const err = await c.company(id).catch((e) => e);
      expect(err).to.be.instanceOf(Pax8Error);
      expect(err).to.include({ kind: 'rate_limited', status: 429, tenantId: 'tenant-42', endpoint: `GET /companies/${id}` });
      expect(err.attempts).to.be.greaterThan(1);
      expect(err.message).to.contain('Northwind MSP');
    });

    it('honours Retry-After when the server sends it', async () => {
      const withHeader = await startSandbox({ seed: 2, companies: 2, rateLimitPerMinute: 1, rateLimitRetryAfter: true });
      try {
        const ac = new AbortController();
        const delays: number[] = [];
        const c = new Pax8Client({
          tenantId: 't', tenantName: 'T', clientId: withHeader.clientId, clientSecret: withHeader.clientSecret,
          tokenUrl: withHeader.tokenUrl, apiBaseUrl: withHeader.baseUrl, rateLimitPerMinute: null, retryBaseMs: 1, retryMaxDelayMs: 2,
          logger: { warn: (o: any) => { delays.push(o.delayMs); ac.abort(); } },
        });
        const id = withHeader.data.companies[0]!.id;
        await c.company(id);
        const err = await c.company(id, { signal: ac.signal }).catch((e) => e);
        expect(err.name).to.equal('AbortError');
        // Retry-After is whole seconds up to the end of the one-minute window, far above the 2 ms backoff cap.
        expect(delays).to.have.length(1);
        expect(delays[0]).to.be.within(1000, 60_000);
        expect(delays[0]! % 1000).to.equal(0);
      } finally {
        await withHeader.close();
      }
    });
  });

  describe('faults', () => {
    const expectedKind: Record<FaultKind, string> = {
      '429': 'rate_limited', '500': 'server_error', '503': 'server_error', slow: 'timeout',
      reset: 'network', truncated: 'invalid_response', malformed: 'invalid_response',
    };
    for (const kind of Object.keys(expectedKind) as FaultKind[]) {
      it(`recovers from occasional "${kind}" faults`, async () => {
        const faultsBefore = sb.stats().faultsInjected;
        sb.setFaults({ rate: 0.25, kinds: [kind], seed: 11, slowMs: 400 });
        const items = await collect(make({ pageSize: 50, timeoutMs: 150 }).subscriptions());
        expect(items.map((i) => i.record?.id)).to.deep.equal(sb.data.subscriptions.map((s) => s.id));
        expect(sb.stats().faultsInjected - faultsBefore).to.be.greaterThan(0);
        expect(seen.filter((s) => s.path.endsWith('/subscriptions')).length).to.be.greaterThan(20); // retries happened
      });

      it(`surfaces persistent "${kind}" faults as a typed ${expectedKind[kind]} error`, async () => {
        const c = make({ timeoutMs: 100, maxRetries: 2 });
        await c.company(sb.data.companies[0]!.id); // token first: the token endpoint is not faulted here
        sb.setFaults({ rate: 1, kinds: [kind], seed: 5, slowMs: 300 });
        const err = await collect(c.companies()).catch((e) => e);
        expect(err).to.be.instanceOf(Pax8Error);
        expect(err).to.include({ kind: expectedKind[kind], endpoint: 'GET /companies', tenantId: 'tenant-42', tenantName: 'Northwind MSP' });
        // 429s are retried for rateLimitWaitMs (200 ms here), not maxRetries times.
        if (kind === '429') expect(err.attempts).to.be.greaterThan(3);
        else expect(err.attempts).to.equal(3);
      });
    }

    it('retries faults on the token endpoint too', async () => {
      sb.setFaults({ rate: 0.5, kinds: ['500', 'reset'], seed: 9, includeToken: true });
      const c = make({ maxRetries: 8 });
      expect((await c.company(sb.data.companies[0]!.id)).id).to.equal(sb.data.companies[0]!.id);
    });
  });

  describe('records', () => {
    it('turns a malformed record into a per-record error with its raw payload; the page goes on', async () => {
      // The sandbox's "malformed" fault breaks the JSON of a whole body; bad records need a stub.
      const good = (i: number) => ({ id: `c${i}`, name: `C${i}`, status: 'Active' });
      const bad = { id: 'c-bad', name: 17, status: 'Active', updatedDate: '31/12/2020' };
      const stub = await listen((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url.startsWith('/v1/token')) return res.end(JSON.stringify({ access_token: 'x', expires_in: 3600 }));
        const page = Number(new URL(req.url, 'http://x').searchParams.get('page'));
        const content = page === 0 ? [good(0), bad, good(1)] : [good(2), { ...good(3), status: 'SomethingNew' }];
        res.end(JSON.stringify({ content, page: { size: 3, totalElements: 5, totalPages: 2, number: page } }));
      });
      try {
        const c = new Pax8Client({ tenantId: 't', tenantName: 'T', clientId: 'a', clientSecret: 'b', tokenUrl: `${stub.url}/v1/token`, apiBaseUrl: `${stub.url}/v1`, rateLimitPerMinute: null });
        const items = await collect(c.companies());
        expect(items.map((i) => i.record?.id ?? 'ERROR')).to.deep.equal(['c0', 'ERROR', 'c1', 'c2', 'c3']);
        expect(items[1]!.error!.raw).to.deep.equal(bad);
        expect(items[1]!.error!.message).to.match(/name/).and.match(/updatedDate/);
        expect(items[4]!.record!.status).to.equal('SomethingNew');
      } finally {
        stub.server.close();
      }
    });

    it('reads a product\'s commitment terms (GET /products/{id}/dependencies)', async () => {
      const p = sb.data.products.find((x) => x.requiresCommitment)!;
      const d = await make().productDependencies(p.id);
      expect(d.commitmentDependencies!.map((c) => [c.id, c.term, c.allowForQuantityDecrease, c.renewalWindowDaysAfterTermEnd]))
        .to.deep.equal(p.commitments.map((c) => [c.id, c.term, false, 7]));
      const err = await make().productDependencies('nope').catch((e) => e);
      expect(err).to.include({ kind: 'not_found' });
    });

    it("surfaces Pax8's refusal of a quantity decrease during a commitment", async () => {
      // A subscription whose commitment record refuses a decrease now (the sandbox plays Pax8's per-vendor rules).
      const s = sb.data.subscriptions.find((x) => x.status === 'Active' && x.quantity > 1 && Number.isInteger(x.quantity) && sb.data.inCommitment(x));
      expect(s, 'a committed subscription').to.not.equal(undefined);
      const before = s!.quantity;
      const err = await make().updateSubscription(s!.id, { quantity: before - 1 }).catch((e) => e);
      expect(err).to.be.instanceOf(Pax8Error);
      expect(err).to.include({ kind: 'rejected', status: 422, attempts: 1 });
      expect(err.reasons.length).to.be.greaterThan(0);
      expect(err.message).to.contain(err.reasons[0]);
      const up = await make().updateSubscription(s!.id, { quantity: before + 1 });
      expect(up.quantity.toNumber()).to.equal(before + 1);
    });
  });

  describe('testConnection', () => {
    it('reports ok with good credentials', async () => {
      expect(await make().testConnection()).to.deep.equal({ ok: true });
    });

    it('reports bad_credentials for a wrong secret', async () => {
      const r = await make({ clientSecret: 'wrong' }).testConnection();
      expect(r).to.include({ ok: false, reason: 'bad_credentials' });
      // The status, never the endpoint's own text (issue 21: the answer of an admin-chosen URL is not relayed).
      expect((r as { message: string }).message).to.match(/HTTP 4\d\d/).and.not.contain('Unauthorized');
    });

    it('reports unreachable for a closed port', async () => {
      const s = await listen(() => undefined);
      const url = s.url;
      await new Promise((r) => s.server.close(r));
      const r = await make({ tokenUrl: `${url}/v1/token`, apiBaseUrl: `${url}/v1` }).testConnection();
      expect(r).to.include({ ok: false, reason: 'unreachable' });
    });

    it('reports timeout when the token endpoint does not answer in time', async () => {
      sb.setFaults({ rate: 1, kinds: ['slow'], slowMs: 500, includeToken: true });
      const r = await make({ timeoutMs: 100 }).testConnection();
      expect(r).to.include({ ok: false, reason: 'timeout' });
    });

    it('reports forbidden when the first page answers 403', async () => {
      // The sandbox cannot answer 403 to the token or the first companies page; a stub does.
      const app = express();
      app.post('/v1/token', (_req, res) => res.json({ access_token: 't', token_type: 'Bearer', expires_in: 86400 }));
      app.get('/v1/companies', (req, res) => res.status(403).json({ type: 'FORBIDDEN', message: 'Access denied', instance: '/companies', status: 403, details: [] }));
      const s = await listen(app);
      try {
        const r = await make({ tokenUrl: `${s.url}/v1/token`, apiBaseUrl: `${s.url}/v1` }).testConnection();
        expect(r).to.include({ ok: false, reason: 'forbidden' });
        expect((r as { message: string }).message).to.contain('HTTP 403').and.not.contain('Access denied');
      } finally {
        s.server.close();
      }
    });

    it('reports unexpected_response when the API answers something else', async () => {
      const app = express();
      app.post('/v1/token', (_req, res) => res.json({ access_token: 't', expires_in: 86400 }));
      app.get('/v1/companies', (_req, res) => res.type('html').send('<html>maintenance</html>'));
      const s = await listen(app);
      try {
        const r = await make({ tokenUrl: `${s.url}/v1/token`, apiBaseUrl: `${s.url}/v1` }).testConnection();
        expect(r).to.include({ ok: false, reason: 'unexpected_response' });
      } finally {
        s.server.close();
      }
    });
  });
});
