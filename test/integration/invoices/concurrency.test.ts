import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { Invoice, InvoiceLine, RecurringInvoiceAdjustment } from '../../../src/db/entities/index.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { runCli } from '../../support/cli.js';
import { freshDatabase, insertTenant, onMariaDb, sharedTestTarget, TEST_DATABASE_URL } from '../../support/database.js';
import { scopeOf, setTenantSettings } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, type LoadedScenario, type ScenarioJson } from './scenario-db.js';

const scenario: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-04-01', taxRate: '0.10',
  lines: [
    { id: 'seats', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1', free: 1 }] },
    { id: 'grow', timing: 'advance', unitPrice: '9.99', prorata: 'increases_only', links: [{ subscription: 's2' }] },
    { id: 'meter', timing: 'arrears', unitPrice: '1.50', links: [{ subscription: 's2' }] },
  ],
  subscriptions: [
    { id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }, { date: '2026-02-17', quantity: 9 }, { date: '2026-03-05', quantity: 20 }] },
    { id: 's2', changes: [{ date: '2026-01-01', quantity: 3 }, { date: '2026-01-21', quantity: 1 }, { date: '2026-01-25', quantity: 6 }, { date: '2026-03-30', quantity: 2 }] },
  ],
};

async function checkBilledOnce(ds: DataSource, tenantId: string, loaded: LoadedScenario[]): Promise<void> {
  const scope = scopeOf(ds, tenantId);
  const invoices = await scope.repo(Invoice).find();
  expect(invoices).to.have.length(loaded.length * 4);
  expect(invoices.map((i) => i.number).sort((a, b) => a! - b!)).to.deep.equal(invoices.map((_, i) => i + 1));
  for (const l of loaded) expectSame(await storedAsScenario(scope, l), simulated(scenario));
  // Each adjustment is on exactly one invoice line, and that is the invoice recorded on the adjustment.
  const adjustments = await scope.repo(RecurringInvoiceAdjustment).find();
  const lines = (await scope.repo(InvoiceLine).find()).filter((l) => l.adjustmentId !== null);
  expect(lines.length).to.equal(adjustments.length);
  for (const a of adjustments) {
    const billed = lines.filter((l) => l.adjustmentId === a.id);
    expect(billed).to.have.length(1);
    expect(billed[0]!.invoiceId).to.equal(a.invoicedInvoiceId);
  }
}

describe('invoices: concurrent runs bill nothing twice', function () {
  this.timeout(180_000);

  it('two `recurra invoices run` processes at once create each invoice once', async () => {
    const target = sharedTestTarget();
    const ds = await freshDatabase(target);
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      await setTenantSettings(ds, tenantId, { imports: { reviewUsageLines: false } });
      const loaded: LoadedScenario[] = [];
      for (let i = 0; i < 6; i++) loaded.push(await loadScenarioIntoDb(scopeOf(ds, tenantId), scenario, `Customer ${i}`));
      const env = target.url
        ? { DATABASE_URL: target.url, RECURRA_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'recurra-data-')) }
        : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath) };
      const args = ['invoices', 'run', '--date', scenario.through, '--tenant', 'acme', '--json'];
      const [a, b] = await Promise.all([runCli(args, env), runCli(args, env)]);
      expect(a.code, a.stderr).to.equal(0);
      expect(b.code, b.stderr).to.equal(0);
      const ra = JSON.parse(a.stdout) as { created: unknown[] };
      const rb = JSON.parse(b.stdout) as { created: unknown[] };
      expect(ra.created.length + rb.created.length).to.equal(loaded.length * 4);
      await checkBilledOnce(ds, tenantId, loaded);
      const third = await runCli(args, env);
      expect(JSON.parse(third.stdout).created).to.deep.equal([]);
    } finally {
      await ds.destroy();
    }
  });

  it('two connections running the invoice run at once (MariaDB) create each invoice once', async function () {
    if (!onMariaDb()) this.skip();
    const ds = await freshDatabase();
    const other = (await openDatabase({ url: TEST_DATABASE_URL!, sqlitePath: '' }, false)).ds;
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      await setTenantSettings(ds, tenantId, { imports: { reviewUsageLines: false } });
      const loaded: LoadedScenario[] = [];
      for (let i = 0; i < 6; i++) loaded.push(await loadScenarioIntoDb(scopeOf(ds, tenantId), scenario, `Customer ${i}`));
      const [a, b, c] = await Promise.all([
        runInvoices(ds, tenantId, scenario.through), runInvoices(other, tenantId, scenario.through), runInvoices(other, tenantId, scenario.through),
      ]);
      for (const r of [a, b, c]) expect(r.failed).to.deep.equal([]);
      expect(a.created.length + b.created.length + c.created.length).to.equal(loaded.length * 4);
      await checkBilledOnce(ds, tenantId, loaded);
    } finally {
      await other.destroy();
      await ds.destroy();
    }
  });
});
