import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { UsageLine, UsageMonthlyCharge, UsageSummary } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { dateRange } from '../../../src/imports/usage-plan.js';
import { revisesLate } from '../../../src/pax8/sandbox/generator/usage.js';
import type { SandboxUsageLine, SandboxUsageSummary } from '../../../src/pax8/sandbox/index.js';
import { harness, type Harness } from './harness.js';

/**
 * Issue 26: a daily usage sync asks Pax8 only for what can still change (the days after the last final one, the
 * revision window), skips a summary whose charges are unchanged, and reads the open months in full weekly and at month
 * close. Against the sandbox over HTTP, whose clock moves through its admin API and whose usage is served as running
 * totals with late revisions (src/pax8/sandbox/README.md).
 */
describe('daily usage sync: only what can still change (issue 26)', function () {
  this.timeout(180_000);
  let h: Harness;
  let scope: TenantScope;
  /** Usage-line requests the sandbox answered, as "summaryId date". */
  let asked: string[];
  let counting = false;

  async function start(now: string): Promise<void> {
    h = await harness({ companies: 30, subscriptions: 90, usageSummaries: 16, now }, { productImportMode: 'none', includeOwnCompany: true, importInactiveCompanies: true });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers', now: new Date(now) });
    asked = [];
    const data = h.sandbox.data;
    const serve = data.usageLines.bind(data);
    data.usageLines = (id: string, day: number) => {
      if (counting) asked.push(`${id} ${new Date(day).toISOString().slice(0, 10)}`);
      return serve(id, day);
    };
  }
  afterEach(async () => h?.close());

  const sync = async (at: string, opts: { fullUsage?: boolean } = {}) => {
    await h.admin('POST', '/clock/advance', { to: at });
    asked = [];
    counting = true;
    const run = await h.run({ entities: 'subscriptions,usage', now: new Date(at), ...opts }).finally(() => { counting = false; });
    expect(run.status).to.equal('succeeded');
    return run;
  };
  const daysAsked = (u: SandboxUsageSummary) => asked.filter((a) => a.startsWith(`${u.id} `)).map((a) => a.slice(-10)).sort();
  const rowOf = async (u: SandboxUsageSummary) => (await scope.repo(UsageSummary).findOneBy({ pax8Id: u.id }))!;
  const linesOn = async (u: SandboxUsageSummary, date: string) => scope.repo(UsageLine).findBy({ usageSummaryId: (await rowOf(u)).id, usageDate: date });
  const total = (lines: Array<{ charges: Decimal }>) => lines.reduce((t, l) => t.plus(l.charges), new Decimal(0));
  const servedTotal = (u: SandboxUsageSummary, date: string) => total(h.sandbox.data.usageLines(u.id, Date.parse(`${date}T00:00:00Z`)).map((l) => ({ charges: l.currentCharges })));
  /** Pax8 changes one day's line quantities of a summary without changing any amount (so its charges stay as they were). */
  const reviseQuantities = (u: SandboxUsageSummary, date: string) => {
    const data = h.sandbox.data;
    const serve = data.usageLines;
    data.usageLines = (id: string, day: number) => {
      const lines = serve(id, day);
      return id === u.id && new Date(day).toISOString().startsWith(date) ? lines.map((l: SandboxUsageLine) => ({ ...l, quantity: l.quantity.plus(1) })) : lines;
    };
  };
  const quantities = async (u: SandboxUsageSummary, date: string) => (await linesOn(u, date)).map((l) => l.quantity.toFixed()).sort();
  const servedQuantities = (u: SandboxUsageSummary, date: string) => h.sandbox.data.usageLines(u.id, Date.parse(`${date}T00:00:00Z`)).map((l) => l.quantity.toFixed()).sort();

  it('the next day asks only for the revision window and today, and catches a day revised inside it', async () => {
    await start('2026-11-22T10:00:00Z');
    await sync('2026-11-22T10:00:00Z');
    const all = h.sandbox.data.usageSummaries;
    const u = all.find(revisesLate)!;
    expect(u, 'a summary the sandbox revises late').to.not.equal(undefined);
    expect(daysAsked(u)).to.deep.equal(dateRange('2026-11-01', '2026-11-22'));
    const provisional = total(await linesOn(u, '2026-11-21'));

    const run = await sync('2026-11-23T10:00:00Z');
    // Every summary's running total moved, so each is read: the 3 days of the revision window and today, no more.
    for (const s of all) expect(daysAsked(s), s.id).to.deep.equal(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23']);
    expect(run.details.usageReads).to.deep.equal({ reasons: { changed: all.length }, days: 4 * all.length });
    // The 21st was served low on the 22nd and final now: the stored day is the final one, its lines overwritten.
    const revised = total(await linesOn(u, '2026-11-21'));
    expect(revised.greaterThan(provisional)).to.equal(true);
    expect(revised.eq(servedTotal(u, '2026-11-21'))).to.equal(true);
    expect(await linesOn(u, '2026-11-21')).to.have.length(u.meters.length);
    const row = await rowOf(u);
    expect(row.currentCharges.eq(h.sandbox.data.usageSummaryNow(u).currentCharges)).to.equal(true);
    expect(row.linesMismatch).to.equal(false);
    const month = (await scope.repo(UsageMonthlyCharge).findOneBy({ usageSummaryId: row.id, month: '2026-11' }))!;
    expect(month.charges.eq(row.currentCharges)).to.equal(true);
  });

  it('catches a late revision of the last month after it ended, and keeps that month\'s final figures for billing', async () => {
    await start('2026-11-30T12:00:00Z');
    await sync('2026-11-30T12:00:00Z');
    const u = h.sandbox.data.usageSummaries.find(revisesLate)!;
    const provisional = total(await linesOn(u, '2026-11-30'));
    expect(provisional.eq(servedTotal(u, '2026-11-30'))).to.equal(true); // as served (low) on the 30th itself

    await sync('2026-12-02T12:00:00Z');
    // November is still open: its days inside the window are read with December's.
    expect(daysAsked(u)).to.deep.equal(dateRange('2026-11-28', '2026-12-02'));
    const final = total(await linesOn(u, '2026-11-30'));
    expect(final.greaterThan(provisional)).to.equal(true);
    expect(final.eq(servedTotal(u, '2026-11-30'))).to.equal(true);
    const row = await rowOf(u);
    const november = (await scope.repo(UsageMonthlyCharge).findOneBy({ usageSummaryId: row.id, month: '2026-11' }))!;
    // The month's figures, which the invoices bill, are Pax8's final ones; the stored lines add up to them.
    expect(november.charges.eq(u.currentCharges)).to.equal(true);
    expect(november.partnerTotal.eq(u.partnerTotal)).to.equal(true);
    expect(total(await scope.repo(UsageLine).findBy({ usageSummaryId: row.id })).eq(u.currentCharges)).to.equal(true);
    expect(row.linesMismatch).to.equal(false);
  });

  it('asks nothing for an unchanged summary, and at month close reads the ended month once more, catching what its charges did not show', async () => {
    await start('2026-11-30T12:00:00Z');
    await sync('2026-11-30T12:00:00Z');
    const all = h.sandbox.data.usageSummaries;
    const settled = all.filter((s) => !revisesLate(s));
    const v = settled[0]!;
    // The 3rd: November's figures settled on the 2nd, so only the summaries Pax8 revised since the 30th are read.
    let run = await sync('2026-12-03T12:00:00Z');
    for (const s of settled) expect(daysAsked(s), s.id).to.deep.equal([]);
    expect(run.details.usageReads!.reasons).to.deep.equal({ changed: all.length - settled.length, unchanged: settled.length });
    expect(run.counts.usage!.unchanged).to.be.at.least(settled.length);

    // Pax8 changes the quantities of the 10th (no amount): the charges do not show it, so the 4th reads nothing of it.
    reviseQuantities(v, '2026-11-10');
    run = await sync('2026-12-04T12:00:00Z');
    expect(asked).to.deep.equal([]);
    expect(await quantities(v, '2026-11-10')).to.not.deep.equal(servedQuantities(v, '2026-11-10'));
    // The 5th is November's close: every summary's November and December so far is read once more.
    run = await sync('2026-12-05T12:00:00Z');
    for (const s of all) expect(daysAsked(s), s.id).to.deep.equal(dateRange('2026-11-01', '2026-12-05'));
    expect(run.details.usageReads!.reasons).to.deep.equal({ month_close: all.length });
    expect(await quantities(v, '2026-11-10')).to.deep.equal(servedQuantities(v, '2026-11-10'));
    // Closed: the next day asks for nothing at all.
    run = await sync('2026-12-06T12:00:00Z');
    expect(asked).to.deep.equal([]);
    expect(run.details.usageReads).to.deep.equal({ reasons: { unchanged: all.length }, days: 0 });
  });

  it('reads the open month in full a week after the last full read, and at once with --full', async () => {
    await start('2026-11-08T12:00:00Z');
    await sync('2026-11-08T12:00:00Z');
    const all = h.sandbox.data.usageSummaries;
    const v = all[0]!;
    reviseQuantities(v, '2026-11-02');
    // Daily syncs read the window only: the 2nd stays as first read.
    for (const day of ['09', '10', '11', '12', '13', '14']) {
      const run = await sync(`2026-11-${day}T12:00:00Z`);
      expect(run.details.usageReads!.reasons).to.not.have.property('weekly');
      expect(daysAsked(v)).to.have.length.within(1, 4);
      expect(daysAsked(v)).to.not.include('2026-11-02');
    }
    expect(await quantities(v, '2026-11-02')).to.not.deep.equal(servedQuantities(v, '2026-11-02'));
    const weekly = await sync('2026-11-15T12:00:00Z');
    expect(weekly.details.usageReads!.reasons).to.deep.equal({ weekly: all.length });
    for (const s of all) expect(daysAsked(s), s.id).to.deep.equal(dateRange('2026-11-01', '2026-11-15'));
    expect(await quantities(v, '2026-11-02')).to.deep.equal(servedQuantities(v, '2026-11-02'));
    // On demand (recurra import --full), whatever the charges.
    const full = await sync('2026-11-15T12:00:00Z', { fullUsage: true });
    expect(full.details.usageReads).to.deep.equal({ reasons: { full: all.length }, days: 15 * all.length });
    expect(full.counts.usage!.unchanged).to.equal(all.length);
  });
});
