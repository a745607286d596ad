import { type CalendarDate, monthBounds } from './dates.js';
import type { UsageSnapshot } from './model.js';

/**
 * Snapshots billed on the invoice dated `invoiceDate`: the summary's months that end (their next month's 1st)
 * after the previous period's start and on or before the invoice date, in month order.
 */
export function usageSnapshotsFor(
  usageSummary: string,
  snapshots: readonly UsageSnapshot[],
  previousPeriodStart: CalendarDate,
  invoiceDate: CalendarDate,
): UsageSnapshot[] {
  return snapshots
    .filter((s) => s.usageSummary === usageSummary)
    .filter((s) => {
      const end = monthBounds(s.month).to;
      return end > previousPeriodStart && end <= invoiceDate;
    })
    .sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
}
