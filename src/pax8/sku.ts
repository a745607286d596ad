/**
 * THE place that builds Recurra's product SKU: `<vendor part number>-<term>-<billing>`,
 * e.g. Microsoft `CFQ7TTC0LCHC:0002`, 1-month term, billed monthly -> `CFQ7TTC0LCHC-0002-P1M-M`.
 * Terms are ISO-8601 durations; billing codes are single letters (M, A, B, T) or
 * OT for one-time.
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
  /** Subscription commitment term (commitment.term); when absent the billing term sets the term. */
  commitmentTerm?: string | null;
  billingTerm?: string | null;
}

/** Throws SkuMappingError when no part number exists or a term cannot be mapped. */
export function recurraSku(input: SkuInput): string {
  const base = input.vendorSku?.trim() ? partNumber(input.vendorSku) : input.sku?.trim();
  if (!base) throw new SkuMappingError('product has neither vendorSku nor sku');
  const billing = billingCode(input.billingTerm);
  if (!billing) throw new SkuMappingError(`unmapped billing term "${input.billingTerm ?? ''}" for ${base}`);
  const termSource = input.commitmentTerm?.trim() ? input.commitmentTerm : input.billingTerm;
  const term = termCode(termSource);
  if (!term) throw new SkuMappingError(`unmapped commitment term "${termSource ?? ''}" for ${base}`);
  return `${base}-${term}-${billing}`;
}
