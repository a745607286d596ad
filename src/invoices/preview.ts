import type { Decimal } from 'decimal.js';
import { IsNull, MoreThan, MoreThanOrEqual } from 'typeorm';
import { addDays, type CalendarDate } from '../billing/dates.js';
import { dec } from '../billing/decimal.js';
import { previousPeriod } from '../billing/periods.js';
import {
  BillingDailyProgress, RecurringInvoiceAdjustment, RecurringInvoiceLineChange, type Tenant,
} from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { composeInvoice, reviewPolicyOf, type ComposedInvoice } from './compose.js';
import { applyDay, computeDay, type DailyPassResult } from './daily-pass.js';
import { planLateCorrections } from './late-corrections.js';
import { loadRecurringInvoices } from './loader.js';
import { InvoiceError } from './queries.js';

/**
 * The next invoice of a recurring invoice as the history is recorded now (issue 23): what the run would bill if the
 * daily pass had already processed every day up to today (or the eve of the invoice date, if that is earlier). The
 * days the pass has not processed yet are computed in memory, with the pass's own code (`computeDay`), from the
 * pending adjustments it left; nothing is written.
 */

/** A change of a line's billed quantity Q the preview includes. */
export interface PreviewChange {
  lineId: string;
  line: string;
  date: CalendarDate;
  quantityBefore: string;
  quantityAfter: string;
  /** Recorded by the daily pass already (true), or only in the subscription history so far (false: this preview computed it). */
  processed: boolean;
}

export interface InvoicePreview {
  invoice: ComposedInvoice;
  /** The history is read up to this day: today (tenant time), or the eve of the invoice date when that is earlier. */
  historyThrough: CalendarDate;
  /** The last day the daily pass processed (null: never). */
  dailyPassThrough: CalendarDate | null;
  /** Quantity changes after the start of the period whose adjustments and arrears this invoice bills, up to historyThrough, in date order. */
  changes: PreviewChange[];
  /** Lines the pass could not compute on the days it had not processed (as the pass would report them). */
  problems: string[];
}

export async function previewNextInvoice(scope: TenantScope, tenant: Tenant, recurringInvoiceId: string, today: CalendarDate): Promise<InvoicePreview> {
  const [loaded] = await loadRecurringInvoices(scope, { ids: [recurringInvoiceId], statuses: ['active', 'paused', 'ended'] });
  if (!loaded) throw new InvoiceError('recurring invoice not found', 'not_found');
  const { ri } = loaded;
  const date = ri.nextInvoiceDate;
  const eve = addDays(date, -1);
  const through = today < eve ? today : eve;
  const dailyPassThrough = (await scope.repo(BillingDailyProgress).findOneBy({}))?.lastDate ?? null;
  const unbilled = await scope.repo(RecurringInvoiceAdjustment).findBy({ recurringInvoiceId: ri.id, invoicedInvoiceId: IsNull() });
  const names = new Map(loaded.lines.map((l) => [l.id, l.description]));
  const changes: PreviewChange[] = [];
  const problems: string[] = [];
  let pending = unbilled;

  // The pass reconciles active recurring invoices only; it starts after its last day (or at the earliest start).
  const start = dailyPassThrough !== null ? addDays(dailyPassThrough, 1) : ri.startDate < through ? ri.startDate : through;
  if (ri.status === 'active' && start <= through) {
    const revision0 = await scope.repo(RecurringInvoiceAdjustment).findBy({
      recurringInvoiceId: ri.id, revision: 0, periodEnd: MoreThanOrEqual(ri.nextInvoiceDate < addDays(start, 1) ? ri.nextInvoiceDate : addDays(start, 1)),
    });
    const byLine = new Map<string, Map<CalendarDate, RecurringInvoiceAdjustment>>();
    for (const row of revision0) {
      if (!byLine.has(row.lineId)) byLine.set(row.lineId, new Map());
      byLine.get(row.lineId)!.set(row.changeDate, row);
    }
    const current = new Map<string, Decimal>(loaded.lines.map((l) => [l.id, dec(l.currentQuantity.toString())]));
    const changeDatesBySub = new Map([...loaded.ctx.histories].map(([id, h]) => [id, new Set(h.changes.map((c) => c.date))]));
    const result: Pick<DailyPassResult, 'problems'> = { problems: [] };
    const removed = new Set<string>();
    for (let day = start; day <= through; day = addDays(day, 1)) {
      const ops = computeDay(scope, [loaded], day, day === start, current, byLine, changeDatesBySub, result);
      applyDay(ops, current, byLine);
      for (const row of ops.deletes) removed.add(row.id);
      for (const c of ops.changes) {
        changes.push({ lineId: c.lineId, line: names.get(c.lineId) ?? c.lineId, date: c.changeDate, quantityBefore: c.quantityBefore.toString(), quantityAfter: c.quantityAfter.toString(), processed: false });
      }
    }
    const late = await planLateCorrections(scope, [loaded], start, new Date());
    problems.push(...[...result.problems, ...late.problems].map((p) => `${names.get(p.lineId) ?? p.lineId}: ${p.message}`));
    const lateChanged = new Map([...late.updates, ...late.inserts].map((r) => [r.id, r]));
    const lateRemoved = new Set(late.deletes.map((r) => r.id));
    const revision0Now = [...byLine.values()].flatMap((m) => [...m.values()]).filter((r) => r.invoicedInvoiceId === null && !removed.has(r.id));
    const corrections = unbilled.filter((r) => r.revision > 0 && !lateRemoved.has(r.id)).map((r) => lateChanged.get(r.id) ?? r);
    const tracked = new Set(revision0.map((r) => r.id));
    const untracked = unbilled.filter((r) => r.revision === 0 && !tracked.has(r.id));
    pending = [...untracked, ...revision0Now, ...corrections, ...late.inserts];
  }

  const invoice = composeInvoice(loaded, date, pending, reviewPolicyOf(tenant));
  // The changes the pass recorded already, from the start of the period this invoice bills adjustments and arrears for.
  const from = previousPeriod(loaded.ctx.schedule, date).start;
  const recorded = await scope.repo(RecurringInvoiceLineChange).findBy({ recurringInvoiceId: ri.id, changeDate: MoreThan(from) });
  changes.push(...recorded.filter((c) => c.changeDate > from && c.changeDate <= through).map((c) => ({
    lineId: c.lineId, line: names.get(c.lineId) ?? c.lineId, date: c.changeDate, quantityBefore: c.quantityBefore.toString(), quantityAfter: c.quantityAfter.toString(), processed: true,
  })));
  changes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  return { invoice, historyThrough: through, dailyPassThrough, changes: changes.filter((c) => c.date > from), problems };
}
