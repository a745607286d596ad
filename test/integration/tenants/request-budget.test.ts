import { expect } from 'chai';
import { ThreadedPax8Client } from '../../../src/pax8/client/threaded-client.js';
import { pax8ClientConfigFor } from '../../../src/tenants/pax8-client.js';
import { DbRequestBudget, SLICE_MS, SLICES_PER_WINDOW } from '../../../src/tenants/request-budget.js';
import { TenantService } from '../../../src/tenants/service.js';
import { insertTenant, testSecretBox } from '../../support/database.js';
import { createTestTenant, startTestSandbox, useFreshDatabase } from '../../support/fixtures.js';

/** Issue 22 point 5: the tenant's Pax8 request budget is shared by every process through the database. */
describe('Pax8 request budget shared through the database', function () {
  this.timeout(30_000);
  const db = useFreshDatabase({ per: 'suite' });

  const T = Math.floor(Date.parse('2026-11-16T09:00:00Z') / SLICE_MS) * SLICE_MS;

  it('four processes together start no more than the window allows; the next start waits until the window moves on', async () => {
    const tenant = await insertTenant(db.ds, 'budget-a');
    let now = T;
    // 10 a minute: all 10 may start at once; more only when their slice has left the window (60 s and a margin).
    const processes = [1, 2, 3, 4].map(() => new DbRequestBudget(db.ds, tenant.id, 10, () => now));
    let started = 0;
    const takes = processes.flatMap((p) => [1, 2, 3, 4].map(() => p.take().then(() => { started++; })));
    await new Promise((r) => setTimeout(r, 600));
    expect(started).to.equal(10);
    const [row] = await db.ds.query('SELECT used FROM pax8_request_budget WHERE tenantId = ? AND sliceStart = ?', [tenant.id, T]);
    expect(Number(row.used)).to.equal(10);
    now = T + (SLICES_PER_WINDOW - 1) * SLICE_MS; // the window still holds the slice of the first ten
    await new Promise((r) => setTimeout(r, 600));
    expect(started).to.equal(10);
    now = T + SLICES_PER_WINDOW * SLICE_MS; // it has left the window: the other 6 start
    await Promise.all(takes);
    expect(started).to.equal(16);
    await new TenantService(db.ds, testSecretBox()).remove(tenant.id);
    expect(await db.ds.query('SELECT * FROM pax8_request_budget WHERE tenantId = ?', [tenant.id])).to.deep.equal([]);
  });

  it("another tenant's budget is its own", async () => {
    const a = await insertTenant(db.ds, 'budget-b');
    const b = await insertTenant(db.ds, 'budget-c');
    const now = () => T;
    const ba = new DbRequestBudget(db.ds, a.id, 1, now); // 1 a minute
    const bb = new DbRequestBudget(db.ds, b.id, 1, now);
    await ba.take();
    await bb.take();
    const ac = new AbortController();
    const waiting = ba.take(ac.signal);
    setTimeout(() => ac.abort(), 300);
    const err = await waiting.then(() => null, (e: Error) => e);
    expect(err?.name).to.equal('AbortError');
  });

  it("a tenant's client (the import's thread too) takes each request start from the budget", async () => {
    const sb = await startTestSandbox({ seed: 3, companies: 3 });
    try {
      const { tenant, tenants } = await createTestTenant(db.ds, testSecretBox(), sb, { name: 'budget-client', partnerCompany: false });
      const config = pax8ClientConfigFor(tenants, tenant, { rateLimitPerMinute: 6000 });
      expect(config.requestBudget).to.be.instanceOf(DbRequestBudget);
      let taken = 0;
      const budget = config.requestBudget!;
      const counting = { take: async (s?: AbortSignal) => { taken++; await budget.take(s); } };
      const threaded = new ThreadedPax8Client({ ...config, requestBudget: counting });
      try {
        const before = sb.stats().requests;
        for await (const _ of threaded.companies()) void _;
        await threaded.product(sb.data.products[0]!.id);
        expect(taken).to.equal(sb.stats().requests - before); // the token request too
        expect(taken).to.be.greaterThan(1);
      } finally {
        threaded.close();
      }
      const rows = await db.ds.query('SELECT SUM(used) AS n FROM pax8_request_budget WHERE tenantId = ?', [tenant.id]);
      expect(Number(rows[0].n)).to.be.at.least(taken);
      expect(pax8ClientConfigFor(tenants, tenant, { rateLimitPerMinute: null }).requestBudget).to.equal(undefined);
    } finally {
      await sb.close();
    }
  });
});
