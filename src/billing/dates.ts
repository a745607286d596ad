/** A calendar date 'YYYY-MM-DD'. Strings of this form compare correctly with < and >. */
export type CalendarDate = string;
/** A calendar month 'YYYY-MM'. */
export type CalendarMonth = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [year, month, day] = [parseInt(m[1]!, 10), parseInt(m[2]!, 10), parseInt(m[3]!, 10)];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function isCalendarMonth(value: string): boolean {
  const m = MONTH_RE.exec(value);
  return m !== null && parseInt(m[2]!, 10) >= 1 && parseInt(m[2]!, 10) <= 12;
}

export function dateParts(date: CalendarDate): DateParts {
  if (!isCalendarDate(date)) throw new Error(`not a calendar date (YYYY-MM-DD): ${date}`);
  const [y, m, d] = date.split('-');
  return { year: parseInt(y!, 10), month: parseInt(m!, 10), day: parseInt(d!, 10) };
}

export function makeDate(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Day number of a calendar date (1970-01-01 = 0), by the proleptic Gregorian calendar. */
export function dayIndex(date: CalendarDate): number {
  const { year, month, day } = dateParts(date);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function fromDayIndex(n: number): CalendarDate {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return makeDate(yoe + era * 400 + (month <= 2 ? 1 : 0), month, day);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromDayIndex(dayIndex(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayIndex(to) - dayIndex(from);
}

/** [first day of the month, first day of the next month). */
export function monthBounds(month: CalendarMonth): { from: CalendarDate; to: CalendarDate } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new Error(`not a calendar month (YYYY-MM): ${month}`);
  const year = parseInt(m[1]!, 10);
  const mon = parseInt(m[2]!, 10);
  return { from: makeDate(year, mon, 1), to: mon === 12 ? makeDate(year + 1, 1, 1) : makeDate(year, mon + 1, 1) };
}
