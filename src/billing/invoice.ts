import type { Decimal } from 'decimal.js';
import { arrearsCharge } from './arrears.js';
import { type CalendarDate, monthBounds } from './dates.js';
import { dec, sum } from './decimal.js';
import type { BillingContext, ProrataRule, RecurringLineSpec, UsageSnapshotReview } from './model.js';
import { type Exact, exactOf, lineTax, roundMoney, roundRatio } from './money.js';
import { type Period, periodContaining, previousPeriod } from './periods.js';
import { currencyReview, unitPriceFor } from './price.js';
import { prorataAdjustments } from './prorata.js';
import { lineQuantityWithLinks, type LinkQuantity } from './quantity.js';
import { usageSnapshotsFor } from './usage.js';

import type { LineKind } from './line-kinds.js';

export type { LineKind };

/** Where a line's figures come from. */
export interface LineProvenance {
  rule: string;
  subscriptions: string[];
  /** Quantities over [from, to); for a recurring line the state on the period start, per link. */
  quantities: { from: CalendarDate; to: CalendarDate; quantity: string; links?: LinkQuantity[] }[];
  price: { source: string; asOf: CalendarDate };
  factor?: { days: number; periodDays: number };
  adjustment?: { quantityBefore: string; quantityAfter: string; highWaterMark?: string };
  usage?: { usageSummary: string; month: string; review?: UsageSnapshotReview };
  /** An arrears line's pro-rata option when not `none`: kept to say that it is ignored (billed by the day already). */
  prorataIgnored?: ProrataRule;
}

export interface InvoiceLine {
  line: string;
  kind: LineKind;
  from: CalendarDate;
  to: CalendarDate;
  /** Shown quantity; an arrears line's is the day-weighted average, to 6 places at most. */
  quantity: Decimal;
  unitPrice: Decimal;
  exact: Exact;
  /** exact, rounded once to the minor unit. */
  amount: Decimal;
  /** The line's own tax rate (a pro-rata adjustment carries its line's), else the context's. */
  taxRate: Decimal;
  /** amount × taxRate, rounded once. */
  tax: Decimal;
  review: string[];
  provenance: LineProvenance;
}

export interface Invoice {
  date: CalendarDate;
  periodStart: CalendarDate;
  periodEnd: CalendarDate;
  currency: string;
  lines: InvoiceLine[];
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
  /** A line is flagged: hold the invoice as a draft until reviewed. */
  needsReview: boolean;
}

type UnpricedLine = Omit<InvoiceLine, 'amount' | 'tax' | 'taxRate'>;

function subscriptionsOf(line: RecurringLineSpec): string[] {
  return line.links.map((l) => l.subscription);
}

function recurringLine(ctx: BillingContext, line: RecurringLineSpec, period: Period): UnpricedLine {
  const price = unitPriceFor(line, ctx.histories, period.start);
  const { quantity, links } = lineQuantityWithLinks(line.links, ctx.histories, period.start);
  return {
    line: line.id,
    kind: 'recurring',
    from: period.start,
    to: period.end,
    quantity,
    unitPrice: price.unitPrice,
    exact: exactOf(quantity.mul(price.unitPrice)),
    review: [...price.review, ...currencyReview(line, ctx.histories, ctx.currency)],
    provenance: {
      rule: 'in advance: Q(period start) × unit price',
      subscriptions: subscriptionsOf(line),
      quantities: [{ from: period.start, to: period.end, quantity: quantity.toString(), links }],
      price: { source: price.source, asOf: price.asOf },
    },
  };
}

function arrearsLine(ctx: BillingContext, line: RecurringLineSpec, billed: Period): UnpricedLine {
  const price = unitPriceFor(line, ctx.histories, billed.start);
  const charge = arrearsCharge(line, ctx.histories, billed, price.unitPrice);
  return {
    line: line.id,
    kind: 'arrears',
    from: billed.start,
    to: billed.end,
    quantity: roundRatio(charge.averageQuantity.numerator, charge.averageQuantity.denominator, 6),
    unitPrice: price.unitPrice,
    exact: charge.exact,
    review: [...price.review, ...currencyReview(line, ctx.histories, ctx.currency)],
    provenance: {
      rule: 'in arrears: unit price × Σ_days Q(day) / periodDays',
      subscriptions: subscriptionsOf(line),
      quantities: charge.segments.map((s) => ({ from: s.from, to: s.to, quantity: s.quantity.toString() })),
      price: { source: price.source, asOf: price.asOf },
      ...(line.prorata === 'none' ? {} : { prorataIgnored: line.prorata }),
    },
  };
}

function adjustmentLines(ctx: BillingContext, line: RecurringLineSpec, billed: Period): UnpricedLine[] {
  const price = unitPriceFor(line, ctx.histories, billed.start);
  const review = [...price.review, ...currencyReview(line, ctx.histories, ctx.currency)];
  return prorataAdjustments(line, ctx.histories, billed, price.unitPrice).map((a) => ({
    line: line.id,
    kind: 'prorata' as const,
    from: a.date,
    to: a.to,
    quantity: a.quantity,
    unitPrice: a.unitPrice,
    exact: a.exact,
    review,
    provenance: {
      rule: `pro-rata ${a.rule}: ΔQ × unit price × (e − d) / (e − s)`,
      subscriptions: subscriptionsOf(line),
      quantities: [{ from: a.date, to: a.to, quantity: a.quantityAfter.toString() }],
      price: { source: price.source, asOf: price.asOf },
      factor: a.factor,
      adjustment: {
        quantityBefore: a.quantityBefore.toString(),
        quantityAfter: a.quantityAfter.toString(),
        ...(a.highWaterMark === undefined ? {} : { highWaterMark: a.highWaterMark.toString() }),
      },
    },
  }));
}

function usageLines(ctx: BillingContext, lineId: string, usageSummary: string, previous: Period, date: CalendarDate): UnpricedLine[] {
  return usageSnapshotsFor(usageSummary, ctx.usage, previous.start, date).map((s) => {
    const month = monthBounds(s.month);
    return {
      line: lineId,
      kind: 'usage' as const,
      from: month.from,
      to: month.to,
      quantity: dec(1),
      unitPrice: s.charges,
      exact: exactOf(s.charges),
      review: [],
      provenance: {
        rule: s.review?.decision === 'adjusted' ? 'usage: the month\'s charges as adjusted in usage review, quantity 1' : 'usage: final charges of the month, quantity 1',
        subscriptions: [],
        quantities: [{ from: month.from, to: month.to, quantity: '1' }],
        price: { source: `usage summary ${usageSummary}`, asOf: s.month },
        usage: { usageSummary, month: s.month, ...(s.review ? { review: s.review } : {}) },
      },
    };
  });
}

/**
 * The invoice dated on the period start `date`: in-advance lines for this period; arrears lines, usage
 * and pro-rata adjustments for the previous one. Arrears and adjustments only when the previous period
 * was billed (starts on or after ctx.billingStart).
 */
export interface BuildOptions {
  /**
   * Compute the previous period's pro-rata adjustments (default true). The database run bills the adjustments the
   * daily pass persisted instead, so it skips computing them here.
   */
  adjustments?: boolean;
}

export function buildInvoice(ctx: BillingContext, date: CalendarDate, opts: BuildOptions = {}): Invoice {
  const period = periodContaining(ctx.schedule, date);
  if (period.start !== date) throw new Error(`${date} is not a period start (the period containing it starts ${period.start})`);
  const previous = previousPeriod(ctx.schedule, date);
  const previousBilled = previous.start >= ctx.billingStart;

  const main: UnpricedLine[] = [];
  const adjustments: UnpricedLine[] = [];
  for (const line of ctx.lines) {
    if (line.timing === 'usage') {
      main.push(...usageLines(ctx, line.id, line.usageSummary, previous, date));
    } else if (line.timing === 'advance') {
      main.push(recurringLine(ctx, line, period));
      if (previousBilled && opts.adjustments !== false) adjustments.push(...adjustmentLines(ctx, line, previous));
    } else if (previousBilled) {
      main.push(arrearsLine(ctx, line, previous));
    }
  }
  adjustments.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));

  const rates = new Map(ctx.lines.map((l) => [l.id, l.taxRate ?? ctx.taxRate]));
  const lines = [...main, ...adjustments].map((l) => {
    const amount = roundMoney(l.exact, ctx.currency);
    const taxRate = rates.get(l.line) ?? ctx.taxRate;
    // Each field named (a spread cost more than the rest of a line in V8); the same fields in the same order.
    return {
      line: l.line, kind: l.kind, from: l.from, to: l.to, quantity: l.quantity, unitPrice: l.unitPrice, exact: l.exact, review: l.review,
      provenance: l.provenance, amount, taxRate, tax: lineTax(amount, taxRate, ctx.currency),
    };
  });
  const subtotal = sum(lines.map((l) => l.amount));
  const tax = sum(lines.map((l) => l.tax));
  return {
    date,
    periodStart: period.start,
    periodEnd: period.end,
    currency: ctx.currency,
    lines,
    subtotal,
    tax,
    total: subtotal.add(tax),
    needsReview: lines.some((l) => l.review.length > 0),
  };
}
