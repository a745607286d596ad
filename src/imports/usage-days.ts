/**
 * The usage dates fetched for each summary: every day of the current month (UTC, Pax8's usage
 * calendar) from the 1st to the month's last day, and during the first `carryOverDays` days of a
 * month also every day of the previous month, whose final figures Pax8 is still publishing
 * (current-month data appears around the 5th). Days after today usually answer no lines.
 */
export function usageDates(now: Date, carryOverDays = 5): string[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const out: string[] = [];
  const month = (year: number, mon: number) => {
    const days = new Date(Date.UTC(year, mon + 1, 0)).getUTCDate();
    for (let d = 1; d <= days; d++) out.push(new Date(Date.UTC(year, mon, d)).toISOString().slice(0, 10));
  };
  if (now.getUTCDate() <= carryOverDays) month(m === 0 ? y - 1 : y, m === 0 ? 11 : m - 1);
  month(y, m);
  return out;
}
