import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { addDays } from '../../../src/billing/dates.js';
import { Invoice, RecurringInvoiceAdjustment, RecurringInvoiceLineChange } from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { REPO_ROOT } from '../../support/cli.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { setTenantSettings } from './fixtures.js';
import { expectSame, loadScenarioIntoDb, simulated, storedAsScenario, type ScenarioJson } from './scenario-db.js';

const example = JSON.parse(readFileSync(`${REPO_ROOT}/test/unit/billing/fixtures/spec-example.scenario.json`, 'utf8')) as ScenarioJson;
const exampleExpected = JSON.parse(readFileSync(`${REPO_ROOT}/test/unit/billing/fixtures/spec-example.expected.json`, 'utf8'));

/** Free/minimum, several subscriptions on a line, every pro-rata rule, arrears, a followed price change, cancellation, same-day changes. */
const rich: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 31, startDate: '2026-01-31', through: '2026-05-31', taxRate: '0.20',
  lines: [
    { id: 'seats', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', prorata: 'from_change_date',
      links: [{ subscription: 's1', free: 2, minimum: 5 }, { subscription: 's2' }] },
    { id: 'defender', description: 'Defender for Business', timing: 'advance', unitPrice: '3.333333', prorata: 'increases_only',
      links: [{ subscription: 's3' }] },
    { id: 'backup', description: 'Cloud backup', timing: 'advance', unitPrice: '7.10', prorata: 'none', links: [{ subscription: 's3' }] },
    { id: 'devices', description: 'Device management', timing: 'arrears', unitPrice: '1.99', links: [{ subscription: 's4' }] },
    { id: 'exchange', description: 'Exchange Online', timing: 'advance', followPrice: true, links: [{ subscription: 's5' }] },
    { id: 'azure', description: 'Azure plan (Usage Summary)', timing: 'usage', usageSummary: 'u1' },
  ],
  subscriptions: [
    { id: 's1', changes: [{ date: '2026-01-31', quantity: 3 }, { date: '2026-02-10', quantity: 9 }, { date: '2026-03-15', quantity: 4 },
      { date: '2026-04-02', status: 'Cancelled' }, { date: '2026-04-20', status: 'Active' }] },
    { id: 's2', changes: [{ date: '2026-02-20', quantity: 2 }, { date: '2026-02-20', quantity: 6 }, { date: '2026-03-31', quantity: 1 }] },
    { id: 's3', changes: [{ date: '2026-01-31', quantity: 10 }, { date: '2026-02-05', quantity: 7 }, { date: '2026-02-15', quantity: 12 },
      { date: '2026-02-25', quantity: 14 }, { date: '2026-03-03', quantity: 11 }] },
    { id: 's4', changes: [{ date: '2026-01-15', quantity: 40 }, { date: '2026-02-14', quantity: 41 }, { date: '2026-03-01', quantity: 38 }, { date: '2026-04-30', quantity: 50 }] },
    { id: 's5', changes: [{ date: '2026-01-31', quantity: 4, price: '4.00' }, { date: '2026-02-11', price: '4.40' }, { date: '2026-03-20', quantity: 6 }] },
  ],
  usage: [
    { usageSummary: 'u1', month: '2026-01', charges: '118.40' }, { usageSummary: 'u1', month: '2026-02', charges: '131.07' },
    { usageSummary: 'u1', month: '2026-03', charges: '0.005' }, { usageSummary: 'u1', month: '2026-04', charges: '99.999999' },
  ],
};

/** Quarterly, anchor 15, JPY (0 places). */
const quarterlyYen: ScenarioJson = {
  currency: 'JPY', frequency: 'quarterly', anchorDay: 15, startDate: '2026-01-15', through: '2026-10-15', taxRate: '0.10',
  lines: [{ id: 'seats', timing: 'advance', unitPrice: '1250', links: [{ subscription: 's1', minimum: 3 }] },
    { id: 'meter', timing: 'arrears', unitPrice: '333', links: [{ subscription: 's1' }] }],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-15', quantity: 1 }, { date: '2026-02-27', quantity: 7 }, { date: '2026-05-01', quantity: 2 },
    { date: '2026-06-30', quantity: 5 }, { date: '2026-08-08', status: 'Cancelled' }] }],
};

async function runThrough(ds: DataSource, tenantId: string, s: ScenarioJson, step: number, batchSize?: number): Promise<void> {
  for (let day = s.startDate; day <= s.through; day = addDays(day, step)) {
    const r = await runInvoices(ds, tenantId, day, batchSize === undefined ? {} : { batchSize });
    expect(r.failed, JSON.stringify(r.failed)).to.deep.equal([]);
    expect(r.dailyPass.problems).to.deep.equal([]);
  }
  await runInvoices(ds, tenantId, s.through);
}

describeWithDatabase('invoices: database runs give the same invoices as simulate', { tenant: 'acme' }, (db) => {
  beforeEach(async () => {
    await setTenantSettings(db.ds, db.tenantId, { imports: { reviewUsageLines: false } });
  });

  it('the rules\' example, to the cent, with invoice runs every day', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, example);
    await runThrough(db.ds, db.tenantId, example, 1, 1);
    const stored = await storedAsScenario(scope, loaded);
    expectSame(stored, exampleExpected.invoices);
    expectSame(stored, simulated(example));
    const invoices = await scope.repo(Invoice).find({ order: { number: 'ASC' } });
    expect(invoices.map((i) => [i.status, i.number])).to.deep.equal([['issued', 1], ['issued', 2]]);
  });

  for (const [name, scenario, step] of [['a rich monthly scenario (anchor 31)', rich, 3], ['a quarterly JPY scenario', quarterlyYen, 11]] as const) {
    it(`${name}`, async () => {
      const scope = db.scope;
      const loaded = await loadScenarioIntoDb(scope, scenario);
      await runThrough(db.ds, db.tenantId, scenario, step);
      expectSame(await storedAsScenario(scope, loaded), simulated(scenario));
      // Every adjustment the daily pass created was billed exactly once.
      const adjustments = await scope.repo(RecurringInvoiceAdjustment).find();
      expect(adjustments.length).to.be.greaterThan(0);
      expect(adjustments.filter((a) => a.invoicedInvoiceId === null).map((a) => a.periodEnd).every((e) => e > scenario.through)).to.equal(true);
    });
  }

  it('catching up after downtime in one run gives the same invoices as running every day', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, rich);
    const r = await runInvoices(db.ds, db.tenantId, rich.through);
    expect(r.dailyPass.days[0]).to.equal(rich.startDate);
    expect(r.dailyPass.days.at(-1)).to.equal(addDays(rich.through, -1));
    expect(r.created.map((c) => c.periodStart)).to.deep.equal(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31']);
    expectSame(await storedAsScenario(scope, loaded), simulated(rich));
    // Line quantity changes were recorded day by day.
    const changes = await scope.repo(RecurringInvoiceLineChange).find({ order: { changeDate: 'ASC' } });
    const seats = [...loaded.lineNames].find(([, n]) => n === 'seats')![0];
    expect(changes.filter((c) => c.lineId === seats).map((c) => [c.changeDate, c.quantityAfter.toString()])).to.deep.equal([
      ['2026-01-31', '5'], ['2026-02-10', '7'], ['2026-02-20', '13'], ['2026-03-15', '11'], ['2026-03-31', '6'], ['2026-04-02', '1'], ['2026-04-20', '6'],
    ]);
  });

  it('reruns bill nothing twice: same day, earlier day, and a rerun of the daily pass', async () => {
    const scope = db.scope;
    const loaded = await loadScenarioIntoDb(scope, rich);
    await runInvoices(db.ds, db.tenantId, rich.through);
    const before = await storedAsScenario(scope, loaded);
    const again = await runInvoices(db.ds, db.tenantId, rich.through);
    expect(again.created).to.deep.equal([]);
    expect(again.dailyPass.days).to.deep.equal([]);
    expect((await runInvoices(db.ds, db.tenantId, '2026-03-31')).created).to.deep.equal([]);
    expect((await runDailyPass(db.ds, db.tenantId, '2026-04-10')).days).to.deep.equal([]);
    expectSame(await storedAsScenario(scope, loaded), before);
    const numbers = (await scope.repo(Invoice).find()).map((i) => i.number).sort((a, b) => a! - b!);
    expect(numbers).to.deep.equal([1, 2, 3, 4, 5]);
  });
});
