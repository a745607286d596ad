import type { Decimal } from 'decimal.js';
import { dec } from '../billing/decimal.js';
import { percentText, REVERSE_CHARGE_NOTE, type TaxKind } from '../billing/tax.js';

/* How a stored invoice line's tax reads on the rendered invoice, in explanations and exports. */

/** The columns a stored line carries (lines billed before tax codes have no rate: their invoice's applies). */
export interface StoredLineTax {
  taxRate: Decimal | null;
  taxCode: string | null;
  taxKind: string | null;
}

export interface LineTaxFacts {
  rate: Decimal;
  code: string | null;
  kind: TaxKind;
}

export function lineTaxFacts(line: StoredLineTax, invoiceRate: Decimal.Value): LineTaxFacts {
  const kind = line.taxKind === 'exempt' || line.taxKind === 'reverse_charge' ? line.taxKind : 'standard';
  return { rate: dec((line.taxRate ?? invoiceRate).toString()), code: line.taxCode, kind };
}

/** "20%", "GST 15%", "Exempt (exempt)", "EU-RC (reverse charge)". */
export function lineTaxText(t: LineTaxFacts): string {
  if (t.kind === 'exempt') return `${t.code ?? 'Exempt'} (exempt)`;
  if (t.kind === 'reverse_charge') return `${t.code ?? 'Reverse charge'} (reverse charge)`;
  return t.code ? `${t.code} ${percentText(t.rate)}` : percentText(t.rate);
}

/** The invoice's tax label: "Tax (10%)" when every line has one rate and no code, else "Tax" (each line shows its own). */
export function invoiceTaxLabel(lines: readonly LineTaxFacts[], invoiceRate: Decimal.Value): string {
  const texts = new Set(lines.map(lineTaxText));
  if (lines.length === 0) return `Tax (${percentText(invoiceRate)})`;
  return texts.size === 1 && lines[0]!.code === null ? `Tax (${percentText(lines[0]!.rate)})` : 'Tax';
}

/** The note a reverse-charge line requires on the invoice (null: no such line). */
export function reverseChargeNote(lines: readonly LineTaxFacts[]): string | null {
  return lines.some((l) => l.kind === 'reverse_charge') ? REVERSE_CHARGE_NOTE : null;
}

/** A line's tax as the API answers it. */
export function lineTaxJson(t: LineTaxFacts): { taxRate: string; taxCode: string | null; taxKind: TaxKind } {
  return { taxRate: t.rate.toString(), taxCode: t.code, taxKind: t.kind };
}
