import type { Decimal } from 'decimal.js';
import type { CalendarDate } from './dates.js';
import { addDays, daysBetween } from './dates.js';
import { dec, maxOf } from './decimal.js';
import type { Histories } from './history.js';
import type { ProrataRule, RecurringLineSpec } from './model.js';
import type { Exact } from './money.js';
import type { Period } from './periods.js';
import { lineChangeDatesWithin, lineQuantityOn } from './quantity.js';

/** A pro-rata adjustment for a change of Q on `date` inside a billed period; covers [date, to). */
export interface Adjustment {
  line: string;
  rule: ProrataRule;
  date: CalendarDate;
  to: CalendarDate;
  /** Quantity billed by the adjustment (negative for a credit). */
  quantity: Decimal;
  quantityBefore: Decimal;
  quantityAfter: Decimal;
  /** increases_only: the highest quantity billed in the period before this change. */
  highWaterMark?: Decimal;
  unitPrice: Decimal;
  /** factor = days / periodDays = (e − d) / (e − s). */
  factor: { days: number; periodDays: number };
  /** quantity × unitPrice × days / periodDays, unrounded. */
  exact: Exact;
}

/**
 * Adjustments for the changes of Q inside the billed in-advance period `period` (dates s < d < e),
 * priced at `unitPrice` (the price billed for that period). Same-day changes net to one.
 */
export function prorataAdjustments(line: RecurringLineSpec, histories: Histories, period: Period, unitPrice: Decimal): Adjustment[] {
  if (line.timing !== 'advance' || line.prorata === 'none') return [];
  const adjustments: Adjustment[] = [];
  let highWaterMark = lineQuantityOn(line, histories, period.start);
  for (const date of lineChangeDatesWithin(line, histories, period.start, period.end)) {
    const before = lineQuantityOn(line, histories, addDays(date, -1));
    const after = lineQuantityOn(line, histories, date);
    let quantity: Decimal;
    let mark: Decimal | undefined;
    if (line.prorata === 'from_change_date') {
      quantity = after.sub(before);
    } else {
      mark = highWaterMark;
      quantity = after.greaterThan(highWaterMark) ? after.sub(highWaterMark) : dec(0);
      highWaterMark = maxOf(highWaterMark, after);
    }
    if (quantity.isZero()) continue;
    const days = daysBetween(date, period.end);
    adjustments.push({
      line: line.id,
      rule: line.prorata,
      date,
      to: period.end,
      quantity,
      quantityBefore: before,
      quantityAfter: after,
      ...(mark === undefined ? {} : { highWaterMark: mark }),
      unitPrice,
      factor: { days, periodDays: period.days },
      exact: { numerator: quantity.mul(unitPrice).mul(days), denominator: period.days },
    });
  }
  return adjustments;
}
