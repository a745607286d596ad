import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { ExactNumber } from './exact-json.js';
import { parsedOnce } from '../../common/parsed-once.js';

const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Money or quantity as Decimal. Numbers from parseExactJson are exact doubles,
 * so String(n) is their literal's value; longer literals arrive as ExactNumber.
 * Numeric strings are accepted too (never seen from Pax8, harmless).
 */
export const decimal = z.custom<Decimal | number | string | ExactNumber>(
  (v) =>
    (typeof v === 'number' && Number.isFinite(v)) ||
    v instanceof ExactNumber ||
    (typeof v === 'string' && DECIMAL_TEXT.test(v)),
  { message: 'expected a decimal number' },
).transform((v) => (typeof v === 'number' ? decimalOfNumber(v) : new Decimal(v instanceof ExactNumber ? v.source : String(v))));

// Decimal is immutable, so equal amounts can share one instance; prices repeat a lot.
/**
 * Text we store, bounded by its column's size: an oversize value is a broken record, refused alike on
 * SQLite (which would store it) and MariaDB (which would fail the whole batch).
 */
export function text(max: number) {
  return z.string().max(max, { message: `longer than ${max} characters` });
}

/** A Pax8 id (uuid in practice). */
export const pax8Id = z.string().min(1).max(64, { message: 'an id longer than 64 characters' });

export const currencyCode = z.string().regex(/^[A-Za-z]{3}$/, { message: 'a three-letter ISO 4217 currency code' });

/**
 * 0 <= d < 1e9, from the sign and exponent: `gte`/`lt` build a Decimal of their argument on every call, even of a
 * Decimal (two per record). Zero (also -0) is in; a finite positive value is below 1e9 while its exponent is below 9.
 */
const fromZeroToBillion = (d: Decimal) => d.isZero() || (!d.isNeg() && d.isFinite() && d.e < 9);

/**
 * A subscription's quantity: not negative and below a billion (anything else is a broken record). Not necessarily
 * whole: Pax8 sends fractional quantities for some products (e.g. 2.5), kept exact as a Decimal.
 */
export const quantity = decimal.refine(fromZeroToBillion, {
  message: 'expected a non-negative quantity below a billion',
});

/** A count of licences or seats: whole, not negative, and below a billion (anything else is a broken record). */
export const licenceCount = decimal.refine((d) => d.isInteger() && fromZeroToBillion(d), {
  message: 'expected a whole, non-negative number of licences',
});

const decimalOfNumber = parsedOnce((n: number) => new Decimal(String(n)), 10_000);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const daysIn = (year: number, month: number) => DAYS_IN_MONTH[month - 1]! + (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0);

function validDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** Value of the `n` ASCII digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : String(n)));
const threeDigits = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/**
 * Pax8 sends `2020-12-03`, `2020-12-01T13:20:13.153-0700` and ISO with `Z`.
 * Date-only stays 'YYYY-MM-DD'; anything with a time becomes an ISO UTC instant
 * (millisecond precision). A time without an offset is taken as UTC (Pax8 never
 * sends one; assumption). Hand-rolled: it runs for every date of every record.
 */
export function normalizePax8Date(input: string): string | undefined {
  const s = input.length > 0 && (input.charCodeAt(0) <= 32 || input.charCodeAt(input.length - 1) <= 32) ? input.trim() : input;
  const len = s.length;
  if (len < 10 || s[4] !== '-' || s[7] !== '-') return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 0 || !validDay(year, month, day)) return undefined;
  if (len === 10) return s;
  if ((s[10] !== 'T' && s[10] !== 't' && s[10] !== ' ') || len < 16 || s[13] !== ':') return undefined;
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  let i = 16;
  let second = 0;
  let ms = 0;
  if (s[i] === ':') {
    second = digits(s, i + 1, 2);
    i += 3;
    if (s[i] === '.' || s[i] === ',') {
      let n = 0;
      i++;
      const from = i;
      while (i < len && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
        if (i - from < 3) n = n * 10 + (s.charCodeAt(i) - 48);
        i++;
      }
      const count = i - from;
      if (count === 0 || count > 9) return undefined;
      ms = count >= 3 ? n : n * 10 ** (3 - count);
    }
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let offset = 0;
  if (i === len || s[i] === 'Z' || s[i] === 'z') {
    if (i < len - 1) return undefined;
  } else if (s[i] === '+' || s[i] === '-') {
    const sign = s[i] === '-' ? -1 : 1;
    const rest = len - i - 1;
    // +hh, +hhmm or +hh:mm
    const oh = rest === 2 || rest === 4 || (rest === 5 && s[i + 3] === ':') ? digits(s, i + 1, 2) : -1;
    const om = rest === 2 ? 0 : rest === 4 ? digits(s, i + 3, 2) : rest === 5 ? digits(s, i + 4, 2) : -1;
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = sign * (oh * 60 + om);
  } else {
    return undefined;
  }
  if (offset === 0) {
    if (len === 24 && s[10] === 'T' && s[19] === '.' && s[23] === 'Z') return s; // already canonical
    if (len === 20 && s[10] === 'T' && s[19] === 'Z') return `${s.slice(0, 19)}.000Z`;
    return `${s.slice(0, 10)}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${threeDigits(ms)}Z`;
  }
  // The offset moves the instant by less than a day: at most to the day before or after.
  let minutes = hour * 60 + minute - offset;
  let y = year;
  let mo = month;
  let d = day;
  if (minutes < 0) {
    minutes += 1440;
    if (--d === 0) {
      if (--mo === 0) (mo = 12), y--;
      d = daysIn(y, mo);
    }
  } else if (minutes >= 1440) {
    minutes -= 1440;
    if (++d > daysIn(y, mo)) {
      d = 1;
      if (++mo === 13) (mo = 1), y++;
    }
  }
  // Date.UTC reads years 0–99 as 1900–1999, and toISOString writes years past 9999 with a sign: as before, by Date.
  if (year < 100 || y < 100 || y > 9999) return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000).toISOString();
  const date = y === year && mo === month && d === day ? s.slice(0, 10) : `${TWO_DIGITS[(y / 100) | 0]}${TWO_DIGITS[y % 100]}-${TWO_DIGITS[mo]}-${TWO_DIGITS[d]}`;
  return `${date}T${TWO_DIGITS[(minutes / 60) | 0]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[second]}.${threeDigits(ms)}Z`;
}

/** Any of Pax8's date formats, normalized by normalizePax8Date. */
export const pax8Date = z.string().transform((v, ctx) => {
  const out = normalizePax8Date(v);
  if (out === undefined) {
    ctx.issues.push({ code: 'custom', message: `unrecognised date "${v}"`, input: v });
    return z.NEVER;
  }
  return out;
});

/** A string enum that keeps values it does not know instead of failing. */
export function openEnum<const T extends readonly string[]>(_known: T): z.ZodType<T[number] | (string & {}), string> {
  return z.string().max(40, { message: 'a status or term longer than 40 characters' });
}

/** Optional in practice: Pax8 omits fields or sends null. */
export function opt<S extends z.ZodType>(schema: S) {
  return schema.nullish();
}
