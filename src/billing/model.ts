import type { Decimal } from 'decimal.js';
import type { CalendarDate, CalendarMonth } from './dates.js';
import type { Histories } from './history.js';
import type { Schedule } from './periods.js';

export type Timing = 'advance' | 'arrears' | 'usage';
export type ProrataRule = 'none' | 'from_change_date' | 'increases_only';

export interface Link {
  subscription: string;
  free: Decimal;
  minimum: Decimal;
}

/** An in-advance or arrears line. `price: 'follow'` reads the primary (first-linked) subscription's price. */
export interface RecurringLineSpec {
  id: string;
  description?: string;
  timing: 'advance' | 'arrears';
  /** Only used for in-advance lines; an arrears line's is accepted and ignored (billed by the day already). */
  prorata: ProrataRule;
  price: Decimal | 'follow';
  links: readonly Link[];
  /** This line's tax rate, for it and its pro-rata adjustments; the context's taxRate when absent. */
  taxRate?: Decimal;
}

export interface UsageLineSpec {
  id: string;
  description?: string;
  timing: 'usage';
  usageSummary: string;
  /** This line's tax rate; the context's taxRate when absent. */
  taxRate?: Decimal;
}

export type LineSpec = RecurringLineSpec | UsageLineSpec;

/** Final charges of one usage summary for one calendar month. */
export interface UsageSnapshot {
  usageSummary: string;
  month: CalendarMonth;
  charges: Decimal;
  /** A reviewer's decision on the month (src/usage-review), when it holds for these charges: `charges` is then what it bills. */
  review?: UsageSnapshotReview;
}

export interface UsageSnapshotReview {
  decision: 'approved' | 'adjusted';
  /** The month's charges as imported (an adjusted snapshot bills other charges). */
  importedCharges: string;
  note: string | null;
  by: string;
}

/** Everything the engine needs to build a recurring invoice's invoices. */
export interface BillingContext {
  currency: string;
  /** The fallback tax rate: lines without their own `taxRate` use it. */
  taxRate: Decimal;
  schedule: Schedule;
  /** First invoice date (a period start); nothing before it was billed. */
  billingStart: CalendarDate;
  lines: readonly LineSpec[];
  histories: Histories;
  usage: readonly UsageSnapshot[];
}
