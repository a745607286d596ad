import { randomUUID } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import { In, IsNull, MoreThanOrEqual, type DataSource } from 'typeorm';
import { addDays, type CalendarDate } from '../billing/dates.js';
import type { RecurringLineSpec } from '../billing/model.js';
import { periodContaining, previousPeriod, type Period, type Schedule } from '../billing/periods.js';
import { currencyReview, unitPriceFor } from '../billing/price.js';
import { prorataAdjustments, type Adjustment } from '../billing/prorata.js';
import { lineQuantityOn } from '../billing/quantity.js';
import { dec } from '../billing/decimal.js';
import {
  BillingDailyProgress, Invoice, RecurringInvoice, RecurringInvoiceAdjustment, RecurringInvoiceLine, RecurringInvoiceLineChange, Tenant,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { RunConflict, isUniqueViolation, withRetry } from '../db/errors.js';
import type { CorrectionOps } from './correction-items.js';
import { LOOKBACK_DAYS, planLateCorrections, type LateCorrectionPlan } from './late-corrections.js';
import { inChunks } from '../db/in-chunks.js';
import { loadRecurringInvoices, type LoadedRecurringInvoice } from './loader.js';
import { prepareUpcomingInvoices } from './upcoming.js';
import { reviewPolicyOf } from './compose.js';

export interface DailyPassResult {
  /** Days processed, in order (empty when the pass already ran for `through`). */
  days: CalendarDate[];
  through: CalendarDate;
  lineChanges: number;
  adjustmentsCreated: number;
  adjustmentsUpdated: number;
  adjustmentsRemoved: number;
  /** Late corrections (first day of the run): pending corrections of periods already invoiced, created, changed, withdrawn. */
  correctionsCreated: number;
  correctionsUpdated: number;
  correctionsRemoved: number;
  /** Lines the pass could not compute (e.g. a followed price that was never given), with the reason. */
  problems: { recurringInvoiceId: string; lineId: string; message: string }[];
  /** Upcoming invoices (upcoming.ts) composed and stored after the days, and those already stored with the same inputs. */
  upcomingPrepared: number;
  upcomingUnchanged: number;
  /** Active recurring invoices left out as quiet (nothing they are computed from changed since the last pass). */
  skippedQuiet?: number;
  /** Set when another pass claimed a day first; this one stopped there. */
  stoppedBecause?: string;
}

interface DayOps {
  changes: RecurringInvoiceLineChange[];
  quantities: { lineId: string; quantity: Decimal; date: CalendarDate }[];
  inserts: RecurringInvoiceAdjustment[];
  updates: RecurringInvoiceAdjustment[];
  deletes: RecurringInvoiceAdjustment[];
  /** Late corrections (revision ≥ 1), kept apart from the revision-0 rows the day reconciles. */
  corrections: CorrectionOps;
  /** Invoices the late corrections checked, marked with the version read (first day of the run). */
  lateChecked: LateCorrectionPlan['checked'];
}

function sameAdjustment(row: RecurringInvoiceAdjustment, a: Adjustment, period: Period): boolean {
  return row.periodStart === period.start && row.periodEnd === period.end && row.rule === a.rule
    && row.quantity.equals(a.quantity.toString()) && row.unitPrice.equals(a.unitPrice.toString())
    && row.quantityBefore.equals(a.quantityBefore.toString()) && row.quantityAfter.equals(a.quantityAfter.toString())
    && (row.highWaterMark === null ? a.highWaterMark === undefined : a.highWaterMark !== undefined && row.highWaterMark.equals(a.highWaterMark.toString()))
    && row.days === a.factor.days && row.periodDays === a.factor.periodDays;
}

function adjustmentProvenance(spec: RecurringLineSpec, a: Adjustment, priceSource: string, priceAsOf: string, review: string[]): string {
  return JSON.stringify({
    rule: `pro-rata ${a.rule}: ΔQ × unit price × (e − d) / (e − s)`,
    subscriptions: spec.links.map((l) => l.subscription),
    quantities: [{ from: a.date, to: a.to, quantity: a.quantityAfter.toString() }],
    price: { source: priceSource, asOf: priceAsOf },
    factor: a.factor,
    adjustment: {
      quantityBefore: a.quantityBefore.toString(),
      quantityAfter: a.quantityAfter.toString(),
      ...(a.highWaterMark === undefined ? {} : { highWaterMark: a.highWaterMark.toString() }),
    },
    review,
  });
}

function fillAdjustment(row: RecurringInvoiceAdjustment, a: Adjustment, period: Period, provenanceJson: string): void {
  row.periodStart = period.start;
  row.periodEnd = period.end;
  row.rule = a.rule;
  row.quantity = a.quantity;
  row.quantityBefore = a.quantityBefore;
  row.quantityAfter = a.quantityAfter;
  row.highWaterMark = a.highWaterMark ?? null;
  row.unitPrice = a.unitPrice;
  row.days = a.factor.days;
  row.periodDays = a.factor.periodDays;
  row.provenanceJson = provenanceJson;
}

async function insertChunked<T extends { tenantId: string }>(scope: TenantScope, entity: new () => T, rows: T[]): Promise<void> {
  await bulkInsert(scope, entity, rows);
}

/**
 * The daily pass: for each day after the last processed one up to `date`, in order, computes every line's
 * quantity Q from the recorded subscription history, records changes of Q, and keeps the pending pro-rata
 * adjustments of the period containing the day in step with the engine (insert, correct, or remove those not
 * yet invoiced). Each day commits in one transaction together with the tenant's progress, so a rerun of a
 * processed day does nothing and a pass after downtime catches up day by day.
 */
export async function runDailyPass(ds: DataSource, tenantId: string, date: CalendarDate): Promise<DailyPassResult> {
  const scope = new TenantScope(ds.manager, tenantId);
  const result: DailyPassResult = {
    days: [], through: date, lineChanges: 0, adjustmentsCreated: 0, adjustmentsUpdated: 0, adjustmentsRemoved: 0,
    correctionsCreated: 0, correctionsUpdated: 0, correctionsRemoved: 0, upcomingPrepared: 0, upcomingUnchanged: 0, problems: [],
  };
  const progress = await scope.repo(BillingDailyProgress).findOneBy({});
  if (progress && progress.lastDate >= date) return result;

  // Quiet days: after a first pass, the days compute nothing for a recurring invoice nothing happened to (quietFor); it is
  // loaded only when its next invoice is due for an upcoming invoice (composed from what is loaded), and not computed.
  const skipped: string[] = [];
  const composeOnly = new Set<string>();
  let keep: ((ri: RecurringInvoice) => boolean) | undefined;
  if (progress) {
    const lateDue = await withUncheckedInvoices(scope, addDays(addDays(progress.lastDate, 1), -LOOKBACK_DAYS));
    const dueBy = addDays(date, 1);
    keep = (ri) => {
      if (!quietFor(ri, date, lateDue)) return true;
      if (ri.nextInvoiceDate <= dueBy) composeOnly.add(ri.id);
      else skipped.push(ri.id);
      return composeOnly.has(ri.id);
    };
  }
  const loaded = await loadRecurringInvoices(scope, { keep });
  const computed = composeOnly.size === 0 ? loaded : loaded.filter((l) => !composeOnly.has(l.ri.id));
  const partial = computed.length < loaded.length + skipped.length;
  let start: CalendarDate;
  if (progress) start = addDays(progress.lastDate, 1);
  else {
    const earliest = loaded.map((l) => l.ri.startDate).sort()[0];
    start = earliest !== undefined && earliest < date ? earliest : date;
  }

  // Revision-0 rows of the periods the pass may reconcile: those ending after `start`, and the closed periods whose
  // adjustments are not invoiced yet (ending on or after a recurring invoice's next invoice date).
  const nextDates = computed.map((l) => l.ri.nextInvoiceDate).sort();
  const from = nextDates[0] !== undefined && nextDates[0] < addDays(start, 1) ? nextDates[0] : addDays(start, 1);
  const existing = !partial
    ? await scope.repo(RecurringInvoiceAdjustment).findBy({ periodEnd: MoreThanOrEqual(from), revision: 0 })
    : await inChunks(computed.map((l) => l.ri.id), (ids) => scope.repo(RecurringInvoiceAdjustment).findBy({
      recurringInvoiceId: In(ids), periodEnd: MoreThanOrEqual(from), revision: 0,
    }));
  const adjustmentsByLine = new Map<string, Map<CalendarDate, RecurringInvoiceAdjustment>>();
  for (const row of existing) {
    let m = adjustmentsByLine.get(row.lineId);
    if (!m) adjustmentsByLine.set(row.lineId, (m = new Map()));
    m.set(row.changeDate, row);
  }
  const current = new Map<string, Decimal>();
  const changeDatesBySub = new Map<string, Set<CalendarDate>>();
  for (const l of computed) {
    for (const line of l.lines) current.set(line.id, dec(line.currentQuantity.toString()));
    for (const [id, h] of l.ctx.histories) if (!changeDatesBySub.has(id)) changeDatesBySub.set(id, new Set(h.changes.map((c) => c.date)));
  }

  // Changes recorded after their period was invoiced: corrections planned once per run, committed with its first day.
  const late = await planLateCorrections(scope, computed, start, new Date(), { onlyLoaded: partial });
  result.problems.push(...late.problems);

  let previous: CalendarDate | null = progress ? progress.lastDate : null;
  for (let day = start; day <= date; day = addDays(day, 1)) {
    const ops = computeDay(scope, computed, day, day === start, current, adjustmentsByLine, changeDatesBySub, result);
    if (day === start) {
      ops.corrections = { inserts: late.inserts, updates: late.updates, deletes: late.deletes };
      ops.lateChecked = late.checked;
    }
    try {
      await withRetry(() => commitDay(scope, ops, previous, day));
    } catch (err) {
      if (err instanceof RunConflict || isUniqueViolation(err)) {
        result.stoppedBecause = `another daily pass processed ${day} first`;
        return result;
      }
      throw err;
    }
    applyDay(ops, current, adjustmentsByLine);
    result.days.push(day);
    result.lineChanges += ops.changes.length;
    result.adjustmentsCreated += ops.inserts.length;
    result.adjustmentsUpdated += ops.updates.length;
    result.adjustmentsRemoved += ops.deletes.length;
    result.correctionsCreated += ops.corrections.inserts.length;
    result.correctionsUpdated += ops.corrections.updates.length;
    result.correctionsRemoved += ops.corrections.deletes.length;
    previous = day;
  }
  const tenant = await ds.manager.findOneBy(Tenant, { id: tenantId });
  const policy = tenant ? reviewPolicyOf(tenant) : { reviewUsageLines: true };
  const upcoming = await prepareUpcomingInvoices(scope, loaded, addDays(date, 1), policy, skipped);
  result.upcomingPrepared = upcoming.prepared;
  result.upcomingUnchanged = upcoming.unchanged;
  result.skippedQuiet = skipped.length;
  await markChecked(scope, computed, date, new Set(result.problems.map((p) => p.recurringInvoiceId)));
  return result;
}

/*
 * Quiet days. What a day computes for a recurring invoice (its lines' quantities, the pending pro-rata adjustments of
 * its periods, late corrections) depends on its inputs, which its inputsVersion counts, and on the day only through
 * the dates its history changes on: a period that closes without a change leaves its adjustments as they were. So a
 * pass computes nothing for an active recurring invoice that the previous passes processed without problems at its
 * current version (dailyCheckedVersion: written at the end of every pass, forgotten by a trigger when its status
 * changes), whose next dated change or start (dailyWakeDate) lies after the pass, and whose recent invoices were all
 * checked for late corrections at that version (an invoice issued since has not been). Its marks stay as they are. The
 * pass leaves it out without reading its lines, links or history unless its next invoice is due for an upcoming
 * invoice (the pass prepares those: the eve of a run loads them to compose, and computes nothing for them).
 */
function quietFor(ri: RecurringInvoice, through: CalendarDate, lateDue: ReadonlySet<string>): boolean {
  return ri.dailyCheckedVersion !== null && ri.dailyCheckedVersion === ri.inputsVersion
    && (ri.dailyWakeDate === null || ri.dailyWakeDate > through)
    && !lateDue.has(ri.id);
}

/** Recurring invoices with an invoice in the late-correction lookback not yet checked at the current inputsVersion. */
async function withUncheckedInvoices(scope: TenantScope, cut: CalendarDate): Promise<Set<string>> {
  const rows = await scope.repo(Invoice).query('i')
    .select('DISTINCT i.recurringInvoiceId', 'id')
    .innerJoin(RecurringInvoice, 'ri', 'ri.id = i.recurringInvoiceId AND ri.tenantId = i.tenantId')
    .andWhere('i.periodEnd > :cut', { cut })
    .andWhere('i.lateCheckedVersion <> ri.inputsVersion')
    .getRawMany<{ id: string }>();
  return new Set(rows.map((r) => String(r.id)));
}

/** The first date after `through` on which a linked subscription's history changes, or the start date if later. */
function wakeDate(l: LoadedRecurringInvoice, through: CalendarDate): CalendarDate | null {
  let wake: CalendarDate | null = l.ri.startDate > through ? l.ri.startDate : null;
  for (const h of l.ctx.histories.values()) {
    for (const c of h.changes) if (c.date > through && (wake === null || c.date < wake)) wake = c.date;
  }
  return wake;
}

/** Marks the recurring invoices the pass processed without problems with the version it read and their wake date. */
async function markChecked(scope: TenantScope, loaded: readonly LoadedRecurringInvoice[], through: CalendarDate, failed: ReadonlySet<string>): Promise<void> {
  const done = loaded.filter((l) => !failed.has(l.ri.id));
  for (let i = 0; i < done.length; i += MARK_CHUNK) {
    const chunk = done.slice(i, i + MARK_CHUNK);
    const params: Record<string, unknown> = { ids: chunk.map((l) => l.ri.id) };
    const versions: string[] = [];
    const wakes: string[] = [];
    chunk.forEach((l, j) => {
      params[`mi${j}`] = l.ri.id;
      params[`mv${j}`] = l.ri.inputsVersion;
      versions.push(`WHEN :mi${j} THEN :mv${j}`);
      const wake = wakeDate(l, through);
      if (wake !== null) {
        params[`mw${j}`] = wake;
        wakes.push(`WHEN :mi${j} THEN :mw${j}`);
      }
    });
    await scope.repo(RecurringInvoice).updateByPrimaryKey({
      dailyCheckedVersion: () => `CASE id ${versions.join(' ')} END`,
      dailyWakeDate: () => (wakes.length === 0 ? 'NULL' : `CASE id ${wakes.join(' ')} ELSE NULL END`),
    }).andWhere('id IN (:...ids)').setParameters(params).execute();
  }
}

/** Recurring invoices marked per statement (each one three bound parameters, its wake date a fourth). */
const MARK_CHUNK = 250;

/** One day of the pass, computed without writing (the next-invoice preview runs it too: preview.ts). */
export function computeDay(
  scope: TenantScope,
  loaded: readonly LoadedRecurringInvoice[],
  day: CalendarDate,
  everyLine: boolean,
  current: ReadonlyMap<string, Decimal>,
  adjustmentsByLine: ReadonlyMap<string, ReadonlyMap<CalendarDate, RecurringInvoiceAdjustment>>,
  changeDatesBySub: ReadonlyMap<string, ReadonlySet<CalendarDate>>,
  result: Pick<DailyPassResult, 'problems'>,
): DayOps {
  const ops: DayOps = { changes: [], quantities: [], inserts: [], updates: [], deletes: [], corrections: { inserts: [], updates: [], deletes: [] }, lateChecked: [] };
  const now = new Date();
  for (const { ri, ctx } of loaded) {
    for (const spec of ctx.lines) {
      if (spec.timing === 'usage') continue;
      // Q changes only on a date some linked subscription changes; the first day of a pass looks at every line.
      if (!everyLine && !spec.links.some((l) => changeDatesBySub.get(l.subscription)?.has(day))) continue;
      try {
        const q = lineQuantityOn(spec, ctx.histories, day);
        const before = current.get(spec.id) ?? dec(0);
        if (!q.equals(before)) {
          ops.changes.push(scope.repo(RecurringInvoiceLineChange).create({
            id: randomUUID(), recurringInvoiceId: ri.id, lineId: spec.id, changeDate: day, quantityBefore: before, quantityAfter: q,
            createdAt: now, updatedAt: now,
          }));
          ops.quantities.push({ lineId: spec.id, quantity: q, date: day });
        }
        if (spec.timing !== 'advance' || spec.prorata === 'none' || day < ri.startDate) continue;
        const period = periodContaining(ctx.schedule, day);
        if (everyLine) {
          // A closed period whose adjustments are not invoiced yet is reconciled again (history recorded since it closed).
          for (const closed of closedUninvoiced(ctx.schedule, ri, period)) {
            reconcile(scope, ri.id, spec, ctx, closed, addDays(closed.end, -1), adjustmentsByLine.get(spec.id), ops, now);
          }
        }
        if (period.start < ri.startDate || day <= period.start) continue;
        reconcile(scope, ri.id, spec, ctx, period, day, adjustmentsByLine.get(spec.id), ops, now);
      } catch (err) {
        result.problems.push({ recurringInvoiceId: ri.id, lineId: spec.id, message: (err as Error).message });
      }
    }
  }
  return ops;
}

/** Periods before `current` that were billed in advance but whose adjustments no invoice has billed yet, latest first. */
function closedUninvoiced(schedule: Schedule, ri: LoadedRecurringInvoice['ri'], current: Period): Period[] {
  const out: Period[] = [];
  for (let p = previousPeriod(schedule, current.start); p.start >= ri.startDate && p.end >= ri.nextInvoiceDate; p = previousPeriod(schedule, p.start)) out.push(p);
  return out;
}

function reconcile(
  scope: TenantScope,
  recurringInvoiceId: string,
  spec: RecurringLineSpec,
  ctx: LoadedRecurringInvoice['ctx'],
  period: Period,
  day: CalendarDate,
  rows: ReadonlyMap<CalendarDate, RecurringInvoiceAdjustment> | undefined,
  ops: DayOps,
  now: Date,
): void {
  const price = unitPriceFor(spec, ctx.histories, period.start);
  const review = [...price.review, ...currencyReview(spec, ctx.histories, ctx.currency)];
  const wanted = prorataAdjustments(spec, ctx.histories, period, price.unitPrice).filter((a) => a.date <= day);
  const seen = new Set<CalendarDate>();
  for (const a of wanted) {
    seen.add(a.date);
    const row = rows?.get(a.date);
    const provenance = adjustmentProvenance(spec, a, price.source, price.asOf, review);
    if (!row) {
      const fresh = scope.repo(RecurringInvoiceAdjustment).create({
        id: randomUUID(), recurringInvoiceId, lineId: spec.id, changeDate: a.date, revision: 0, invoicedInvoiceId: null, createdAt: now, updatedAt: now,
      });
      fillAdjustment(fresh, a, period, provenance);
      ops.inserts.push(fresh);
    } else if (row.invoicedInvoiceId === null && !sameAdjustment(row, a, period)) {
      const copy = Object.assign(new RecurringInvoiceAdjustment(), row, { updatedAt: now });
      fillAdjustment(copy, a, period, provenance);
      ops.updates.push(copy);
    }
  }
  // A pending adjustment the history no longer supports (a correction recorded later) is withdrawn.
  for (const row of rows?.values() ?? []) {
    if (row.invoicedInvoiceId === null && row.periodStart === period.start && row.changeDate <= day && !seen.has(row.changeDate)) {
      ops.deletes.push(row);
    }
  }
}

async function commitDay(scope: TenantScope, ops: DayOps, previous: CalendarDate | null, day: CalendarDate): Promise<void> {
  await scope.transaction(async (tx) => {
    // Claim the day first: the progress row serialises concurrent passes of one tenant.
    const now = new Date();
    if (previous === null) {
      await tx.repo(BillingDailyProgress).insert([{ id: randomUUID(), lastDate: day, createdAt: now, updatedAt: now }]);
    } else {
      const claimed = await tx.repo(BillingDailyProgress).update({ lastDate: previous }, { lastDate: day, updatedAt: now });
      if (claimed !== 1) throw new RunConflict(`daily pass for ${day} already done`);
    }
    await insertChunked(tx, RecurringInvoiceLineChange, ops.changes);
    for (const q of ops.quantities) {
      await tx.repo(RecurringInvoiceLine).update({ id: q.lineId }, { currentQuantity: q.quantity, quantityDate: q.date, updatedAt: now });
    }
    await insertChunked(tx, RecurringInvoiceAdjustment, [...ops.inserts, ...ops.corrections.inserts]);
    for (const row of [...ops.updates, ...ops.corrections.updates]) {
      const n = await tx.repo(RecurringInvoiceAdjustment).update({ id: row.id, invoicedInvoiceId: IsNull() }, {
        periodStart: row.periodStart, periodEnd: row.periodEnd, rule: row.rule, quantity: row.quantity, quantityBefore: row.quantityBefore,
        quantityAfter: row.quantityAfter, highWaterMark: row.highWaterMark, unitPrice: row.unitPrice, days: row.days,
        periodDays: row.periodDays, provenanceJson: row.provenanceJson, updatedAt: now,
      });
      if (n !== 1) throw new RunConflict(`adjustment ${row.id} was invoiced meanwhile`);
    }
    for (const row of [...ops.deletes, ...ops.corrections.deletes]) {
      const n = await tx.repo(RecurringInvoiceAdjustment).delete({ id: row.id, invoicedInvoiceId: IsNull() });
      if (n !== 1) throw new RunConflict(`adjustment ${row.id} was invoiced meanwhile`);
    }
    for (const { version, invoiceIds } of ops.lateChecked) {
      await inChunks(invoiceIds, async (ids) => {
        await tx.repo(Invoice).update({ id: In(ids) }, { lateCheckedVersion: version });
        return [];
      });
    }
  });
}

export function applyDay(ops: DayOps, current: Map<string, Decimal>, adjustmentsByLine: Map<string, Map<CalendarDate, RecurringInvoiceAdjustment>>): void {
  for (const q of ops.quantities) current.set(q.lineId, q.quantity);
  for (const row of [...ops.inserts, ...ops.updates]) {
    let m = adjustmentsByLine.get(row.lineId);
    if (!m) adjustmentsByLine.set(row.lineId, (m = new Map()));
    m.set(row.changeDate, row);
  }
  for (const row of ops.deletes) adjustmentsByLine.get(row.lineId)?.delete(row.changeDate);
}
