import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { ExactNumber } from './exact-json.js';

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
).transform((v) => new Decimal(v instanceof ExactNumber ? v.source : String(v)));

export const integer = z.number().int();

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Pax8 sends `2020-12-03`, `2020-12-01T13:20:13.153-0700` and ISO with `Z`.
 * Date-only stays 'YYYY-MM-DD'; anything with a time becomes an ISO UTC instant.
 * A time without an offset is taken as UTC (Pax8 never sends one; assumption).
 */
export function normalizePax8Date(input: string): string | undefined {
  const m = DATE_RE.exec(input.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const dayCheck = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || dayCheck.getUTCDate() !== day || dayCheck.getUTCMonth() !== month - 1) return undefined;
  if (h === undefined) return `${y}-${mo}-${d}`;
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  return new Date(t).toISOString();
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
export function openEnum<const T extends readonly string[]>(_known: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {}), string>;
}

/** Optional in practice: Pax8 omits fields or sends null. */
export function opt<S extends z.ZodType>(schema: S) {
  return schema.nullish();
}
