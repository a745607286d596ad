import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { setTimeout as timersSleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { AccountingVendor } from '../../../src/accounting/connector.js';
import { openAccountingSession, type SessionOptions } from '../../../src/accounting/session.js';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { startQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';
import { startXeroSandbox, type RunningXeroSandbox as XeroSandbox } from '../../../src/xero/sandbox/index.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../../support/database.js';
import { adapterAvailable, connectTenant } from './sandbox-books.js';

/**
 * Issue 27: an accounting connection's calls are budgeted across processes through `accounting_request_budget`. Two
 * data sources on one database stand for two processes. Time is shortened: the budget's clock runs 30 times faster
 * than real time (its 60 s window passes in about 2 s), and the local Xero counts 20 calls per 1.5 s of real time,
 * a stricter window than the budget's (the half second between them covers a call reaching Xero late).
 */
const SCALE = 30;
const PER_MINUTE = 20;
const CALLS_PER_PROCESS = 15;

function scaledClock(): Pick<NonNullable<Exclude<SessionOptions['budget'], false>>, 'now' | 'sleep'> {
  const p0 = performance.now();
  const t0 = Date.parse('2026-11-16T09:00:00Z');
  return {
    now: () => t0 + (performance.now() - p0) * SCALE,
    sleep: (ms, signal) => timersSleep(Math.max(1, ms / SCALE), undefined, { signal }),
  };
}

(adapterAvailable('xero') ? describe : describe.skip)('accounting: a connection\'s call budget shared by processes', function () {
  this.timeout(120_000);
  const secrets = new SecretBox(Buffer.alloc(32, 7));
  let dsA: DataSource;
  let dsB: DataSource;
  let xero: XeroSandbox;

  before(async () => {
    const target = sharedTestTarget();
    dsA = await freshDatabase(target);
    dsB = (await openDatabase(target, false)).ds;
    xero = await startXeroSandbox({
      host: '127.0.0.1', port: 0, autoApprove: true, organisationName: 'Acme Books (UK)',
      // Concurrency is paced per process (5 each): two processes may have 10 in flight.
      rateLimits: { perMinute: PER_MINUTE, windowMs: 1500, concurrent: 10 },
    });
  });

  after(async () => {
    await xero?.close();
    await dsB?.destroy();
    await dsA?.destroy();
  });

  async function connectedTenant(name: string, vendor: AccountingVendor, books: { endpoints: XeroSandbox['endpoints']; clientId: string; clientSecret: string }): Promise<string> {
    const tenantId = (await insertTenant(dsA, name)).id;
    await connectTenant(dsA, secrets, tenantId, { vendor, ...books, documents: () => [], recordPayment: () => {}, close: async () => {} }, new Date());
    return tenantId;
  }

  /** Each process reads Xero's tax rates CALLS_PER_PROCESS times, all at once; answers how many reads succeeded. */
  async function readFromBoth(tenantId: string, budget: SessionOptions['budget']): Promise<number> {
    const results = await Promise.all([dsA, dsB].map(async (ds) => {
      const { connector, session } = await openAccountingSession(ds, secrets, tenantId, 'xero', new Date(), { budget });
      return Promise.all(Array.from({ length: CALLS_PER_PROCESS }, () => connector.taxRates(session).then((r) => r.length > 0)));
    }));
    return results.flat().filter(Boolean).length;
  }

  it('two processes reading through one Xero connection stay within its limit: no 429, every call succeeds', async () => {
    const tenantId = await connectedTenant('budget-xero', 'xero', xero);
    xero.resetCounters();
    const ok = await readFromBoth(tenantId, { perMinute: PER_MINUTE, ...scaledClock() });
    const counters = xero.counters();
    expect(ok).to.equal(2 * CALLS_PER_PROCESS);
    expect(counters.rateLimited).to.deep.equal({ minute: 0, day: 0, concurrent: 0 });
    expect(counters.apiCalls).to.equal(2 * CALLS_PER_PROCESS);
    const [row] = await dsA.query('SELECT SUM(b.used) AS n FROM accounting_request_budget b JOIN accounting_connections c ON c.id = b.connectionId WHERE c.tenantId = ?', [tenantId]);
    expect(Number(row.n)).to.be.at.least(2 * CALLS_PER_PROCESS);
  });

  it('without the shared budget the same reads meet Xero\'s 429 (the check above can fail)', async () => {
    const tenantId = await connectedTenant('budget-none', 'xero', xero);
    xero.resetCounters();
    const ok = await readFromBoth(tenantId, false);
    expect(ok).to.equal(2 * CALLS_PER_PROCESS); // the clients outwait the 429s
    expect(xero.counters().rateLimited.minute).to.be.greaterThan(0);
  });

  it('a QuickBooks connection takes its calls from the budget too, and its rows go with the connection', async function () {
    if (!adapterAvailable('quickbooks')) this.skip();
    const qbo = await startQuickBooksSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, realms: [{ name: 'Acme Books Inc' }] });
    try {
      const tenantId = await connectedTenant('budget-qbo', 'quickbooks', qbo);
      const { connector, session, connection } = await openAccountingSession(dsB, secrets, tenantId, 'quickbooks', new Date(), {});
      await connector.taxRates(session); // a TaxCode and a TaxRate query
      const used = async () => Number((await dsA.query('SELECT COALESCE(SUM(used), 0) AS n FROM accounting_request_budget WHERE connectionId = ?', [connection.id]))[0].n);
      expect(await used()).to.be.at.least(2);
      await dsA.query('DELETE FROM accounting_connections WHERE id = ?', [connection.id]);
      expect(await used()).to.equal(0);
    } finally {
      await qbo.close();
    }
  });
});
