import { Decimal } from 'decimal.js';

/**
 * Rounding rule for everything imported from Pax8: quantities, prices, costs, charges and usage
 * unit prices are stored with at most 6 decimal places (DECIMAL(19,6)); longer values are rounded
 * half-up (half away from zero) to 6 places. Pax8's monthly figures have 2–3 places, so in practice
 * only usage quantities and unit prices are ever rounded.
 */
export function round6(d: Decimal): Decimal {
  return d.decimalPlaces() > 6 ? d.toDecimalPlaces(6, Decimal.ROUND_HALF_UP) : d;
}

export function round6OrNull(d: Decimal | null | undefined): Decimal | null {
  return d === null || d === undefined ? null : round6(d);
}

/** Equal as numbers (1.50 == 1.5); nulls equal only nulls. */
export function sameDecimal(a: Decimal | null | undefined, b: Decimal | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return a.eq(b);
}
