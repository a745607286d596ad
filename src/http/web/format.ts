import { Decimal } from 'decimal.js';
import { isCalendarDate } from '../../billing/dates.js';
import { formatQuantity, formatUnitPrice } from '../../billing/money.js';
import { dateRange, groupDigits, longDate, moneyText } from '../../invoices/words.js';

/**
 * How the web pages show values to people (the API keeps the raw values): money with its currency code, the
 * currency's minor units and thousands separators; dates in words; rates as percentages; option names in words.
 * A value that is not what a formatter expects is shown as it is, never hidden.
 */

function decimalOf(v: unknown): Decimal | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  try {
    const d = new Decimal(v);
    return d.isFinite() ? d : null;
  } catch {
    return null;
  }
}

const CURRENCY = /^[A-Z]{3}$/;

/** "USD 1,371.60"; without a currency, the amount grouped with two places. */
export function money(amount: unknown, currency: unknown): string {
  const d = decimalOf(amount);
  if (d === null) return amount === null || amount === undefined ? '' : String(amount);
  if (typeof currency === 'string' && CURRENCY.test(currency)) return moneyText(d, currency);
  return moneyText(d, 'XXX').replace(/^XXX /, '');
}

/** A unit price: the currency's places at least, up to 6 ("USD 1.2345"). */
export function unitPrice(amount: unknown, currency: unknown): string {
  const d = decimalOf(amount);
  if (d === null) return amount === null || amount === undefined ? '' : String(amount);
  const code = typeof currency === 'string' && CURRENCY.test(currency) ? currency : 'USD';
  const grouped = groupDigits(formatUnitPrice(d, code));
  return code === currency ? `${code} ${grouped}` : grouped;
}

/** A quantity without trailing zeros ("2.5", "10"). */
export function quantity(v: unknown): string {
  const d = decimalOf(v);
  return d === null ? (v === null || v === undefined ? '' : String(v)) : formatQuantity(d);
}

/** A fraction as a percentage: "0.2" → "20%", "0.166667" → "16.67%". */
export function rate(v: unknown): string {
  const d = decimalOf(v);
  if (d === null) return v === null || v === undefined ? '' : String(v);
  return `${d.mul(100).toDecimalPlaces(2).toString()}%`;
}

/** A number that already is a percentage: "-5274.44" → "-5,274.44%". */
export function percent(v: unknown): string {
  const d = decimalOf(v);
  if (d === null) return v === null || v === undefined ? '' : String(v);
  return `${groupDigits(d.toDecimalPlaces(2).toString())}%`;
}

/** "2026-12-07" → "7 Dec 2026". */
export function day(v: unknown): string {
  return typeof v === 'string' && isCalendarDate(v) ? longDate(v) : v === null || v === undefined ? '' : String(v);
}

/** A calendar month in words: "2026-11" → "November 2026". */
export function monthName(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(v)) return v === null || v === undefined ? '' : String(v);
  const [y, m] = v.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 1));
}

/** An instant in words in a zone (UTC unless given): "7 Dec 2026, 06:21 UTC". A calendar date is shown as a day. */
export function when(v: unknown, zone?: unknown): string {
  if (typeof v === 'string' && isCalendarDate(v)) return day(v);
  const ms = typeof v === 'string' ? Date.parse(v) : v instanceof Date ? v.getTime() : Number.NaN;
  if (Number.isNaN(ms)) return v === null || v === undefined ? '' : String(v);
  const tz = typeof zone === 'string' && zone ? zone : 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
  } catch {
    return when(v, 'UTC');
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} ${tz === 'UTC' ? 'UTC' : tz}`;
}

/** A period whose end is exclusive, as people say it: "7 Dec 2026 – 6 Jan 2027". */
export function period(from: unknown, toExclusive: unknown): string {
  if (typeof from === 'string' && typeof toExclusive === 'string' && isCalendarDate(from) && isCalendarDate(toExclusive) && toExclusive > from) {
    return dateRange(from, toExclusive);
  }
  return `${day(from)} – ${day(toExclusive)}`;
}

const WORDS: Record<string, string> = {
  from_change_date: 'from the change date', increases_only: 'increases only', none: 'none',
  in_advance: 'in advance', in_arrears: 'in arrears', arrears: 'in arrears', advance: 'in advance', usage: 'usage',
  monthly: 'monthly', quarterly: 'quarterly', annual: 'annual', yearly: 'yearly',
  // What started an import run or a job.
  http: 'from the web or API', cli: 'from the command line', schedule: 'on schedule', webhook: 'from a Pax8 event',
};

/** An option's name in words: "from_change_date" → "from the change date"; Pax8's "PendingManual" → "Pending manual". */
export function words(v: unknown): string {
  if (typeof v !== 'string') return v === null || v === undefined ? '' : String(v);
  if (WORDS[v]) return WORDS[v];
  if (/^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return v.replace(/(?!^)([A-Z])/g, (c) => ` ${c.toLowerCase()}`);
  return v.replace(/_/g, ' ');
}

/**
 * A sentence a feature wrote for its CLI and CSV (the reconciliation's explanations and findings), in the web's words:
 * "395.04 USD" as "USD 395.04", "2026-12-01 to 2027-01-01" (an end-exclusive period) as "1 Dec 2026 – 31 Dec 2026",
 * other dates as "7 Dec 2026", months as "December 2026". The rest of the sentence is left as it is.
 */
export function inWords(v: unknown): string {
  if (typeof v !== 'string') return v === null || v === undefined ? '' : String(v);
  return v
    .replace(/(?<![\w.])(-?\d+(?:\.\d+)?) ([A-Z]{3})\b/g, (all, amount: string, code: string) => money(amount, code))
    .replace(/\b(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\b/g, (all, from: string, to: string) => (isCalendarDate(from) && isCalendarDate(to) && to > from ? period(from, to) : all))
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => day(d))
    .replace(/\b\d{4}-(0[1-9]|1[0-2])\b/g, (m) => monthName(m));
}
