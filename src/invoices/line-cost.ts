import type { Decimal } from 'decimal.js';
import type { CalendarDate } from '../billing/dates.js';
import type { Histories } from '../billing/history.js';
import { roundMoney } from '../billing/money.js';
import type { LineSpec } from '../billing/model.js';
import type { RecurringInvoiceLine } from '../db/entities/index.js';

/*
 * A line's cost (issue 23): like a followed price, a followed cost is the primary (first-linked) subscription's Pax8
 * cost as of the period start (before the history gives any, its first cost); an own cost is the line's `cost`. Billing
 * never reads it: it is stored with each invoice line so the margin (amount − cost) follows Pax8's cost per period.
 */

export interface LineCost {
  /** null: not known (no cost recorded, or a usage line). */
  unitCost: Decimal | null;
  /** 'line', the followed subscription's id, or 'none'. */
  source: string;
}

function costOn(histories: Histories, subscription: string, date: CalendarDate): Decimal | null {
  const changes = histories.get(subscription)?.changes ?? [];
  let last: Decimal | null = null;
  for (const c of changes) {
    if (c.date > date) break;
    if (c.cost !== undefined) last = c.cost;
  }
  return last ?? changes.find((c) => c.cost !== undefined)?.cost ?? null;
}

/** The unit cost of `row` (with its engine spec) for the period starting `periodStart`. */
export function unitCostFor(row: Pick<RecurringInvoiceLine, 'costMode' | 'cost'>, spec: LineSpec | undefined, histories: Histories, periodStart: CalendarDate): LineCost {
  if (!spec || spec.timing === 'usage') return { unitCost: null, source: 'none' };
  if (row.costMode !== 'follow') return { unitCost: row.cost, source: row.cost === null ? 'none' : 'line' };
  const primary = spec.links[0];
  const unitCost = primary ? costOn(histories, primary.subscription, periodStart) : null;
  return { unitCost, source: unitCost === null ? 'none' : primary!.subscription };
}

/** The cost of a quantity at `unitCost` for `days` of `periodDays` (all of it when not given), rounded like an amount. */
export function costOf(unitCost: Decimal | null, quantity: Decimal, currency: string, factor?: { days: number; periodDays: number }): Decimal | null {
  if (unitCost === null) return null;
  const numerator = quantity.mul(unitCost).mul(factor?.days ?? 1);
  return roundMoney({ numerator, denominator: factor?.periodDays ?? 1 }, currency);
}
