import type { Decimal } from 'decimal.js';
import type { CalendarDate } from './dates.js';
import { ZERO } from './decimal.js';

/** 'Active' bills; every other status (Cancelled, Deleted, Suspended…) bills nothing. */
export type SubscriptionStatus = string;

/** One dated change; fields left out keep their previous value. */
export interface SubscriptionChange {
  date: CalendarDate;
  quantity?: Decimal;
  status?: SubscriptionStatus;
  price?: Decimal;
  /** The partner's Pax8 unit cost; billing never reads it (a line's cost follows it: src/invoices/line-cost.ts). */
  cost?: Decimal;
}

/** A subscription's dated changes, in date order (same-date changes in the order they happened). */
export interface SubscriptionHistory {
  id: string;
  currency?: string;
  changes: readonly SubscriptionChange[];
}

export type Histories = ReadonlyMap<string, SubscriptionHistory>;

export interface SubscriptionState {
  /** False before the first change that gives a quantity or an explicit status. */
  started: boolean;
  active: boolean;
  quantity: Decimal;
  price: Decimal | null;
}

const NOT_STARTED: SubscriptionState = { started: false, active: false, quantity: ZERO, price: null };

/** Builds a history, ordering changes by date and keeping the given order within a date. */
export function historyOf(id: string, changes: readonly SubscriptionChange[], currency?: string): SubscriptionHistory {
  const ordered = changes.slice();
  // Array sort is stable: same-date changes keep their order. Callers mostly pass them in order already.
  if (ordered.some((c, i) => i > 0 && ordered[i - 1]!.date > c.date)) ordered.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return currency === undefined ? { id, changes: ordered } : { id, currency, changes: ordered };
}

/** State on `date`: after every change dated on or before it. */
export function stateOn(history: SubscriptionHistory, date: CalendarDate): SubscriptionState {
  let applied = false;
  let { started, active, quantity, price } = NOT_STARTED;
  for (const change of history.changes) {
    if (change.date > date) break;
    applied = true;
    if (change.quantity !== undefined) quantity = change.quantity;
    if (change.price !== undefined) price = change.price;
    if (change.status !== undefined) {
      started = true;
      active = change.status === 'Active';
    } else if (change.quantity !== undefined && !started) {
      started = true;
      active = true;
    }
  }
  return applied ? { started, active, quantity, price } : NOT_STARTED;
}

/** Distinct change dates d with after < d < before. */
export function changeDatesWithin(history: SubscriptionHistory, after: CalendarDate, before: CalendarDate): CalendarDate[] {
  return [...new Set(history.changes.map((c) => c.date).filter((d) => d > after && d < before))];
}

/** The first price the history ever gives, or null. */
export function firstPrice(history: SubscriptionHistory): Decimal | null {
  return history.changes.find((c) => c.price !== undefined)?.price ?? null;
}

export function historyFor(histories: Histories, id: string): SubscriptionHistory {
  const history = histories.get(id);
  if (!history) throw new Error(`no history for subscription ${id}`);
  return history;
}
