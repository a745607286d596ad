import type { Decimal } from 'decimal.js';
import type { CalendarDate } from '../billing/dates.js';
import { dec, sum } from '../billing/decimal.js';
import { buildInvoice, type LineKind } from '../billing/invoice.js';
import { previousPeriod } from '../billing/periods.js';
import { lineTax, roundMoney, type Exact } from '../billing/money.js';
import type { TaxKind } from '../billing/tax.js';
import type { RecurringInvoiceAdjustment, Tenant } from '../db/entities/index.js';
import { tenantSettings } from '../tenants/service.js';
import { timeOrderedId } from '../db/row-ids.js';
import type { LoadedRecurringInvoice } from './loader.js';
import { describeCorrection, type CorrectionFacts } from './correction-words.js';
import { describeProrata } from './words.js';
import { costOf, unitCostFor } from './line-cost.js';

/* Composing an invoice from a loaded recurring invoice and its pending adjustments: pure, no database. */

export interface ComposedLine {
  recurringInvoiceLineId: string | null;
  adjustmentId: string | null;
  kind: LineKind;
  description: string;
  from: CalendarDate;
  to: CalendarDate;
  quantity: Decimal;
  unitPrice: Decimal;
  amount: Decimal;
  /** The rate this line is taxed at, and its tax code and kind (null code: the recurring invoice's rate). */
  taxRate: Decimal;
  taxCode: string | null;
  taxKind: TaxKind;
  tax: Decimal;
  review: string[];
  provenance: Record<string, unknown>;
  /** The unit cost and cost of the line (line-cost.ts); null or absent: not known. */
  unitCost?: Decimal | null;
  cost?: Decimal | null;
}

export interface ComposedInvoice {
  /**
   * Issued from an upcoming invoice (upcoming.ts): the invoice takes its id, under which its lines are stored already,
   * and `lines` holds only the adjustments that follow them; subtotal, tax, total and review include both.
   */
  upcoming?: { id: string; lineCount: number };
  date: CalendarDate;
  periodStart: CalendarDate;
  periodEnd: CalendarDate;
  currency: string;
  taxRate: Decimal;
  lines: ComposedLine[];
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
  review: string[];
  adjustmentIds: string[];
}

export interface ReviewPolicy {
  /** Tenant setting imports.reviewUsageLines: usage lines hold the invoice for review. */
  reviewUsageLines: boolean;
  /**
   * Today in the tenant's zone, at the run. A usage month that ends after it (its next month's 1st is later) is not
   * over, so its charges are not final: the line says "charges so far" and holds the invoice for review. Unset (the
   * daily pass's upcoming invoices, previews): every month is taken as final, as before.
   */
  today?: CalendarDate;
}

export function reviewPolicyOf(tenant: Tenant): ReviewPolicy {
  return { reviewUsageLines: tenantSettings(tenant).imports.reviewUsageLines };
}

/** An invoice line's stored columns (an upcoming invoice's lines are stored the same way). */
export function lineRow(l: ComposedLine, position: number, now: Date, invoiceId: string) {
  return {
    id: timeOrderedId(), invoiceId, position, recurringInvoiceLineId: l.recurringInvoiceLineId, adjustmentId: l.adjustmentId, kind: l.kind, description: l.description.slice(0, 255),
    fromDate: l.from, toDate: l.to, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, tax: l.tax,
    taxRate: l.taxRate, taxCode: l.taxCode, taxKind: l.taxKind, unitCost: l.unitCost ?? null, cost: l.cost ?? null,
    reviewJson: l.review.length === 0 ? '[]' : JSON.stringify(l.review), provenanceJson: JSON.stringify(l.provenance), createdAt: now, updatedAt: now,
  };
}

function exactJson(e: Exact): { numerator: string; denominator: number } {
  return { numerator: e.numerator.toString(), denominator: e.denominator };
}

/** What describing and ordering a pending adjustment needs of its recurring-invoice line. */
export interface LineInfo {
  id: string;
  position: number;
  description: string;
  reviewRequired: boolean;
  /** The line's tax, which its adjustments bill too (absent in upcoming invoices stored before tax codes: the invoice's rate). */
  tax?: { rate: string; code: string | null; kind: TaxKind };
  /** The line's unit cost for the period starting `periodStart` (the one before the invoice date), for its adjustments of that period. */
  cost?: { periodStart: CalendarDate; unitCost: string | null };
}

/** `date`: the invoice date, whose previous period's unit cost the adjustments carry (none without it). */
export function lineInfoOf(loaded: LoadedRecurringInvoice, date?: CalendarDate): LineInfo[] {
  const billed = date === undefined ? undefined : previousPeriod(loaded.ctx.schedule, date).start;
  const specs = new Map(loaded.ctx.lines.map((s) => [s.id, s]));
  return loaded.lines.map((l) => {
    const t = loaded.tax.get(l.id);
    const c = billed === undefined ? undefined : unitCostFor(l, specs.get(l.id), loaded.ctx.histories, billed).unitCost;
    return {
      id: l.id, position: l.position, description: l.description, reviewRequired: l.reviewRequired,
      ...(t ? { tax: { rate: t.rate.toString(), code: t.code, kind: t.kind } } : {}),
      ...(billed === undefined ? {} : { cost: { periodStart: billed, unitCost: c?.toString() ?? null } }),
    };
  });
}

const USER_REVIEW = 'line flagged for review by a user';

/** The engine's recurring, arrears and usage lines of the invoice dated `date` (a period start), with their review reasons. */
export function composeMainLines(
  loaded: LoadedRecurringInvoice,
  date: CalendarDate,
  policy: ReviewPolicy,
): { periodStart: CalendarDate; periodEnd: CalendarDate; lines: ComposedLine[] } {
  const engine = buildInvoice(loaded.ctx, date, { adjustments: false }); // the persisted adjustments are billed at the run
  const rows = new Map(loaded.lines.map((l) => [l.id, l]));
  const specs = new Map(loaded.ctx.lines.map((s) => [s.id, s]));
  const lines = engine.lines.filter((l) => l.kind !== 'prorata').map((l): ComposedLine => {
    const row = rows.get(l.line);
    const review = l.review.slice();
    if (row?.reviewRequired) review.push(USER_REVIEW);
    const notFinal = l.kind === 'usage' && policy.today !== undefined && l.to > policy.today;
    if (notFinal) review.push(`usage line: the month is not over (it ends ${l.to}); these are the charges so far, not the final charges`);
    // A month a reviewer approved or adjusted (src/usage-review) is reviewed already.
    else if (l.kind === 'usage' && policy.reviewUsageLines && !l.provenance.usage?.review) review.push('usage line: check the month\'s final charges before issuing');
    // The engine's invoice is this function's own, so its line's provenance takes `exact` in place (a copy cost more).
    const provenance = (notFinal ? notFinalUsage(l.provenance, l.to, policy.today!) : l.provenance) as unknown as Record<string, unknown>;
    provenance.exact = exactJson(l.exact);
    const tax = loaded.tax.get(l.line);
    // An arrears line's period start is its billed period's, as for its price.
    const unitCost = row ? unitCostFor(row, specs.get(l.line), loaded.ctx.histories, l.from).unitCost : null;
    return {
      unitCost, cost: costOf(unitCost, l.quantity, loaded.ctx.currency),
      recurringInvoiceLineId: l.line, adjustmentId: null, kind: l.kind, description: row?.description ?? l.line,
      from: l.from, to: l.to, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, tax: l.tax, review,
      taxRate: l.taxRate, taxCode: tax?.code ?? null, taxKind: tax?.kind ?? 'standard',
      provenance,
    };
  });
  return { periodStart: engine.periodStart, periodEnd: engine.periodEnd, lines };
}

/** A usage line's provenance for a month not over at the run: never "final charges" (explain and render read `usage.final`). */
function notFinalUsage<P extends { rule: string; usage?: object }>(p: P, monthEnd: CalendarDate, today: CalendarDate): P {
  return {
    ...p, rule: `usage: charges so far of the month (not final: the month ends ${monthEnd}, the run was on ${today}), quantity 1`,
    usage: { ...p.usage, final: false, capturedBy: today },
  };
}

/**
 * The pending pro-rata adjustments billed on the invoice dated `date` (those of periods ending on or before it), as
 * lines by change date, then line position. Each amount is rounded once, from its exact value.
 */
export function composeAdjustmentLines(
  recurringInvoiceId: string,
  lines: readonly LineInfo[],
  currency: string,
  taxRate: Decimal,
  date: CalendarDate,
  pending: readonly RecurringInvoiceAdjustment[],
): { lines: ComposedLine[]; adjustmentIds: string[] } {
  const info = new Map(lines.map((l) => [l.id, l]));
  const due = pending
    .filter((a) => a.recurringInvoiceId === recurringInvoiceId && a.invoicedInvoiceId === null && a.periodEnd <= date)
    .sort((a, b) => (a.changeDate < b.changeDate ? -1 : a.changeDate > b.changeDate ? 1 : (info.get(a.lineId)?.position ?? 0) - (info.get(b.lineId)?.position ?? 0)));
  const composed = due.map((a): ComposedLine => {
    const quantity = dec(a.quantity.toString());
    const unitPrice = dec(a.unitPrice.toString());
    const exact: Exact = { numerator: quantity.mul(unitPrice).mul(a.days), denominator: a.periodDays };
    const amount = roundMoney(exact, currency);
    const provenance = JSON.parse(a.provenanceJson) as Record<string, unknown> & { review?: string[]; correction?: CorrectionFacts };
    const description = info.get(a.lineId)?.description ?? a.lineId;
    const lineTaxInfo = info.get(a.lineId)?.tax; // an adjustment is taxed as its line
    const rate = lineTaxInfo ? dec(lineTaxInfo.rate) : taxRate;
    const lineCost = info.get(a.lineId)?.cost;
    const unitCost = lineCost?.periodStart === a.periodStart && lineCost.unitCost !== null ? dec(lineCost.unitCost) : null;
    return {
      unitCost, cost: costOf(unitCost, quantity, currency, { days: a.days, periodDays: a.periodDays }),
      recurringInvoiceLineId: a.lineId, adjustmentId: a.id, kind: 'prorata',
      // A late correction (late-corrections.ts) carries its facts in its provenance and is described from them.
      description: provenance.correction ? describeCorrection(description, provenance.correction) : describeProrata({
        description, rule: a.rule, quantity, quantityBefore: a.quantityBefore.toString(), quantityAfter: a.quantityAfter.toString(),
        unitPrice, currency, from: a.changeDate, to: a.periodEnd, days: a.days, periodDays: a.periodDays,
      }),
      from: a.changeDate, to: a.periodEnd, quantity, unitPrice, amount, tax: lineTax(amount, rate, currency),
      taxRate: rate, taxCode: lineTaxInfo?.code ?? null, taxKind: lineTaxInfo?.kind ?? 'standard',
      review: [...(provenance.review ?? []), ...(info.get(a.lineId)?.reviewRequired ? [USER_REVIEW] : [])],
      provenance: { ...provenance, exact: exactJson(exact), billedPeriod: { start: a.periodStart, end: a.periodEnd } },
    };
  });
  return { lines: composed, adjustmentIds: due.map((a) => a.id) };
}

/** An invoice's review reasons: each line's, prefixed with the line's name, once each, in line order. */
export function invoiceReview(lines: readonly ComposedLine[], before: readonly string[] = []): string[] {
  return [...new Set([...before, ...lines.flatMap((l) => l.review.map((r) => `${l.description.split(':')[0]}: ${r}`))])];
}

/**
 * The invoice dated `date` for one recurring invoice: the engine's recurring, arrears and usage lines, then the
 * pending pro-rata adjustments billed on it (those of periods ending on or before `date`), by change date.
 * Each amount is rounded once, from its exact value.
 */
export function composeInvoice(
  loaded: LoadedRecurringInvoice,
  date: CalendarDate,
  pending: readonly RecurringInvoiceAdjustment[],
  policy: ReviewPolicy,
): ComposedInvoice {
  const { ctx } = loaded;
  const main = composeMainLines(loaded, date, policy);
  const adjustments = composeAdjustmentLines(loaded.ri.id, lineInfoOf(loaded, date), ctx.currency, ctx.taxRate, date, pending);
  const lines = [...main.lines, ...adjustments.lines];
  const subtotal = sum(lines.map((l) => l.amount));
  const tax = sum(lines.map((l) => l.tax));
  return {
    date, periodStart: main.periodStart, periodEnd: main.periodEnd, currency: ctx.currency, taxRate: ctx.taxRate,
    lines, subtotal, tax, total: subtotal.add(tax), review: invoiceReview(lines), adjustmentIds: adjustments.adjustmentIds,
  };
}
