/**
 * The usage dates fetched for each summary: from the 1st of the current month to today, never a later day, and
 * during the first `carryOverDays` days of a month also every day of the previous month, whose final figures Pax8
 * is still publishing (it bills a month's usage about 3 days after its end). "Today" is the earlier of the tenant's
 * date (`today`, from the import's injected clock) and the UTC date of `now` (Pax8's usage calendar): Pax8 refuses
 * a future `usageDate`, and for a tenant east of UTC its date may already be tomorrow in UTC.
 */
export function usageDates(now: Date, today: string = now.toISOString().slice(0, 10), carryOverDays = 5): string[] {
  const utcToday = now.toISOString().slice(0, 10);
  const last = today < utcToday ? today : utcToday;
  const [y, m, lastDay] = last.split('-').map(Number) as [number, number, number];
  const out: string[] = [];
  const days = (year: number, mon: number, upTo: number) => {
    for (let d = 1; d <= upTo; d++) out.push(new Date(Date.UTC(year, mon, d)).toISOString().slice(0, 10));
  };
  if (lastDay <= carryOverDays) {
    const py = m === 1 ? y - 1 : y;
    const pm = m === 1 ? 11 : m - 2;
    days(py, pm, new Date(Date.UTC(py, pm + 1, 0)).getUTCDate());
  }
  days(y, m - 1, lastDay);
  return out;
}
