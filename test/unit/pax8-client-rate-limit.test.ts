import { expect } from 'chai';
import { Pax8Client, Pax8Error, type Pax8ClientConfig } from '../../src/pax8/client/index.js';

/** Issue 22 point 5: a 429 honours Retry-After, and otherwise the client waits out Pax8's one-minute window. */
const T0 = Date.parse('2026-11-16T09:00:00Z');

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A fake Pax8 on a fake clock: `api(now)` answers each API request; `sleep` advances the clock and records the wait. */
function harness(api: (now: number) => Response, extra: Partial<Pax8ClientConfig> = {}) {
  let now = T0;
  const waits: number[] = [];
  const calls: number[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    if (url.pathname === '/v1/token') return json(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 86400 });
    calls.push(now);
    return api(now);
  }) as typeof globalThis.fetch;
  const client = new Pax8Client({
    tenantId: 't-1', tenantName: 'Acme MSP', clientId: 'cid', clientSecret: 'secret',
    tokenUrl: 'http://pax8.test/v1/token', apiBaseUrl: 'http://pax8.test/v1', rateLimitPerMinute: null,
    fetch, now: () => now, random: () => 0.5,
    sleep: async (ms) => { waits.push(ms); now += ms; },
    ...extra,
  });
  return { client, waits, calls, waited: () => waits.reduce((a, b) => a + b, 0) };
}

const company = { id: 'c-1', name: 'Company 1' };
const limited = (headers: Record<string, string> = {}) => json(429, { type: 'TOO_MANY_REQUESTS', message: 'Rate limit exceeded', status: 429, details: [] }, headers);

describe('pax8 client on a 429 (fake clock)', () => {
  it('without Retry-After, keeps trying until the one-minute window has passed (default settings)', async () => {
    // The partner's window is spent: every request is refused for the next 58 s.
    const h = harness((now) => (now < T0 + 58_000 ? limited() : json(200, company)));
    expect((await h.client.company('c-1')).id).to.equal('c-1');
    expect(h.waited()).to.be.within(58_000, 65_000);
    // Backoff grows: the first waits are short, so a brief burst costs little.
    expect(h.waits[0]).to.be.below(1000);
    for (let i = 1; i < h.waits.length - 1; i++) expect(h.waits[i]).to.be.at.least(h.waits[i - 1]!);
  });

  it('gives up after waiting rateLimitWaitMs in all (default 65 s), as a rate_limited error', async () => {
    const h = harness(() => limited());
    const err = await h.client.company('c-1').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Pax8Error);
    expect(err).to.include({ kind: 'rate_limited', status: 429, endpoint: 'GET /companies/c-1' });
    expect(h.waited()).to.equal(65_000);
    expect((err as Pax8Error).message).to.contain('after waiting 65 s');
  });

  it('the wait budget is configurable (rateLimitWaitMs)', async () => {
    const h = harness(() => limited(), { rateLimitWaitMs: 2000, retryBaseMs: 100, retryMaxDelayMs: 400 });
    await h.client.company('c-1').catch(() => undefined);
    expect(h.waited()).to.equal(2000);
  });

  it('waits exactly what Retry-After asks, in seconds', async () => {
    const h = harness((now) => (now < T0 + 20_000 ? limited({ 'retry-after': '20' }) : json(200, company)));
    expect((await h.client.company('c-1')).id).to.equal('c-1');
    expect(h.waits).to.deep.equal([20_000]);
  });

  it('waits exactly what Retry-After asks, as an HTTP date', async () => {
    const until = new Date(T0 + 42_000).toUTCString();
    const h = harness((now) => (now < T0 + 42_000 ? limited({ 'retry-after': until }) : json(200, company)));
    expect((await h.client.company('c-1')).id).to.equal('c-1');
    expect(h.waits).to.deep.equal([42_000]);
  });

  it('fails at once when Retry-After asks for more than the wait budget', async () => {
    const h = harness(() => limited({ 'retry-after': '120' }));
    const err = await h.client.company('c-1').catch((e: unknown) => e);
    expect(err).to.include({ kind: 'rate_limited' });
    expect(h.waits).to.deep.equal([]);
    expect((err as Pax8Error).message).to.contain('Retry-After asks 120 s');
  });

  it('maxRetries 0 retries nothing, not even a 429', async () => {
    const h = harness(() => limited(), { maxRetries: 0 });
    const err = await h.client.company('c-1').catch((e: unknown) => e);
    expect(err).to.include({ kind: 'rate_limited', attempts: 1 });
    expect(h.waits).to.deep.equal([]);
  });
});
