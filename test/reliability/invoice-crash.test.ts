import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { Invoice, InvoiceLine, RecurringInvoiceAdjustment } from '../../src/db/entities/index.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../support/database.js';
import { scopeOf, setTenantSettings } from '../integration/invoices/fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, type LoadedScenario, type ScenarioJson } from '../integration/invoices/scenario-db.js';
import { runAndMaybeKill } from './support/child.js';
import { count, runsFor } from './support/figures.js';
import { seededRandom } from './support/seeded-random.js';

const scenario: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 31, startDate: '2026-01-31', through: '2026-06-30', taxRate: '0.20',
  lines: [
    { id: 'seats', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1', free: 1, minimum: 3 }] },
    { id: 'grow', timing: 'advance', unitPrice: '9.99', prorata: 'increases_only', links: [{ subscription: 's2' }] },
    { id: 'meter', timing: 'arrears', unitPrice: '1.50', links: [{ subscription: 's2' }] },
  ],
  subscriptions: [
    { id: 's1', changes: [{ date: '2026-01-31', quantity: 10 }, { date: '2026-02-11', quantity: 15 }, { date: '2026-03-17', quantity: 9 }, { date: '2026-05-05', quantity: 20 }] },
    { id: 's2', changes: [{ date: '2026-01-31', quantity: 3 }, { date: '2026-02-21', quantity: 1 }, { date: '2026-02-25', quantity: 6 }, { date: '2026-04-30', quantity: 2 }] },
  ],
};
const PERIODS = 6;

/** Every customer's invoices equal simulate's; numbers 1..n without gaps; each adjustment billed exactly once. */
async function expectBilledOnce(ds: DataSource, tenantId: string, loaded: LoadedScenario[]): Promise<void> {
  const scope = scopeOf(ds, tenantId);
  const invoices = await scope.repo(Invoice).find();
  const perPeriod = new Set(invoices.map((i) => `${i.recurringInvoiceId}/${i.periodStart}`));
  count('duplicatesFound', invoices.length - perPeriod.size);
  expect(invoices).to.have.length(loaded.length * PERIODS);
  expect(invoices.map((i) => i.number).sort((a, b) => a! - b!)).to.deep.equal(invoices.map((_, i) => i + 1));
  const expected = simulated(scenario);
  for (const l of loaded) expectSame(await storedAsScenario(scope, l), expected);
  const adjustments = await scope.repo(RecurringInvoiceAdjustment).find();
  const billedLines = (await scope.repo(InvoiceLine).find()).filter((l) => l.adjustmentId !== null);
  count('duplicatesFound', billedLines.length - new Set(billedLines.map((l) => l.adjustmentId)).size);
  expect(billedLines.length).to.equal(adjustments.filter((a) => a.invoicedInvoiceId !== null).length);
  for (const a of adjustments) expect(billedLines.filter((l) => l.adjustmentId === a.id).map((l) => l.invoiceId)).to.deep.equal(a.invoicedInvoiceId ? [a.invoicedInvoiceId] : []);
}

describe('An invoice run killed at a random point (SIGKILL) and run again bills everything once', function () {
  this.timeout(0);
  const runs = runsFor(20, 1);
  const seed = Number(process.env.RELIABILITY_SEED ?? 20261122) + 7;
  const random = seededRandom(seed);
  const target = sharedTestTarget();
  const env: NodeJS.ProcessEnv = target.url
    ? { DATABASE_URL: target.url, RECURRA_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'recurra-data-')), RECURRA_SECRET_KEY: 'b'.repeat(64) }
    : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath) };
  const args = ['invoices', 'run', '--date', scenario.through, '--tenant', 'acme', '--batch', '1', '--json'];
  let uninterruptedMs = 0;

  async function prepare(): Promise<{ ds: DataSource; tenantId: string; loaded: LoadedScenario[] }> {
    const ds = await freshDatabase(target);
    const tenantId = (await insertTenant(ds, 'acme')).id;
    await setTenantSettings(ds, tenantId, { imports: { reviewUsageLines: false } });
    const loaded: LoadedScenario[] = [];
    for (let i = 0; i < 40; i++) loaded.push(await loadScenarioIntoDb(scopeOf(ds, tenantId), scenario, `Customer ${i}`));
    return { ds, tenantId, loaded };
  }

  before(async () => {
    const { ds, tenantId, loaded } = await prepare();
    try {
      const started = Date.now();
      const r = await runAndMaybeKill(args, env, null);
      uninterruptedMs = Date.now() - started;
      expect(r.code, r.output).to.equal(0);
      await expectBilledOnce(ds, tenantId, loaded);
    } finally {
      await ds.destroy();
    }
  });

  for (let i = 0; i < runs; i++) {
    it(`crash ${i + 1}/${runs}: killed, restarted, every invoice and adjustment exactly once`, async () => {
      const { ds, tenantId, loaded } = await prepare();
      try {
        const killAfter = Math.round(uninterruptedMs * (0.4 + 0.55 * random()));
        const first = await runAndMaybeKill(args, env, killAfter);
        if (first.killed) count('crashesSurvived');
        const written = await scopeOf(ds, tenantId).repo(Invoice).count();
        if (first.killed && written > 0 && written < loaded.length * PERIODS) count('crashesMidWrite');
        const again = await runAndMaybeKill(args, env, null);
        expect(again.code, again.output).to.equal(0);
        await expectBilledOnce(ds, tenantId, loaded);
        const third = await runAndMaybeKill(args, env, null);
        expect(third.code, third.output).to.equal(0);
        expect(JSON.parse(third.stdout).created, 'a third run finds nothing left to bill').to.deep.equal([]);
      } finally {
        await ds.destroy();
      }
    });
  }
});
