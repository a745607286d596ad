import { expect } from 'chai';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import { Pax8Client, Pax8Error, Pax8RecordError, type Pax8ClientConfig, type Pax8Item } from '../../src/pax8/client/index.js';
import { ThreadedPax8Client, canRunInThread } from '../../src/pax8/client/threaded-client.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { ExactNumber } from '../../src/pax8/schemas/index.js';

async function collect<T>(it: AsyncIterable<Pax8Item<T>>): Promise<Array<Pax8Item<T>>> {
  const out: Array<Pax8Item<T>> = [];
  for await (const item of it) out.push(item);
  return out;
}

/** The error a promise fails with (the test fails if it does not). */
async function failure<E extends Error = Error>(p: Promise<unknown>): Promise<E> {
  return p.then(() => expect.fail('expected a failure'), (e: unknown) => e as E);
}

/** A value with its Decimals and exact numbers spelled out (and checked to be the real classes). */
function plain(v: unknown): unknown {
  if (v instanceof Decimal) return `Decimal(${v.toString()})`;
  if (v instanceof ExactNumber) return `ExactNumber(${v.source})`;
  if (v instanceof Pax8RecordError) return { error: v.message, raw: plain(v.raw), endpoint: v.endpoint, page: v.page, index: v.index };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('pax8 client on its own thread (imports)', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  const config = (extra: Partial<Pax8ClientConfig> = {}): Pax8ClientConfig => ({
    tenantId: 'tenant-7', tenantName: 'Contoso MSP', clientId: sb.clientId, clientSecret: sb.clientSecret,
    tokenUrl: sb.tokenUrl, apiBaseUrl: sb.baseUrl, audience: sb.audience, rateLimitPerMinute: null, maxRetries: 0, ...extra,
  });

  before(async () => {
    sb = await startSandbox({ seed: 21, companies: 30, subscriptions: 700, usageSummaries: 6, rateLimitPerMinute: null, now: '2026-11-15T12:00:00Z' });
  });
  after(() => sb.close());
  beforeEach(() => sb.setFaults(null));

  it('reads exactly what the client in this thread reads: every page, Decimals as Decimals', async () => {
    const here = new Pax8Client(config());
    const there = new ThreadedPax8Client(config());
    try {
      expect(plain(await collect(there.companies()))).to.deep.equal(plain(await collect(here.companies())));
      const subs = await collect(there.subscriptions());
      expect(subs).to.have.length(700);
      expect(subs[0]!.record!.quantity).to.be.instanceOf(Decimal);
      expect(plain(subs)).to.deep.equal(plain(await collect(here.subscriptions())));
      const product = subs[0]!.record!.productId;
      expect(plain(await there.product(product))).to.deep.equal(plain(await here.product(product)));

      const carrier = sb.data.usageSummaries[0]!.subscriptionId;
      const summaries = await collect(there.usageSummaries(carrier));
      expect(summaries.length).to.be.greaterThan(0);
      expect(plain(summaries)).to.deep.equal(plain(await collect(here.usageSummaries(carrier))));
      const days = ['2026-11-01', '2026-11-02', '2026-11-14'];
      const lines = await there.usageLinesOfDays(summaries[0]!.record!.id, days);
      expect(lines).to.have.length(3);
      expect(lines.flat().length).to.be.greaterThan(0);
      expect(plain(lines)).to.deep.equal(plain(await here.usageLinesOfDays(summaries[0]!.record!.id, days)));
    } finally {
      there.close();
    }
  });

  it('passes a record that fails validation as a Pax8RecordError with its raw payload; the listing goes on', async () => {
    const bad = { id: 'c-bad', name: 17, status: 'Active', big: 12345678901234567890.5 };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      if (req.url!.startsWith('/v1/token')) return res.end(JSON.stringify({ access_token: 'x', expires_in: 3600 }));
      const page = Number(new URL(req.url!, 'http://x').searchParams.get('page'));
      const content = page === 0 ? '[{"id":"c0","name":"C0","status":"Active"},{"id":"c-bad","name":17,"status":"Active","big":12345678901234567890.5}]' : '[{"id":"c1","name":"C1","status":"Active"}]';
      res.end(`{"content":${content},"page":{"size":2,"totalElements":3,"totalPages":2,"number":${page}}}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cfg: Pax8ClientConfig = { tenantId: 't', tenantName: 'T', clientId: 'a', clientSecret: 'b', tokenUrl: `${url}/v1/token`, apiBaseUrl: `${url}/v1`, rateLimitPerMinute: null };
    const there = new ThreadedPax8Client(cfg);
    try {
      const items = await collect(there.companies());
      expect(items.map((i) => i.record?.id ?? 'ERROR')).to.deep.equal(['c0', 'ERROR', 'c1']);
      const err = items[1]!.error!;
      expect(err).to.be.instanceOf(Pax8RecordError);
      expect(err).to.include({ endpoint: 'GET /companies', page: 0, index: 1 });
      expect(err.message).to.match(/name/);
      // The 20-digit number was kept exactly by the client's parser, and still is.
      expect((err.raw as { big: unknown }).big).to.be.instanceOf(ExactNumber);
      expect(plain(err)).to.deep.equal(plain((await collect(new Pax8Client(cfg).companies()))[1]!.error));
      expect(bad.id).to.equal((err.raw as { id: string }).id);
    } finally {
      there.close();
      server.close();
    }
  });

  it('throws a Pax8 failure as the same Pax8Error (kind, status, message)', async () => {
    sb.setFaults({ rate: 1, kinds: ['500'], seed: 1 });
    const here = await failure<Pax8Error>(collect(new Pax8Client(config()).companies()));
    const there = new ThreadedPax8Client(config());
    try {
      const err = await failure<Pax8Error>(collect(there.companies()));
      expect(err).to.be.instanceOf(Pax8Error);
      expect(err).to.include({ kind: 'server_error', status: 500, attempts: 1, tenantId: 'tenant-7' });
      expect(err.message).to.equal(here.message);
      const bad = new ThreadedPax8Client(config({ clientSecret: 'wrong' }));
      const refused = await failure<Pax8Error>(bad.product('p-1'));
      expect(refused).to.be.instanceOf(Pax8Error);
      expect(refused.kind).to.equal('bad_credentials');
      expect(refused.message).to.not.contain('wrong');
      bad.close();
    } finally {
      there.close();
    }
  });

  it('stops reading when the consumer stops early, and goes on serving other reads', async () => {
    const there = new ThreadedPax8Client(config({ pageSize: 50 }));
    try {
      let n = 0;
      for await (const item of there.subscriptions()) {
        expect(item.record).to.not.equal(undefined);
        if (++n === 5) break;
      }
      expect(n).to.equal(5);
      expect(await collect(there.companies())).to.have.length(30);
    } finally {
      there.close();
    }
  });

  it('ends an aborted listing with an error, never as if it were complete', async () => {
    const there = new ThreadedPax8Client(config({ pageSize: 20 }));
    const ac = new AbortController();
    let n = 0;
    try {
      const err = await (async () => {
        for await (const _ of there.subscriptions({ signal: ac.signal })) if (++n === 30) ac.abort();
      })().then(() => null, (e: unknown) => e as Error);
      expect(err, 'an error').to.not.equal(null);
      expect(err!.name).to.equal('AbortError');
      expect(n).to.be.lessThan(700);
      await there.product('anything', { signal: ac.signal }).then(() => expect.fail('aborted before it started'), (e: Error) => expect(e.name).to.equal('AbortError'));
    } finally {
      there.close();
    }
  });

  it('refuses reads after close, and configurations that cannot cross into a thread', async () => {
    const there = new ThreadedPax8Client(config());
    there.close();
    await collect(there.companies()).then(() => expect.fail('closed'), (e: Error) => expect(e.message).to.match(/closed/));
    expect(canRunInThread(config())).to.equal(true);
    expect(canRunInThread(config({ fetch: globalThis.fetch }))).to.equal(false);
    expect(() => new ThreadedPax8Client(config({ now: () => 0 }))).to.throw(/cannot run in a thread/);
  });
});
