import { Decimal } from 'decimal.js';

/**
 * Money is held as Decimal and written into JSON as a number literal taken from the
 * decimal text (never through a JS float). `toJson` is the serializer the sandbox uses:
 * Decimals become marked strings, and the marks are replaced by the bare digits afterwards.
 */
const MARK = '\uE000DEC:';
const MARK_RE = /"\uE000DEC:(-?[0-9]+(?:\.[0-9]+)?)"/g;

/** Already-serialized JSON text, embedded verbatim by `toJson`'s callers (see send.ts). */
export class RawJson {
  constructor(readonly text: string) {}
}

function mark(value: unknown): unknown {
  if (value instanceof Decimal) return MARK + value.toFixed();
  if (Array.isArray(value)) return value.map(mark);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = mark(v);
    }
    return out;
  }
  return value;
}

export function toJson(value: unknown): string {
  const text = JSON.stringify(mark(value));
  return text.includes(MARK) ? text.replace(MARK_RE, '$1') : text;
}

export function dec(v: Decimal.Value): Decimal {
  return new Decimal(v);
}

/** Integer count of `1/10^dp` units, converted to a Decimal. */
export function fromUnits(units: number, dp: number): Decimal {
  return new Decimal(units).div(new Decimal(10).pow(dp));
}
