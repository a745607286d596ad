import { Decimal } from 'decimal.js';

/**
 * Money is held as Decimal and written into JSON as a number literal taken from the
 * decimal text (never through a JS float). `toJson` is the only serializer the sandbox uses.
 */
const MARK = '\uE000DEC:';
const MARK_RE = /"\uE000DEC:(-?[0-9]+(?:\.[0-9]+)?)"/g;

export function toJson(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof Decimal) return MARK + original.toFixed();
    return v;
  });
  return text.replace(MARK_RE, '$1');
}

export function dec(v: Decimal.Value): Decimal {
  return new Decimal(v);
}

/** Integer count of `1/10^dp` units, converted to a Decimal. */
export function fromUnits(units: number, dp: number): Decimal {
  return new Decimal(units).div(new Decimal(10).pow(dp));
}
