import type { Decimal } from 'decimal.js';
import { type CalendarDate, daysBetween } from './dates.js';
import { sum } from './decimal.js';
import type { Histories } from './history.js';
import type { RecurringLineSpec } from './model.js';
import type { Exact } from './money.js';
import type { Period } from './periods.js';
import { lineChangeDatesWithin, lineQuantityOn } from './quantity.js';

/** Q is constant over [from, to). */
export interface QuantitySegment {
  from: CalendarDate;
  to: CalendarDate;
  quantity: Decimal;
}

export function quantitySegments(line: RecurringLineSpec, histories: Histories, period: Period): QuantitySegment[] {
  const bounds = [period.start, ...lineChangeDatesWithin(line, histories, period.start, period.end), period.end];
  const segments: QuantitySegment[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const quantity = lineQuantityOn(line, histories, bounds[i]!);
    const last = segments.at(-1);
    if (last && last.quantity.equals(quantity)) last.to = bounds[i + 1]!;
    else segments.push({ from: bounds[i]!, to: bounds[i + 1]!, quantity });
  }
  return segments;
}

export interface ArrearsCharge {
  segments: QuantitySegment[];
  /** Σ_days Q(day). */
  quantityDays: Decimal;
  /** Day-weighted average quantity, exact: quantityDays / periodDays. */
  averageQuantity: Exact;
  /** unitPrice × quantityDays / periodDays, unrounded. */
  exact: Exact;
}

export function arrearsCharge(line: RecurringLineSpec, histories: Histories, period: Period, unitPrice: Decimal): ArrearsCharge {
  const segments = quantitySegments(line, histories, period);
  const quantityDays = sum(segments.map((s) => s.quantity.mul(daysBetween(s.from, s.to))));
  return {
    segments,
    quantityDays,
    averageQuantity: { numerator: quantityDays, denominator: period.days },
    exact: { numerator: quantityDays.mul(unitPrice), denominator: period.days },
  };
}
