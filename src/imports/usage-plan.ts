import type { Decimal } from 'decimal.js';

/**
 * Which days of a usage summary the import asks Pax8 for (pure: dates in, dates out; no clock of its own).
 *
 * Pax8's usage lines are running figures: vendors overwrite a day's figure for a few days after it (the revision
 * window), and a month is billed about 3 days after its end. So a day read at least `revisionDays` days after it is
 * final; a summary whose every day up to `finalThrough` was read final needs only the later days. A summary whose
 * charges and partner total are those of its last import is not read at all. Two refreshes bound what the window and
 * the skip could miss: every `fullRefreshDays` days, and at month close (the first import on or after day
 * `monthCloseDays` of a month), the open months are read in full.
 */
export interface UsagePlanSettings {
  /** Days after a day during which Pax8 may still revise it (default 3). */
  revisionDays: number;
  /** The previous month is open (read, and its lines set the charges' month) through this day of the month (default 5). */
  monthCloseDays: number;
  /** A full read of the open months at least this often, in days (default 7). */
  fullRefreshDays: number;
}

export const DEFAULT_USAGE_PLAN: UsagePlanSettings = { revisionDays: 3, monthCloseDays: 5, fullRefreshDays: 7 };

/** What the last clean import of a summary left (null fields: never recorded, e.g. stored before this plan existed). */
export interface StoredUsageState {
  currentCharges: Decimal;
  partnerTotal: Decimal;
  /** Every day of the open months up to this date was read final. */
  finalThrough: string | null;
  /** Date of the last full read of the open months. */
  lastFullRead: string | null;
  /** The latest month whose close refresh was made (or that was already closed when the summary was first read). */
  closedMonth: string | null;
}

export type PlanReason = 'new' | 'full' | 'month_close' | 'weekly' | 'changed' | 'unchanged';

export interface UsagePlan {
  /** Dates to request, ascending (empty: the summary is not read). */
  days: string[];
  reason: PlanReason;
  /** First day of the open months: lines from here on set the month the current charges belong to. */
  openFrom: string;
  /** The state to store once every day in `days` was read cleanly (unchanged when nothing is read). */
  next: { finalThrough: string | null; lastFullRead: string | null; closedMonth: string | null };
}

export interface PlanInput {
  /** The import's usage "today" (usageToday). */
  today: string;
  stored: StoredUsageState | null;
  /** The summary's charges and partner total as Pax8 lists them now (rounded as stored). */
  charges: Decimal;
  partnerTotal: Decimal;
  /** A full refresh asked for (`recurra import --full`). */
  full?: boolean;
  settings?: UsagePlanSettings;
}

const DAY_MS = 86_400_000;

function ms(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export function addDays(date: string, n: number): string {
  return new Date(ms(date) + n * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((ms(to) - ms(from)) / DAY_MS);
}

/** 'YYYY-MM' of the month before `month`. */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** Every date from `from` to `to`, both included (empty when from > to). */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = ms(from), end = ms(to); t <= end; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * The import's usage "today": the earlier of the tenant's date and the UTC date of `now` (Pax8's usage calendar).
 * Pax8 refuses a future `usageDate`, and for a tenant east of UTC its date may already be tomorrow in UTC.
 */
export function usageToday(now: Date, tenantToday: string = now.toISOString().slice(0, 10)): string {
  const utc = now.toISOString().slice(0, 10);
  return tenantToday < utc ? tenantToday : utc;
}

/** First day of the open months: the previous month's 1st through day `monthCloseDays`, else this month's 1st. */
export function openFrom(today: string, monthCloseDays: number): string {
  const month = today.slice(0, 7);
  return Number(today.slice(8, 10)) <= monthCloseDays ? `${previousMonth(month)}-01` : `${month}-01`;
}

export function planUsageDays(input: PlanInput): UsagePlan {
  const s = input.settings ?? DEFAULT_USAGE_PLAN;
  const { today, stored } = input;
  const from = openFrom(today, s.monthCloseDays);
  const prev = previousMonth(today.slice(0, 7));
  const closing = Number(today.slice(8, 10)) >= s.monthCloseDays;
  // Every day read in this import that is at least revisionDays old is final from now on.
  const finalNow = addDays(today, -s.revisionDays);
  const closedNow = closing ? prev : previousMonth(prev);
  const closedMonth = stored?.closedMonth && stored.closedMonth > closedNow ? stored.closedMonth : closedNow;

  const fullRead = (reason: PlanReason, readFrom = from): UsagePlan => ({
    days: dateRange(readFrom, today), reason, openFrom: from,
    next: { finalThrough: finalNow, lastFullRead: today, closedMonth },
  });
  if (!stored || stored.finalThrough === null || stored.lastFullRead === null || stored.closedMonth === null) return fullRead('new');
  if (input.full) return fullRead('full');
  // Month close: the month just ended is read in full once more (with the open month), whatever its charges say:
  // Pax8's charges are the current month's, so a late revision of the last month need not change them.
  if (closing && stored.closedMonth < prev) return fullRead('month_close', `${prev}-01`);
  if (daysBetween(stored.lastFullRead, today) >= s.fullRefreshDays) return fullRead('weekly');
  if (stored.currentCharges.eq(input.charges) && stored.partnerTotal.eq(input.partnerTotal)) {
    return { days: [], reason: 'unchanged', openFrom: from, next: { finalThrough: stored.finalThrough, lastFullRead: stored.lastFullRead, closedMonth: stored.closedMonth } };
  }
  const readFrom = stored.finalThrough >= from ? addDays(stored.finalThrough, 1) : from;
  return {
    days: dateRange(readFrom, today), reason: 'changed', openFrom: from,
    next: { finalThrough: finalNow < stored.finalThrough ? stored.finalThrough : finalNow, lastFullRead: stored.lastFullRead, closedMonth },
  };
}
