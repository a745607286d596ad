import { Decimal } from 'decimal.js';
import { historyOf, type SubscriptionChange, type SubscriptionHistory } from '../../../src/billing/history.js';
import type { BillingContext, Link, LineSpec, ProrataRule, RecurringLineSpec, UsageSnapshot } from '../../../src/billing/model.js';
import type { Schedule } from '../../../src/billing/periods.js';

/** [date, quantity?, status?, price?] */
export type ChangeTuple = [string, (number | string)?, string?, string?];

export function history(id: string, changes: ChangeTuple[], currency?: string): SubscriptionHistory {
  return historyOf(
    id,
    changes.map(([date, quantity, status, price]): SubscriptionChange => ({
      date,
      ...(quantity === undefined ? {} : { quantity: new Decimal(quantity) }),
      ...(status === undefined ? {} : { status }),
      ...(price === undefined ? {} : { price: new Decimal(price) }),
    })),
    currency,
  );
}

export function histories(...list: SubscriptionHistory[]): Map<string, SubscriptionHistory> {
  return new Map(list.map((h) => [h.id, h]));
}

export function link(subscription: string, free: number | string = 0, minimum: number | string = 0): Link {
  return { subscription, free: new Decimal(free), minimum: new Decimal(minimum) };
}

export function advance(id: string, price: string | 'follow', links: Link[], prorata: ProrataRule = 'from_change_date'): RecurringLineSpec {
  return { id, timing: 'advance', prorata, price: price === 'follow' ? 'follow' : new Decimal(price), links };
}

export function arrears(id: string, price: string | 'follow', links: Link[]): RecurringLineSpec {
  return { id, timing: 'arrears', prorata: 'none', price: price === 'follow' ? 'follow' : new Decimal(price), links };
}

export const MONTHLY_1: Schedule = { frequency: 'monthly', anchorDay: 1 };

export function context(over: Partial<BillingContext> & { lines: LineSpec[]; histories: BillingContext['histories'] }): BillingContext {
  return {
    currency: 'USD',
    taxRate: new Decimal(0),
    schedule: MONTHLY_1,
    billingStart: '2026-01-01',
    usage: [] as UsageSnapshot[],
    ...over,
  };
}

export const str = (d: Decimal): string => d.toString();
