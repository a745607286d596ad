import { randomUUID } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import { arrearsCharge, type QuantitySegment } from '../billing/arrears.js';
import {
  correctionAmount, correctionFactors, type CorrectionFactors, quantityDays, segmentDifference,
} from '../billing/correction.js';
import { addDays, type CalendarDate, daysBetween } from '../billing/dates.js';
import { dec, sum, ZERO } from '../billing/decimal.js';
import { localDateOf } from '../billing/localdate.js';
import type { BillingContext, RecurringLineSpec } from '../billing/model.js';
import { type Exact, roundMoney } from '../billing/money.js';
import type { Period } from '../billing/periods.js';
import { currencyReview, unitPriceFor } from '../billing/price.js';
import { prorataAdjustments } from '../billing/prorata.js';
import { billableForLink, lineQuantityOn } from '../billing/quantity.js';
import { RecurringInvoiceAdjustment } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import {
  arrearsWhat, correctionCalculation, type CorrectionFacts, prorataWhat, recurringWhat,
} from './correction-words.js';

/**
 * One line and one already invoiced period, checked against the history as now recorded: each item billed for it
 * (the in-advance charge, each pro-rata adjustment, the arrears charge) gets the pending correction that makes what
 * it billed in all equal to what the engine now gives for it, or none.
 */

/** A change recorded late enough to concern an invoiced period (see late-corrections.ts). */
export interface LateChange {
  subscriptionId: string;
  effectiveDate: CalendarDate;
  observedAt: Date;
}

export interface InvoiceRef {
  id: string;
  number: number | null;
  invoiceDate: CalendarDate;
  createdAt: Date;
}

interface BilledProvenance {
  subscriptions?: string[];
  quantities?: { from: string; to: string; quantity: string; links?: { subscription: string; active: boolean; quantity: string; billable: string }[] }[];
}

/** The line billed for the period: the recurring line on the period's own invoice, or the arrears line on the next. */
export interface BilledLine {
  invoice: InvoiceRef;
  quantity: Decimal;
  unitPrice: Decimal;
  amount: Decimal;
  provenance: BilledProvenance;
}

export interface PeriodCheck {
  recurringInvoiceId: string;
  spec: RecurringLineSpec;
  ctx: BillingContext;
  period: Period;
  billed: BilledLine;
  /** Advance lines: check the in-advance charge (a late change dated on or before the period start). */
  checkRecurring: boolean;
  /** Advance lines: the invoice that billed the period's pro-rata adjustments, when they are to be checked. */
  prorataInvoice: InvoiceRef | null;
  /** Every adjustment row (all revisions) of the line and period. */
  rows: readonly RecurringInvoiceAdjustment[];
  late: readonly LateChange[];
  /** The tenant's recent invoices by id (to name the invoice a correction refers to). */
  invoices: ReadonlyMap<string, InvoiceRef>;
  /** A change recorded up to this long before an invoice was created may be missing from it. */
  marginMs: number;
  timeZone: string;
}

export interface CorrectionOps {
  inserts: RecurringInvoiceAdjustment[];
  updates: RecurringInvoiceAdjustment[];
  deletes: RecurringInvoiceAdjustment[];
}

/** One item of the period, as billed and as now computed. */
interface Item {
  kind: CorrectionFacts['item'];
  date: CalendarDate;
  /** The invoice whose creation makes a change late for this item (the one that billed, or would have billed, it). */
  trigger: InvoiceRef;
  /** The invoice the words name: where the item was last billed (its latest billed correction, else its line). */
  corrects: InvoiceRef;
  /** The item from the history as now recorded; null when it no longer exists. */
  corrected: Exact | null;
  /** Amounts already on invoices (or pending, not corrections): never touched. */
  fixed: Decimal[];
  /** ΔQ × price × days / periodDays when the billed terms share price and factor. */
  natural: CorrectionFactors | null;
  what: string;
  now: CorrectionFacts['now'];
  quantities: { from: string; to: string; quantity: string }[];
  quantityBefore: Decimal;
  quantityAfter: Decimal;
  highWaterMark: Decimal | null;
  /** The late changes that can have moved this item. */
  relevant: (c: LateChange) => boolean;
}

const RULE = 'late correction: the item as the recorded history now gives it (rounded once) less what it billed';

function rowAmount(row: RecurringInvoiceAdjustment, currency: string): Decimal {
  return roundMoney({ numerator: dec(row.quantity.toString()).mul(dec(row.unitPrice.toString())).mul(row.days), denominator: row.periodDays }, currency);
}

/** Billed or revision-0 rows are fixed; a pending correction (revision ≥ 1) is this check's own to change. */
function isFixed(row: RecurringInvoiceAdjustment): boolean {
  return row.invoicedInvoiceId !== null || row.revision === 0;
}

function factsOf(row: RecurringInvoiceAdjustment): CorrectionFacts | null {
  return (JSON.parse(row.provenanceJson) as { correction?: CorrectionFacts }).correction ?? null;
}

function sameValue(a: Decimal | null, b: Decimal | null): boolean {
  return a === null || b === null ? a === b : dec(a.toString()).equals(dec(b.toString()));
}

/** Where the item was last billed: the invoice of its latest billed row, else `fallback`. */
function lastBilledOn(check: PeriodCheck, fixedRows: readonly RecurringInvoiceAdjustment[], fallback: InvoiceRef): InvoiceRef {
  const last = fixedRows.filter((r) => r.invoicedInvoiceId !== null).sort((a, b) => a.revision - b.revision).at(-1);
  return (last && check.invoices.get(last.invoicedInvoiceId!)) || fallback;
}

/** The links billed for the period (in billed order), or why the period cannot be corrected automatically. */
function billedLinks(check: PeriodCheck): { spec: RecurringLineSpec } | { problem: string } {
  const current = new Map(check.spec.links.map((l) => [l.subscription, l]));
  const billedSubs = check.billed.provenance.subscriptions ?? [];
  const gone = billedSubs.filter((s) => !current.has(s));
  const when = `since the invoice of ${check.billed.invoice.invoiceDate} was billed`;
  if (gone.length > 0) return { problem: `subscription(s) ${gone.join(', ')} no longer linked ${when}: not corrected automatically` };
  for (const l of check.billed.provenance.quantities?.[0]?.links ?? []) {
    const link = current.get(l.subscription)!;
    const billable = billableForLink(link, { started: true, active: l.active, quantity: dec(l.quantity), price: null });
    if (!billable.equals(dec(l.billable))) return { problem: `free or minimum quantity of subscription ${l.subscription} changed ${when}: not corrected automatically` };
  }
  return { spec: { ...check.spec, links: billedSubs.map((s) => current.get(s)!) } };
}

function recurringItem(check: PeriodCheck, spec: RecurringLineSpec, price: Decimal, rows: RecurringInvoiceAdjustment[]): Item {
  const { period, billed } = check;
  const quantity = lineQuantityOn(spec, check.ctx.histories, period.start);
  const fixedRows = rows.filter(isFixed);
  const terms = [{ quantity: billed.quantity, unitPrice: billed.unitPrice, days: 1, periodDays: 1 }, ...fixedRows];
  const alike = terms.every((t) => dec(t.unitPrice.toString()).equals(price) && t.days === 1 && t.periodDays === 1);
  const lastCorrection = fixedRows.filter((r) => r.revision > 0).sort((a, b) => a.revision - b.revision).at(-1);
  const asBilled = (lastCorrection && factsOf(lastCorrection)?.now) || { quantity: billed.quantity.toString(), unitPrice: billed.unitPrice.toString() };
  return {
    kind: 'recurring', date: period.start, trigger: billed.invoice, corrects: lastBilledOn(check, fixedRows, billed.invoice),
    corrected: { numerator: quantity.mul(price), denominator: 1 },
    fixed: [billed.amount, ...fixedRows.map((r) => rowAmount(r, check.ctx.currency))],
    natural: alike ? { quantity: quantity.sub(sum(terms.map((t) => dec(t.quantity.toString())))), unitPrice: price, days: 1, periodDays: 1 } : null,
    what: recurringWhat(period.start, { quantity, unitPrice: price }, { quantity: asBilled.quantity ?? '0', unitPrice: asBilled.unitPrice ?? price.toString() }, check.ctx.currency),
    now: { quantity: quantity.toString(), unitPrice: price.toString() },
    quantities: [{ from: period.start, to: period.end, quantity: quantity.toString() }],
    quantityBefore: dec(asBilled.quantity ?? '0'), quantityAfter: quantity, highWaterMark: null,
    relevant: (c) => c.effectiveDate <= period.start,
  };
}

function prorataItems(check: PeriodCheck, spec: RecurringLineSpec, price: Decimal, rows: RecurringInvoiceAdjustment[], invoice: InvoiceRef): Item[] {
  const { period } = check;
  const wanted = new Map(prorataAdjustments(spec, check.ctx.histories, period, price).map((a) => [a.date, a]));
  const dates = [...new Set([...wanted.keys(), ...rows.map((r) => r.changeDate)])].filter((d) => d > period.start).sort();
  return dates.map((date) => {
    const a = wanted.get(date);
    const mine = rows.filter((r) => r.changeDate === date);
    const fixedRows = mine.filter(isFixed);
    const first = fixedRows.find((r) => r.revision === 0);
    // An own price is not history: an adjustment keeps the price it was billed at.
    const itemPrice = spec.price !== 'follow' && first ? dec(first.unitPrice.toString()) : price;
    const days = daysBetween(date, period.end);
    const quantity = a?.quantity ?? ZERO;
    const alike = fixedRows.every((r) => dec(r.unitPrice.toString()).equals(itemPrice) && r.days === days && r.periodDays === period.days);
    const before = lineQuantityOn(spec, check.ctx.histories, addDays(date, -1));
    const after = lineQuantityOn(spec, check.ctx.histories, date);
    const last = [...fixedRows].sort((x, y) => x.revision - y.revision).at(-1);
    const lastNow = last && last.revision > 0 ? factsOf(last)?.now : undefined;
    const asBilled = !last ? null
      : lastNow ? (lastNow.quantityBefore !== undefined && lastNow.quantityAfter !== undefined
        ? { before: lastNow.quantityBefore, after: lastNow.quantityAfter, ...(lastNow.unitPrice === undefined ? {} : { unitPrice: lastNow.unitPrice }) } : null)
        : { before: last.quantityBefore.toString(), after: last.quantityAfter.toString(), unitPrice: last.unitPrice.toString() };
    return {
      // Never billed: named after the period's own invoice (the period's billing it belongs to).
      kind: 'prorata' as const, date, trigger: invoice, corrects: lastBilledOn(check, fixedRows, check.billed.invoice),
      corrected: a ? { numerator: quantity.mul(itemPrice).mul(days), denominator: period.days } : null,
      fixed: fixedRows.map((r) => rowAmount(r, check.ctx.currency)),
      natural: alike ? { quantity: quantity.sub(sum(fixedRows.map((r) => dec(r.quantity.toString())))), unitPrice: itemPrice, days, periodDays: period.days } : null,
      what: prorataWhat(date, { before, after, unitPrice: itemPrice }, asBilled, check.ctx.currency),
      now: { quantityBefore: before.toString(), quantityAfter: after.toString(), quantity: quantity.toString(), unitPrice: itemPrice.toString() },
      quantities: [{ from: date, to: period.end, quantity: after.toString() }],
      quantityBefore: before, quantityAfter: after, highWaterMark: a?.highWaterMark ?? null,
      relevant: (c: LateChange) => c.effectiveDate <= date,
    };
  });
}

function segmentsOf(list: readonly { from: string; to: string; quantity: string }[] | undefined): QuantitySegment[] {
  return (list ?? []).map((s) => ({ from: s.from, to: s.to, quantity: dec(s.quantity) }));
}

function arrearsItem(check: PeriodCheck, spec: RecurringLineSpec, price: Decimal, rows: RecurringInvoiceAdjustment[]): Item {
  const { period, billed } = check;
  const charge = arrearsCharge(spec, check.ctx.histories, period, price);
  const fixedRows = rows.filter(isFixed);
  const lastCorrection = fixedRows.filter((r) => r.revision > 0).sort((a, b) => a.revision - b.revision).at(-1);
  const billedTimeline = segmentsOf((lastCorrection && factsOf(lastCorrection)?.now.segments) || billed.provenance.quantities);
  const billedDays = quantityDays(segmentsOf(billed.provenance.quantities));
  const alike = billed.unitPrice.equals(price) && fixedRows.every((r) => dec(r.unitPrice.toString()).equals(price) && r.periodDays === period.days);
  const delta = charge.quantityDays.sub(billedDays).sub(sum(fixedRows.map((r) => dec(r.quantity.toString()).mul(r.days))));
  const differences = segmentDifference(billedTimeline, charge.segments);
  const single = differences.length === 1 && differences[0]!.delta.mul(daysBetween(differences[0]!.from, differences[0]!.to)).equals(delta) ? differences[0]! : null;
  const natural: CorrectionFactors | null = !alike ? null
    : single ? { quantity: single.delta, unitPrice: price, days: daysBetween(single.from, single.to), periodDays: period.days }
      : { quantity: delta, unitPrice: price, days: 1, periodDays: period.days };
  const segments = charge.segments.map((s) => ({ from: s.from, to: s.to, quantity: s.quantity.toString() }));
  return {
    kind: 'arrears', date: period.start, trigger: billed.invoice, corrects: lastBilledOn(check, fixedRows, billed.invoice), corrected: charge.exact,
    fixed: [billed.amount, ...fixedRows.map((r) => rowAmount(r, check.ctx.currency))],
    natural, what: arrearsWhat(differences), now: { segments }, quantities: segments,
    quantityBefore: billedDays, quantityAfter: charge.quantityDays, highWaterMark: null,
    relevant: (c) => c.effectiveDate < period.end,
  };
}

/** The latest of the relevant late changes recorded after the corrected invoice was created (margin included), as a local date. */
function recordedOn(check: PeriodCheck, item: Item): CalendarDate | null {
  const after = item.trigger.createdAt.getTime() - check.marginMs;
  const times = check.late.filter((c) => item.relevant(c) && c.observedAt.getTime() > after).map((c) => c.observedAt.getTime());
  return times.length === 0 ? null : localDateOf(new Date(Math.max(...times)).toISOString(), check.timeZone);
}

function fill(row: RecurringInvoiceAdjustment, check: PeriodCheck, item: Item, f: CorrectionFactors, provenanceJson: string): void {
  row.periodStart = check.period.start;
  row.periodEnd = check.period.end;
  row.rule = 'correction';
  row.quantity = f.quantity;
  row.quantityBefore = item.quantityBefore;
  row.quantityAfter = item.quantityAfter;
  row.highWaterMark = item.highWaterMark;
  row.unitPrice = f.unitPrice;
  row.days = f.days;
  row.periodDays = f.periodDays;
  row.provenanceJson = provenanceJson;
}

function unchanged(row: RecurringInvoiceAdjustment, wanted: RecurringInvoiceAdjustment): boolean {
  return row.periodStart === wanted.periodStart && row.periodEnd === wanted.periodEnd && row.rule === wanted.rule
    && sameValue(row.quantity, wanted.quantity) && sameValue(row.unitPrice, wanted.unitPrice) && row.days === wanted.days
    && row.periodDays === wanted.periodDays && sameValue(row.quantityBefore, wanted.quantityBefore)
    && sameValue(row.quantityAfter, wanted.quantityAfter) && sameValue(row.highWaterMark, wanted.highWaterMark)
    && row.provenanceJson === wanted.provenanceJson;
}

/** Keeps the item's pending correction equal to what is still owed: none, one updated in place, or a new revision. */
function reconcileItem(scope: TenantScope, check: PeriodCheck, spec: RecurringLineSpec, price: { source: string; asOf: string; review: string[] }, item: Item, rows: RecurringInvoiceAdjustment[], ops: CorrectionOps, now: Date): void {
  const currency = check.ctx.currency;
  const pending = rows.filter((r) => r.changeDate === item.date && !isFixed(r)).sort((a, b) => a.revision - b.revision);
  const amount = correctionAmount(item.corrected, item.fixed, currency);
  if (amount.isZero()) {
    ops.deletes.push(...pending);
    return;
  }
  const corrected = item.corrected === null ? ZERO : roundMoney(item.corrected, currency);
  const billedAmount = sum(item.fixed);
  const { factors, natural } = correctionFactors(amount, item.natural, currency);
  const facts: CorrectionFacts = {
    item: item.kind,
    corrects: { invoiceId: item.corrects.id, number: item.corrects.number, invoiceDate: item.corrects.invoiceDate },
    period: { start: check.period.start, end: check.period.end },
    date: item.date, what: item.what, recorded: recordedOn(check, item),
    calculation: correctionCalculation(factors, natural, corrected, billedAmount, currency),
    corrected: corrected.toString(), billed: billedAmount.toString(), now: item.now,
  };
  const provenanceJson = JSON.stringify({
    rule: RULE, subscriptions: spec.links.map((l) => l.subscription), quantities: item.quantities,
    price: { source: price.source, asOf: price.asOf }, factor: { days: factors.days, periodDays: factors.periodDays },
    review: price.review, correction: facts,
  });
  const [keep, ...extra] = pending;
  ops.deletes.push(...extra);
  if (keep) {
    const copy = Object.assign(new RecurringInvoiceAdjustment(), keep, { updatedAt: now });
    fill(copy, check, item, factors, provenanceJson);
    if (!unchanged(keep, copy)) ops.updates.push(copy);
    return;
  }
  const revision = Math.max(0, ...rows.filter((r) => r.changeDate === item.date).map((r) => r.revision)) + 1;
  const fresh = scope.repo(RecurringInvoiceAdjustment).create({
    id: randomUUID(), recurringInvoiceId: check.recurringInvoiceId, lineId: check.spec.id, changeDate: item.date, revision,
    invoicedInvoiceId: null, createdAt: now, updatedAt: now,
  });
  fill(fresh, check, item, factors, provenanceJson);
  ops.inserts.push(fresh);
}

/** Pending corrections for one line and invoiced period; a problem when it cannot be corrected automatically. */
export function checkPeriod(scope: TenantScope, check: PeriodCheck, ops: CorrectionOps, now: Date): string | null {
  const links = billedLinks(check);
  if ('problem' in links) return links.problem;
  const spec = links.spec;
  const { ctx, period } = check;
  const followed = spec.price === 'follow' ? unitPriceFor(spec, ctx.histories, period.start) : null;
  // A followed price follows the recorded history (a late price change is corrected too); an own price is the one billed.
  const unitPrice = followed?.unitPrice ?? check.billed.unitPrice;
  const price = {
    source: followed?.source ?? 'line', asOf: period.start,
    review: [...(followed?.review ?? []), ...currencyReview(spec, ctx.histories, ctx.currency)],
  };
  const rows = [...check.rows];
  const items: Item[] = [];
  if (spec.timing === 'arrears') items.push(arrearsItem(check, spec, unitPrice, rows.filter((r) => r.changeDate === period.start)));
  else {
    if (check.checkRecurring) items.push(recurringItem(check, spec, unitPrice, rows.filter((r) => r.changeDate === period.start)));
    if (check.prorataInvoice !== null && spec.prorata !== 'none') items.push(...prorataItems(check, spec, unitPrice, rows.filter((r) => r.changeDate > period.start), check.prorataInvoice));
  }
  for (const item of items) reconcileItem(scope, check, spec, price, item, rows, ops, now);
  return null;
}
