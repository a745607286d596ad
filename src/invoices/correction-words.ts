import type { Decimal } from 'decimal.js';
import type { CorrectionFactors, QuantityDifference } from '../billing/correction.js';
import { dateParts, type CalendarDate } from '../billing/dates.js';
import { dec } from '../billing/decimal.js';
import type { LineKind } from '../billing/line-kinds.js';
import { dateRange, formatMoney, formatQuantity, formatUnitPrice, longDate } from './words.js';

/** The facts a late correction carries in its provenance (`correction`), from which its words are built. */
export interface CorrectionFacts {
  /** recurring: the period's in-advance charge; prorata: the adjustment of `date`; arrears: the period's arrears charge. */
  item: Exclude<LineKind, 'usage'>;
  /** The invoice the item was (or should have been) billed on. */
  corrects: { invoiceId: string; number: number | null; invoiceDate: CalendarDate };
  period: { start: CalendarDate; end: CalendarDate };
  date: CalendarDate;
  /** What the history now says, against what was billed ("went from 10 to 12 on 20 Jan 2026"). */
  what: string;
  /** Tenant-local date on which the latest change behind the correction was recorded. */
  recorded: CalendarDate | null;
  /** How the amount comes about: natural factors ("2 × 15.00 × 12/31 days") or "29.81 less 14.90 already billed". */
  calculation: string;
  /** The item's amount from the history as now recorded (rounded once), and what it had billed before this correction. */
  corrected: string;
  billed: string;
  /** The item as now computed, read back as "as billed" by a later correction of the same item. */
  now: { quantity?: string; unitPrice?: string; quantityBefore?: string; quantityAfter?: string; segments?: { from: string; to: string; quantity: string }[] };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "January 2026" for a calendar month, else "1 Jan 2026 – 31 Mar 2026". */
export function periodLabel(start: CalendarDate, end: CalendarDate): string {
  const s = dateParts(start);
  const e = dateParts(end);
  const next = s.month === 12 ? { year: s.year + 1, month: 1 } : { year: s.year, month: s.month + 1 };
  if (s.day === 1 && e.day === 1 && e.year === next.year && e.month === next.month) return `${MONTH_NAMES[s.month - 1]} ${s.year}`;
  return dateRange(start, end);
}

/** "INV-000012", or "the draft invoice of 1 Jan 2026" (a draft has no number until approved). */
export function invoiceRefText(ref: CorrectionFacts['corrects']): string {
  return ref.number === null ? `the draft invoice of ${longDate(ref.invoiceDate)}` : `INV-${String(ref.number).padStart(6, '0')}`;
}

/**
 * The invoice line's description: "Correction to INV-000012 (January 2026): Microsoft 365 went from 10 to 12 on
 * 20 Jan 2026, recorded 3 Feb 2026: 2 × 15.00 × 12/31 days".
 */
export function describeCorrection(description: string, f: CorrectionFacts): string {
  const arrears = f.item === 'arrears' ? ', in arrears' : '';
  const recorded = f.recorded === null ? '' : `, recorded ${longDate(f.recorded)}`;
  return `Correction to ${invoiceRefText(f.corrects)} (${periodLabel(f.period.start, f.period.end)}${arrears}): ${description} ${f.what}${recorded}: ${f.calculation}`;
}

const q = (v: Decimal.Value) => formatQuantity(dec(v));

/**
 * Pro-rata item: "went from 10 to 12 on 20 Jan 2026", "…, not from 10 to 15 as billed", "did not change on 20 Jan 2026",
 * "…, at 16.00, not 15.00 as billed" (a followed price corrected).
 */
export function prorataWhat(
  date: CalendarDate,
  now: { before: Decimal; after: Decimal; unitPrice?: Decimal },
  billed: { before: string; after: string; unitPrice?: string } | null,
  currency = 'USD',
): string {
  const changed = !now.before.equals(now.after);
  let words = changed ? `went from ${q(now.before)} to ${q(now.after)} on ${longDate(date)}` : `did not change on ${longDate(date)}`;
  if (billed === null) return words;
  if (!(dec(billed.before).equals(now.before) && dec(billed.after).equals(now.after))) words += `, not from ${q(billed.before)} to ${q(billed.after)} as billed`;
  if (now.unitPrice !== undefined && billed.unitPrice !== undefined && !now.unitPrice.equals(billed.unitPrice)) {
    words += `, at ${formatUnitPrice(now.unitPrice, currency)}, not ${formatUnitPrice(dec(billed.unitPrice), currency)} as billed`;
  }
  return words;
}

/** Recurring item: "was 12 on 1 Feb 2026, not 10 as billed" and/or "was priced 16.00 for the period, not 15.00 as billed". */
export function recurringWhat(date: CalendarDate, now: { quantity: Decimal; unitPrice: Decimal }, billed: { quantity: string; unitPrice: string }, currency: string): string {
  const parts: string[] = [];
  if (!now.quantity.equals(billed.quantity)) parts.push(`was ${q(now.quantity)} on ${longDate(date)}, not ${q(billed.quantity)} as billed`);
  if (!now.unitPrice.equals(billed.unitPrice)) {
    parts.push(`was priced ${formatUnitPrice(now.unitPrice, currency)} for the period, not ${formatUnitPrice(dec(billed.unitPrice), currency)} as billed`);
  }
  return parts.length > 0 ? parts.join(' and ') : `is ${q(now.quantity)} × ${formatUnitPrice(now.unitPrice, currency)} for the period`;
}

/** Arrears item: "was 12 from 20 Jan 2026 to 31 Jan 2026, not 10 as billed" (the first two differing stretches). */
export function arrearsWhat(differences: readonly QuantityDifference[]): string {
  if (differences.length === 0) return 'is billed by the day as recorded now';
  const shown = differences.slice(0, 2).map((d) => `was ${q(d.now)} from ${dateRange(d.from, d.to).replace(' – ', ' to ')}, not ${q(d.billed)} as billed`);
  return shown.join('; ') + (differences.length > 2 ? `; and ${differences.length - 2} more` : '');
}

/**
 * "2 × 15.00 × 12/31 days", "2 × 15.00", "24 quantity-days × 15.00 / 31 days" from natural factors; otherwise
 * "29.81 less 14.90 already billed".
 */
export function correctionCalculation(f: CorrectionFactors, natural: boolean, corrected: Decimal, billed: Decimal, currency: string): string {
  if (!natural) return `${formatMoney(corrected, currency)} less ${formatMoney(billed, currency)} already billed`;
  const price = formatUnitPrice(f.unitPrice, currency);
  if (f.periodDays === 1 && f.days === 1) return `${q(f.quantity)} × ${price}`;
  if (f.days === 1) return `${q(f.quantity)} quantity-days × ${price} / ${f.periodDays} days`;
  return `${q(f.quantity)} × ${price} × ${f.days}/${f.periodDays} days`;
}
