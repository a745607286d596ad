import type { Decimal } from 'decimal.js';
import { Dec, dec } from './decimal.js';

/** An exact amount: numerator / denominator (a day count, or 1). Never rounded until it becomes a line. */
export interface Exact {
  numerator: Decimal;
  denominator: number;
}

const ZERO_PLACES = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const THREE_PLACES = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);
const FOUR_PLACES = new Set(['CLF', 'UYW']);

/** ISO 4217 minor-unit places; 2 for every currency not listed as an exception. */
export function minorUnits(currency: string): number {
  if (ZERO_PLACES.has(currency)) return 0;
  if (THREE_PLACES.has(currency)) return 3;
  if (FOUR_PLACES.has(currency)) return 4;
  return 2;
}

export function exactOf(value: Decimal.Value, denominator = 1): Exact {
  return { numerator: dec(value), denominator };
}

const POWERS_OF_TEN = new Map<number, Decimal>();

/** 10^places, built once per number of places (roundRatio runs for every line of every invoice). */
function powerOfTen(places: number): Decimal {
  let p = POWERS_OF_TEN.get(places);
  if (!p) POWERS_OF_TEN.set(places, (p = dec(10).pow(places)));
  return p;
}

/** numerator / denominator rounded half away from zero to `places`, computed exactly (no intermediate rounding). */
export function roundRatio(numerator: Decimal.Value, denominator: number, places: number): Decimal {
  if (Math.floor(denominator) !== denominator || denominator <= 0) throw new Error(`denominator must be a positive integer, got ${denominator}`);
  const n = dec(numerator);
  if (denominator === 1) {
    // Rounding a decimal to `places` is exact in decimal.js whatever its precision; -0 prints as 0.
    const r = n.decimalPlaces() <= places ? n : n.toDecimalPlaces(places, Dec.ROUND_HALF_UP);
    return r.isZero() ? r.abs() : r;
  }
  const scaled = n.abs().mul(powerOfTen(places));
  const quotient = scaled.divToInt(denominator);
  const remainder = scaled.sub(quotient.mul(denominator));
  const rounded = remainder.mul(2).greaterThanOrEqualTo(denominator) ? quotient.add(1) : quotient;
  const result = rounded.div(powerOfTen(places));
  return n.isNegative() && !result.isZero() ? result.neg() : result;
}

/** The one rounding of the engine: an exact amount to the currency's minor unit, ROUND_HALF_UP. */
export function roundMoney(amount: Exact | Decimal, currency: string): Decimal {
  const e = 'numerator' in amount ? amount : exactOf(amount);
  return roundRatio(e.numerator, e.denominator, minorUnits(currency));
}

/** A line's tax: its rounded amount × rate, rounded the same way. */
export function lineTax(roundedAmount: Decimal, taxRate: Decimal, currency: string): Decimal {
  return roundMoney(dec(roundedAmount).mul(taxRate), currency);
}

function padPlaces(plain: string, places: number): string {
  if (places === 0) return plain;
  const [int, frac = ''] = plain.split('.');
  return `${int}.${frac.padEnd(places, '0')}`;
}

function plain(value: Decimal): string {
  return value.isZero() ? '0' : value.toString();
}

/** An amount with exactly the currency's minor-unit places ("74.52", "1000", "-3.10"). */
export function formatMoney(amount: Decimal, currency: string): string {
  const places = minorUnits(currency);
  return padPlaces(plain(roundRatio(amount, 1, places)), places);
}

/** A unit price: at least the currency's places, up to 6, trailing zeros beyond those removed ("22.00", "1.2345"). */
export function formatUnitPrice(price: Decimal, currency: string): string {
  return padPlaces(plain(roundRatio(price, 1, 6)), minorUnits(currency));
}

/** A quantity as a plain decimal, at most `maxPlaces` places (half up), trailing zeros removed. */
export function formatQuantity(quantity: Decimal, maxPlaces = 6): string {
  return plain(roundRatio(quantity, 1, maxPlaces));
}
