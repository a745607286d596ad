import { Decimal } from 'decimal.js';
import { roundMoney } from '../../billing/index.js';
import { fmtMoney as formatMoney } from '../format.js';
import type { RSubscription } from '../model.js';

/** Money helpers shared by the reconciliation's steps and rules. */

export const ZERO = new Decimal(0);
const HUNDRED = new Decimal(100);
const TERM_MONTHS: Record<string, number> = { annual: 12, yearly: 12, '2-year': 24, '2 year': 24, '3-year': 36, '3 year': 36 };
/** Invoice line kinds that bill licences (a quantity), as opposed to usage or pro-rata adjustments. */
export const QUANTITY_KINDS: ReadonlySet<string> = new Set(['recurring', 'arrears']);

export function money(v: Decimal, currency: string): string {
  return `${formatMoney(v, currency)} ${currency}`;
}

/**
 * a + b and a − b without a Decimal operation when an operand is zero (most rows add their first amount to zero and
 * hold no free licences), answering what decimal.js would, sign of zero included: every amount here has at most 20
 * significant digits (DECIMAL(19,6) columns, results at decimal.js's precision of 20), so none would be rounded.
 */
export function plus(a: Decimal, b: Decimal): Decimal {
  if (b.isZero()) return a.isZero() && a.isNeg() !== b.isNeg() ? ZERO : a;
  return a.isZero() ? b : a.plus(b);
}

export function minus(a: Decimal, b: Decimal): Decimal {
  if (b.isZero()) return a.isZero() && a.isNeg() === b.isNeg() ? ZERO : a;
  return a.minus(b);
}

export function rounded(v: Decimal, currency: string): Decimal {
  return new Decimal(roundMoney(v, currency).toString());
}

export function marginPercent(margin: Decimal, billed: Decimal): Decimal | null {
  if (billed.isZero()) return null;
  return margin.div(billed).mul(HUNDRED).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Splits a rounded amount by weights into rounded parts that add up to it exactly (the last part takes the rest). */
export function allocate(amount: Decimal, weights: readonly Decimal[], currency: string): Decimal[] {
  if (weights.length === 0) return [];
  if (weights.length === 1) return [amount];
  const total = weights.reduce((s, w) => s.plus(w), ZERO);
  const ws = total.isZero() ? weights.map(() => new Decimal(1)) : weights;
  const sum = total.isZero() ? new Decimal(weights.length) : total;
  const parts: Decimal[] = [];
  let used = ZERO;
  ws.forEach((w, i) => {
    if (i === ws.length - 1) parts.push(amount.minus(used));
    else {
      const p = rounded(amount.mul(w).div(sum), currency);
      parts.push(p);
      used = used.plus(p);
    }
  });
  return parts;
}

/** A subscription's price × quantity as a monthly amount (annual and multi-year terms spread over their months). */
export function monthlyAmount(unit: Decimal, quantity: Decimal, billingTerm: string | null, currency: string): Decimal {
  const months = TERM_MONTHS[(billingTerm ?? '').trim().toLowerCase()] ?? 1;
  return rounded(unit.mul(quantity).div(months), currency);
}

export function isCancelled(s: RSubscription): boolean {
  return s.deletedInPax8 || s.status.toLowerCase() === 'cancelled';
}
