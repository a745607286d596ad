import type { Decimal } from 'decimal.js';
import { dec } from './decimal.js';

/**
 * Tax codes and which one a line bills (pure). A `standard` code bills its rate; an `exempt` one bills no tax; a
 * `reverse_charge` one bills no tax either and the invoice says the customer accounts for it.
 */
export const TAX_KINDS = ['standard', 'exempt', 'reverse_charge'] as const;
export type TaxKind = (typeof TAX_KINDS)[number];

export interface TaxCode {
  /** The name the accounting system knows it by ("GST", "Tax Exempt", "Reverse Charge"). */
  code: string;
  rate: Decimal;
  kind: TaxKind;
}

/** Where a line's tax came from, for explanations. */
export type TaxSource = 'customer' | 'product group' | 'recurring invoice';

export interface LineTaxRule {
  rate: Decimal;
  /** null: the recurring invoice's rate, which has no code. */
  code: string | null;
  kind: TaxKind;
  source: TaxSource;
}

export const REVERSE_CHARGE_NOTE = 'Reverse charge: no tax is charged on these lines; the customer accounts for the tax.';

/** Kinds a customer's own tax code may have: its standard rate comes from the product group or the recurring invoice. */
export const CUSTOMER_TAX_KINDS: readonly TaxKind[] = ['exempt', 'reverse_charge'];

/** The rate a code bills: exempt and reverse-charge codes bill none, whatever rate they were given. */
export function billedRate(code: TaxCode): Decimal {
  return code.kind === 'standard' ? code.rate : dec(0);
}

/**
 * A line's tax: the customer's exemption or reverse charge, else the code of the line's product group, else the
 * recurring invoice's rate. A customer code of kind `standard` is not an override (the settings refuse it) and is
 * ignored here.
 */
export function resolveLineTax(input: { customer?: TaxCode | null; productGroup?: TaxCode | null; fallbackRate: Decimal }): LineTaxRule {
  const { customer, productGroup } = input;
  if (customer && CUSTOMER_TAX_KINDS.includes(customer.kind)) return { rate: billedRate(customer), code: customer.code, kind: customer.kind, source: 'customer' };
  if (productGroup) return { rate: billedRate(productGroup), code: productGroup.code, kind: productGroup.kind, source: 'product group' };
  return { rate: input.fallbackRate, code: null, kind: 'standard', source: 'recurring invoice' };
}

/** "10%", "0%", "12.5%" — a rate as a percentage without trailing zeros. */
export function percentText(rate: Decimal.Value): string {
  return `${dec(rate).mul(100).toString()}%`;
}
