/**
 * THE place that builds Recurra's product SKU: `<vendor part number>-<term>-<billing>`,
 * e.g. Microsoft `CFQ7TTC0LCHC:0002`, 1-month term, billed monthly -> `CFQ7TTC0LCHC-0002-P1M-M`.
 * Terms are ISO-8601 durations; billing codes are single letters (M, A, B, T) for recurring
 * billing, two letters for the rest. Every Pax8 billingTerm has a code:
 *
 * | billingTerm | billing code | term when there is no commitment |
 * | --- | --- | --- |
 * | Monthly | `M` | `P1M` |
 * | Annual | `A` | `P1Y` |
 * | 2-Year | `B` | `P2Y` |
 * | 3-Year | `T` (three-year, not trial) | `P3Y` |
 * | One-Time | `OT` | `P0D` (charged once: no duration) |
 * | Trial | `TR` | `P1M` (Pax8/Microsoft trials run a month) |
 * | Activation | `AC` | `P0D` (an activation fee is charged once) |
 *
 * A commitment term, when the subscription has one, always sets the term (`…-P1Y-TR` for a trial of an
 * annual commitment, `…-P1M-OT` for a one-time item with a monthly commitment). The billing code is always
 * the last segment and no two billing terms share one, so the new codes cannot collide with SKUs built
 * before (`T` stays 3-year, `OT` one-time), and a trial, an activation fee and the paid subscription of
 * the same product are distinct products. `P0D` is used by no commitment term.
 */

const TERM_CODES: Record<string, string> = {
  monthly: 'P1M', month: 'P1M', '1-month': 'P1M', p1m: 'P1M',
  annual: 'P1Y', annually: 'P1Y', yearly: 'P1Y', year: 'P1Y', '1-year': 'P1Y', '12-month': 'P1Y', p1y: 'P1Y',
  '2-year': 'P2Y', biennial: 'P2Y', p2y: 'P2Y',
  '3-year': 'P3Y', triennial: 'P3Y', '36-month': 'P3Y', p3y: 'P3Y',
};

const BILLING_CODES: Record<string, string> = {
  monthly: 'M', month: 'M',
  annual: 'A', annually: 'A', yearly: 'A', '1-year': 'A',
  '2-year': 'B', biennial: 'B',
  '3-year': 'T', triennial: 'T',
  'one-time': 'OT', onetime: 'OT',
  trial: 'TR',
  activation: 'AC',
};

/** The term of billing terms that are not a duration, used when the subscription has no commitment. */
const BILLING_ONLY_TERMS: Record<string, string> = {
  'one-time': 'P0D', onetime: 'P0D',
  activation: 'P0D',
  trial: 'P1M',
};

export class SkuMappingError extends Error {
  override name = 'SkuMappingError';
}

function key(s: string): string {
  // Pax8 writes "3-Year" on subscriptions and "3 Year" on invoices.
  return s.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

/** ISO-8601 commitment duration for a Pax8 term string, or undefined if unknown. */
export function termCode(term: string | null | undefined): string | undefined {
  return term ? TERM_CODES[key(term)] : undefined;
}

/** The term a billing term implies without a commitment ('Annual' -> P1Y, 'One-Time' -> P0D, 'Trial' -> P1M), or undefined. */
export function termOfBilling(billingTerm: string | null | undefined): string | undefined {
  return billingTerm ? termCode(billingTerm) ?? BILLING_ONLY_TERMS[key(billingTerm)] : undefined;
}

/** Billing-period code for a Pax8 billingTerm string, or undefined if unknown. */
export function billingCode(billingTerm: string | null | undefined): string | undefined {
  return billingTerm ? BILLING_CODES[key(billingTerm)] : undefined;
}

/** `CFQ7TTC0LCHC:0002` -> `CFQ7TTC0LCHC-0002`; other vendors' part numbers pass through trimmed. */
export function partNumber(vendorSku: string): string {
  return vendorSku.trim().replace(/\s*:\s*/g, '-');
}

export interface SkuInput {
  /** Product.vendorSku (vendor part number). */
  vendorSku?: string | null;
  /** Product.sku, Pax8's own, used when there is no vendor part number. */
  sku?: string | null;
  /** Subscription commitment term (commitment.term); when absent the billing term sets the term (see the table above). */
  commitmentTerm?: string | null;
  billingTerm?: string | null;
}

/** Throws SkuMappingError when no part number exists or a term is not one of Pax8's (e.g. "Fortnightly", "5-Year"). */
export function recurraSku(input: SkuInput): string {
  const base = input.vendorSku?.trim() ? partNumber(input.vendorSku) : input.sku?.trim();
  if (!base) throw new SkuMappingError('product has neither vendorSku nor sku');
  const billing = billingCode(input.billingTerm);
  if (!billing) throw new SkuMappingError(`unmapped billing term "${input.billingTerm ?? ''}" for ${base}`);
  const commitment = input.commitmentTerm?.trim() ? input.commitmentTerm : null;
  const term = commitment ? termCode(commitment) : termOfBilling(input.billingTerm);
  if (!term) throw new SkuMappingError(`unmapped commitment term "${commitment ?? input.billingTerm ?? ''}" for ${base}`);
  return `${base}-${term}-${billing}`;
}
