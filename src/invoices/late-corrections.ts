import { In, MoreThan } from 'typeorm';
import { addDays, type CalendarDate } from '../billing/dates.js';
import { dec } from '../billing/decimal.js';
import { periodContaining, previousPeriod, type Period } from '../billing/periods.js';
import type { RecurringLineSpec } from '../billing/model.js';
import { Invoice, InvoiceLine, RecurringInvoiceAdjustment, SubscriptionChange, Tenant } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { checkPeriod, type BilledLine, type CorrectionOps, type InvoiceRef, type LateChange } from './correction-items.js';
import { inChunks } from '../db/in-chunks.js';
import { type LoadedRecurringInvoice } from './loader.js';

/**
 * Late corrections: a change recorded after the invoice that billed its period was created. Run by the daily pass on
 * the first day of each of its runs (docs/features/invoices.md, "Late corrections"):
 *
 * - **Lookback**: periods that ended less than LOOKBACK_DAYS before that day, and the current one, whose invoice exists.
 * - **Trigger**: a (line, period) is checked only when a linked subscription has a change recorded (observedAt) after
 *   the invoice that billed the item was created, less RECORDED_MARGIN_MS, and dated where it can move the item: on or
 *   before the period start for the in-advance charge (period's own invoice), before the period end for the pro-rata
 *   adjustments and the arrears charge (the next invoice, which billed them). Other periods are left as billed, so an
 *   edit of a line's configuration alone never re-bills the past.
 * - Each item then gets the pending correction that makes its total equal to what the engine gives now
 *   (correction-items.ts), billed by the recurring invoice's next invoice.
 * - **Skip**: a recurring invoice whose recent invoices were all checked at its current inputsVersion
 *   (invoices.lateCheckedVersion, written with the plan) is not checked again: the history, lines and links it reads
 *   are unchanged since, and so is its plan (already committed). A day without changes reads no history.
 */
export const LOOKBACK_DAYS = 92;

/** Changes recorded up to a day before an invoice was created are checked too (the pass may have read the history before). */
export const RECORDED_MARGIN_MS = 24 * 60 * 60 * 1000;

export interface LateCorrectionPlan extends CorrectionOps {
  problems: { recurringInvoiceId: string; lineId: string; message: string }[];
  /** Invoices whose periods this plan checked, by the recurring invoice's inputsVersion it read (committed with the plan). */
  checked: { version: number; invoiceIds: string[] }[];
}

interface Check {
  loaded: LoadedRecurringInvoice;
  spec: RecurringLineSpec;
  period: Period;
  /** advance: the period's own invoice (recurring line); arrears: the next invoice (arrears line). */
  billedInvoice: InvoiceRef;
  kind: 'recurring' | 'arrears';
  checkRecurring: boolean;
  prorataInvoice: InvoiceRef | null;
  late: LateChange[];
}

function recordedAfter(changes: readonly LateChange[], createdAt: Date, test: (c: LateChange) => boolean): boolean {
  const after = createdAt.getTime() - RECORDED_MARGIN_MS;
  return changes.some((c) => c.observedAt.getTime() > after && test(c));
}

/** The (line, period) pairs a late change can concern, for the active recurring invoices loaded by the pass. */
function findChecks(
  loaded: readonly LoadedRecurringInvoice[],
  byRi: ReadonlyMap<string, (InvoiceRef & { periodStart: string })[]>,
  lateBySub: ReadonlyMap<string, LateChange[]>,
  cut: CalendarDate,
): Check[] {
  const checks: Check[] = [];
  for (const l of loaded) {
    const invs = byRi.get(l.ri.id);
    if (!invs) continue;
    const byStart = new Map(invs.map((i) => [i.periodStart, i]));
    for (const spec of l.ctx.lines) {
      if (spec.timing === 'usage') continue;
      const late = spec.links.flatMap((k) => lateBySub.get(k.subscription) ?? []);
      if (late.length === 0) continue;
      for (const inv of invs) {
        if (spec.timing === 'advance') {
          const period = periodContaining(l.ctx.schedule, inv.periodStart);
          if (period.end <= cut) continue;
          const next = byStart.get(period.end) ?? null;
          const checkRecurring = recordedAfter(late, inv.createdAt, (c) => c.effectiveDate <= period.start);
          const prorata = spec.prorata !== 'none' && next !== null && recordedAfter(late, next.createdAt, (c) => c.effectiveDate < period.end);
          if (checkRecurring || prorata) {
            checks.push({ loaded: l, spec, period, billedInvoice: inv, kind: 'recurring', checkRecurring, prorataInvoice: prorata ? next : null, late });
          }
        } else {
          // The invoice dated on a period start bills the previous period in arrears (none on the first invoice).
          const period = previousPeriod(l.ctx.schedule, inv.periodStart);
          if (period.start < l.ri.startDate || period.end <= cut) continue;
          if (recordedAfter(late, inv.createdAt, (c) => c.effectiveDate < period.end)) {
            checks.push({ loaded: l, spec, period, billedInvoice: inv, kind: 'arrears', checkRecurring: false, prorataInvoice: null, late });
          }
        }
      }
    }
  }
  return checks;
}

/**
 * Plans the pending corrections for changes recorded after their period was invoiced (nothing is written here; the
 * daily pass commits the plan with its first day). Tenant-scoped reads: recent invoices, late changes, then the
 * billed lines and adjustment rows of the periods those changes concern.
 */
export async function planLateCorrections(
  scope: TenantScope,
  loaded: readonly LoadedRecurringInvoice[],
  day: CalendarDate,
  now: Date,
  opts: { /** `loaded` is a few of the active recurring invoices (a quiet day): read only their invoices. */ onlyLoaded?: boolean } = {},
): Promise<LateCorrectionPlan> {
  const plan: LateCorrectionPlan = { inserts: [], updates: [], deletes: [], problems: [], checked: [] };
  if (loaded.length === 0) return plan;
  const cut = addDays(day, -LOOKBACK_DAYS);
  const versionOf = new Map(loaded.map((l) => [l.ri.id, l.ri.inputsVersion]));
  const select = { id: true, recurringInvoiceId: true, periodStart: true, invoiceDate: true, number: true, createdAt: true, lateCheckedVersion: true } as const;
  const recent = (opts.onlyLoaded
    ? await inChunks([...versionOf.keys()], (ids) => scope.repo(Invoice).find({ select, where: { periodEnd: MoreThan(cut), recurringInvoiceId: In(ids) } }))
    : await scope.repo(Invoice).find({ select, where: { periodEnd: MoreThan(cut) } })).filter((i) => versionOf.has(i.recurringInvoiceId));
  const stale = new Set(recent.filter((i) => i.lateCheckedVersion !== versionOf.get(i.recurringInvoiceId)).map((i) => i.recurringInvoiceId));
  const invoices = recent.filter((i) => stale.has(i.recurringInvoiceId));
  if (invoices.length === 0) return plan;
  const toMark = new Map<string, string[]>();
  for (const i of invoices) {
    const list = toMark.get(i.recurringInvoiceId) ?? [];
    list.push(i.id);
    toMark.set(i.recurringInvoiceId, list);
  }
  const markChecked = () => {
    const failed = new Set(plan.problems.map((p) => p.recurringInvoiceId));
    const byVersion = new Map<number, string[]>();
    for (const [riId, ids] of toMark) {
      if (failed.has(riId)) continue; // checked again next pass, reporting its problem again
      const v = versionOf.get(riId)!;
      byVersion.set(v, [...(byVersion.get(v) ?? []), ...ids]);
    }
    plan.checked = [...byVersion].map(([version, invoiceIds]) => ({ version, invoiceIds }));
    return plan;
  };
  const oldest = invoices.reduce((m, i) => Math.min(m, i.createdAt.getTime()), Number.POSITIVE_INFINITY);
  const changes = await scope.repo(SubscriptionChange).find({
    select: { id: true, subscriptionId: true, effectiveDate: true, observedAt: true },
    where: { observedAt: MoreThan(new Date(oldest - RECORDED_MARGIN_MS)) },
  });
  if (changes.length === 0) return markChecked();

  const lateBySub = new Map<string, LateChange[]>();
  for (const c of changes) {
    const list = lateBySub.get(c.subscriptionId) ?? [];
    list.push({ subscriptionId: c.subscriptionId, effectiveDate: c.effectiveDate, observedAt: c.observedAt });
    lateBySub.set(c.subscriptionId, list);
  }
  const byRi = new Map<string, (InvoiceRef & { periodStart: string })[]>();
  for (const i of invoices) {
    const list = byRi.get(i.recurringInvoiceId) ?? [];
    list.push({ id: i.id, number: i.number, invoiceDate: i.invoiceDate, createdAt: i.createdAt, periodStart: i.periodStart });
    byRi.set(i.recurringInvoiceId, list);
  }
  const checks = findChecks(loaded, byRi, lateBySub, cut);
  if (checks.length === 0) return markChecked();

  const lineIds = [...new Set(checks.map((c) => c.spec.id))];
  const billedLines = await inChunks(checks.map((c) => c.billedInvoice.id), (ids) => scope.repo(InvoiceLine).find({
    select: { id: true, invoiceId: true, recurringInvoiceLineId: true, kind: true, quantity: true, unitPrice: true, amount: true, provenanceJson: true },
    where: { invoiceId: In(ids), kind: In(['recurring', 'arrears']) },
  }));
  const billedBy = new Map(billedLines.map((l) => [`${l.invoiceId} ${l.recurringInvoiceLineId ?? ''} ${l.kind}`, l]));
  const rows = await inChunks(lineIds, (ids) => scope.repo(RecurringInvoiceAdjustment).findBy({ lineId: In(ids), periodEnd: MoreThan(cut) }));
  const rowsBy = new Map<string, RecurringInvoiceAdjustment[]>();
  for (const r of rows) {
    const key = `${r.lineId} ${r.periodStart}`;
    const list = rowsBy.get(key);
    if (list) list.push(r);
    else rowsBy.set(key, [r]);
  }
  const refs = new Map(recent.map((i) => [i.id, { id: i.id, number: i.number, invoiceDate: i.invoiceDate, createdAt: i.createdAt }]));
  const tenant = await scope.manager.findOneBy(Tenant, { id: scope.tenantId });
  const timeZone = tenant?.timeZone ?? 'UTC';

  for (const c of checks) {
    const line = billedBy.get(`${c.billedInvoice.id} ${c.spec.id} ${c.kind}`);
    if (!line) continue; // the line was not on that invoice (added later): its past is not re-billed
    const billed: BilledLine = {
      invoice: c.billedInvoice, quantity: dec(line.quantity.toString()), unitPrice: dec(line.unitPrice.toString()),
      amount: dec(line.amount.toString()), provenance: JSON.parse(line.provenanceJson) as BilledLine['provenance'],
    };
    try {
      const problem = checkPeriod(scope, {
        recurringInvoiceId: c.loaded.ri.id, spec: c.spec, ctx: c.loaded.ctx, period: c.period, billed,
        checkRecurring: c.checkRecurring, prorataInvoice: c.prorataInvoice, rows: rowsBy.get(`${c.spec.id} ${c.period.start}`) ?? [],
        late: c.late, invoices: refs, marginMs: RECORDED_MARGIN_MS, timeZone,
      }, plan, now);
      if (problem) plan.problems.push({ recurringInvoiceId: c.loaded.ri.id, lineId: c.spec.id, message: `late correction of ${c.period.start}: ${problem}` });
    } catch (err) {
      plan.problems.push({ recurringInvoiceId: c.loaded.ri.id, lineId: c.spec.id, message: `late correction of ${c.period.start}: ${(err as Error).message}` });
    }
  }
  return markChecked();
}
