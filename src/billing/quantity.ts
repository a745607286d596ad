import type { Decimal } from 'decimal.js';
import type { CalendarDate } from './dates.js';
import { dec, maxOf, sum, ZERO } from './decimal.js';
import { changeDatesWithin, historyFor, stateOn, type Histories, type SubscriptionState } from './history.js';
import type { Link } from './model.js';

/** 0 while not active; otherwise max(quantity − free, minimum, 0). */
export function billableForLink(link: Link, state: SubscriptionState): Decimal {
  if (!state.active) return ZERO;
  const quantity = dec(state.quantity);
  return maxOf(link.free.isZero() ? quantity : quantity.sub(link.free), dec(link.minimum), ZERO);
}

export interface LinkQuantity {
  subscription: string;
  active: boolean;
  quantity: string;
  billable: string;
}

/** Q(date): the line quantity, summed over its links. */
export function lineQuantityOn(line: { links: readonly Link[] }, histories: Histories, date: CalendarDate): Decimal {
  return sum(line.links.map((link) => billableForLink(link, stateOn(historyFor(histories, link.subscription), date))));
}

/** Q(date) with each link's state and billable part of it (a recurring line's provenance). */
export function lineQuantityWithLinks(links: readonly Link[], histories: Histories, date: CalendarDate): { quantity: Decimal; links: LinkQuantity[] } {
  const billables: Decimal[] = [];
  const parts = links.map((link) => {
    const state = stateOn(historyFor(histories, link.subscription), date);
    const billable = billableForLink(link, state);
    billables.push(billable);
    return { subscription: link.subscription, active: state.active, quantity: state.quantity.toString(), billable: billable.toString() };
  });
  return { quantity: sum(billables), links: parts };
}

/** Dates d with after < d < before on which some linked subscription changes (Q may change only then), in order. */
export function lineChangeDatesWithin(line: { links: readonly Link[] }, histories: Histories, after: CalendarDate, before: CalendarDate): CalendarDate[] {
  const dates = new Set(line.links.flatMap((l) => changeDatesWithin(historyFor(histories, l.subscription), after, before)));
  return [...dates].sort();
}
