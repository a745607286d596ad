import { Decimal } from 'decimal.js';

/**
 * The engine's own Decimal: 60 significant digits so products of prices, quantities and day
 * counts stay exact, and plain (never exponent) strings. A clone, so the global Decimal
 * configuration other modules rely on is untouched.
 */
export const Dec = Decimal.clone({
  precision: 60,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -100,
  toExpPos: 100,
});

/** The engine's Decimal for a value; an engine Decimal is returned as it is (Decimals are immutable). */
export function dec(value: Decimal.Value): Decimal {
  return value instanceof Dec ? value : new Dec(value);
}

export const ZERO = dec(0);

export function sum(values: readonly Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.add(v), ZERO);
}

export function maxOf(...values: Decimal[]): Decimal {
  return values.reduce((a, b) => (b.greaterThan(a) ? b : a));
}
