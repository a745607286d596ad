import type { Decimal } from 'decimal.js';
import type { QuantitySegment } from './arrears.js';
import { type CalendarDate, daysBetween } from './dates.js';
import { dec, sum, ZERO } from './decimal.js';
import { type Exact, roundMoney } from './money.js';

/**
 * Late corrections: an item already billed (a period's recurring charge, one pro-rata adjustment, an arrears charge)
 * compared with what the history as now recorded gives for it. Pure math; the daily pass finds the items
 * (src/invoices/late-corrections.ts).
 */

/** A correction is stored like an adjustment: its exact amount is quantity × unitPrice × days / periodDays. */
export interface CorrectionFactors {
  quantity: Decimal;
  unitPrice: Decimal;
  days: number;
  periodDays: number;
}

export function factorsExact(f: CorrectionFactors): Exact {
  return { numerator: f.quantity.mul(f.unitPrice).mul(f.days), denominator: f.periodDays };
}

/**
 * What the item's corrections must bill in all: the corrected amount — rounded once from its exact value, as the
 * invoice would have rounded it — less the amounts already billed for the item (each already rounded). Billed
 * amounts plus this equal, to the minor unit, what a fresh run of the corrected history bills for the item.
 * `corrected` null: the history no longer gives the item (a withdrawn change).
 */
export function correctionAmount(corrected: Exact | null, billed: readonly Decimal[], currency: string): Decimal {
  const due = corrected === null ? ZERO : roundMoney(corrected, currency);
  return due.sub(sum(billed));
}

/**
 * The factors to store for a correction of `amount`: the natural ones (ΔQ × unit price × days / periodDays) when they
 * round to exactly that amount — nearly always — else 1 × the amount (`natural: false`), so the invoice line bills
 * `amount` to the minor unit either way (the words then show the corrected amount less what was billed).
 */
export function correctionFactors(amount: Decimal, natural: CorrectionFactors | null, currency: string): { factors: CorrectionFactors; natural: boolean } {
  if (natural !== null && !natural.quantity.isZero() && roundMoney(factorsExact(natural), currency).equals(amount)) return { factors: natural, natural: true };
  return { factors: { quantity: dec(1), unitPrice: amount, days: 1, periodDays: 1 }, natural: false };
}

/** Where two quantity timelines of one period differ: [from, to) with now − billed (never 0), adjacent equal ones merged. */
export interface QuantityDifference {
  from: CalendarDate;
  to: CalendarDate;
  billed: Decimal;
  now: Decimal;
  delta: Decimal;
}

function quantityAt(segments: readonly QuantitySegment[], date: CalendarDate): Decimal {
  return segments.find((s) => s.from <= date && date < s.to)?.quantity ?? ZERO;
}

/** The day-by-day difference between the billed and the current quantity timelines (both covering one period). */
export function segmentDifference(billed: readonly QuantitySegment[], now: readonly QuantitySegment[]): QuantityDifference[] {
  const bounds = [...new Set([...billed, ...now].flatMap((s) => [s.from, s.to]))].sort();
  const out: QuantityDifference[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    const b = quantityAt(billed, from);
    const n = quantityAt(now, from);
    const delta = n.sub(b);
    if (delta.isZero()) continue;
    const last = out.at(-1);
    if (last && last.to === from && last.billed.equals(b) && last.now.equals(n)) last.to = to;
    else out.push({ from, to, billed: b, now: n, delta });
  }
  return out;
}

/** Σ_days Q(day) of a timeline. */
export function quantityDays(segments: readonly { from: CalendarDate; to: CalendarDate; quantity: Decimal }[]): Decimal {
  return sum(segments.map((s) => s.quantity.mul(daysBetween(s.from, s.to))));
}
