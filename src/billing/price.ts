import type { Decimal } from 'decimal.js';
import type { CalendarDate } from './dates.js';
import { firstPrice, historyFor, stateOn, type Histories } from './history.js';
import type { RecurringLineSpec } from './model.js';

export interface LinePrice {
  unitPrice: Decimal;
  /** 'line', or the followed subscription's id. */
  source: string;
  asOf: CalendarDate;
  review: string[];
}

function priceOf(histories: Histories, subscription: string, date: CalendarDate): Decimal | null {
  const history = historyFor(histories, subscription);
  return stateOn(history, date).price ?? firstPrice(history);
}

/**
 * The unit price billed for the period starting `periodStart`. A followed price is read as of that date;
 * before the subscription gives any price, its first price is used.
 */
export function unitPriceFor(line: RecurringLineSpec, histories: Histories, periodStart: CalendarDate): LinePrice {
  if (line.price !== 'follow') return { unitPrice: line.price, source: 'line', asOf: periodStart, review: [] };
  const primary = line.links[0];
  if (!primary) throw new Error(`line ${line.id} follows a price but has no linked subscription`);
  const unitPrice = priceOf(histories, primary.subscription, periodStart);
  if (unitPrice === null) throw new Error(`line ${line.id} follows the price of ${primary.subscription}, which never gives a price`);
  const review = line.links.slice(1).flatMap((link) => {
    const other = priceOf(histories, link.subscription, periodStart);
    return other !== null && !other.equals(unitPrice)
      ? [`linked subscription ${link.subscription} is priced ${other.toString()}, the followed price is ${unitPrice.toString()}`]
      : [];
  });
  return { unitPrice, source: primary.subscription, asOf: periodStart, review };
}

/** Review reasons for linked subscriptions billed in another currency (never converted). */
export function currencyReview(line: RecurringLineSpec, histories: Histories, currency: string): string[] {
  return line.links.flatMap((link) => {
    const other = historyFor(histories, link.subscription).currency;
    return other !== undefined && other !== currency ? [`subscription ${link.subscription} is in ${other}, the invoice is in ${currency}; not converted`] : [];
  });
}
