import { hash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { UsageLine as Pax8UsageLine } from '../pax8/schemas/usage.js';
import { round6 } from '../common/rounding.js';

export interface LineFields {
  usageDate: string;
  lineKey: string;
  pax8ProductId: string | null;
  productName: string | null;
  unitOfMeasure: string | null;
  quantity: Decimal;
  unitPrice: Decimal;
  charges: Decimal;
  partnerTotal: Decimal;
  currency: string;
}

/** Stable key of a line within its summary and date: sha256 of product id, unit and product name. */
export function lineKeyOf(l: { productId?: string | null; unitOfMeasure?: string | null; productName?: string | null }): string {
  return hash('sha256', `${l.productId ?? ''}|${l.unitOfMeasure ?? ''}|${l.productName ?? ''}`, 'hex');
}

/**
 * Pure: Pax8 usage lines -> stored lines. Lines with the same key on the same date are added up
 * (unit price kept from the first). Values are rounded half-up to 6 places.
 */
export function toLineFields(lines: Pax8UsageLine[], currency: string): LineFields[] {
  const byKey = new Map<string, LineFields>();
  for (const l of lines) {
    const date = l.usageDate.slice(0, 10);
    const key = lineKeyOf(l);
    const k = `${date}|${key}`;
    const prev = byKey.get(k);
    const charges = l.currentCharges ?? new Decimal(0);
    const partner = l.partnerTotal ?? new Decimal(0);
    if (prev) {
      prev.quantity = prev.quantity.plus(l.quantity);
      prev.charges = prev.charges.plus(charges);
      prev.partnerTotal = prev.partnerTotal.plus(partner);
      continue;
    }
    byKey.set(k, {
      usageDate: date, lineKey: key, pax8ProductId: l.productId?.slice(0, 64) ?? null, productName: l.productName?.slice(0, 255) ?? null,
      unitOfMeasure: l.unitOfMeasure?.slice(0, 60) ?? null, quantity: l.quantity, unitPrice: l.unitPrice ?? new Decimal(0),
      charges, partnerTotal: partner, currency: (l.currencyCode ?? currency).slice(0, 3).toUpperCase(),
    });
  }
  return [...byKey.values()].map((f) => ({
    ...f, quantity: round6(f.quantity), unitPrice: round6(f.unitPrice), charges: round6(f.charges), partnerTotal: round6(f.partnerTotal),
  }));
}

export function sameLine(a: LineFields, b: LineFields): boolean {
  return a.quantity.eq(b.quantity) && a.unitPrice.eq(b.unitPrice) && a.charges.eq(b.charges) && a.partnerTotal.eq(b.partnerTotal) &&
    a.pax8ProductId === b.pax8ProductId && a.productName === b.productName && a.unitOfMeasure === b.unitOfMeasure && a.currency === b.currency;
}

/** The month a summary's current charges belong to: that of its latest line, else the given fallback. */
export function chargeMonth(lines: LineFields[], fallbackMonth: string): string {
  let latest = '';
  for (const l of lines) if (l.usageDate > latest) latest = l.usageDate;
  return latest ? latest.slice(0, 7) : fallbackMonth;
}

/** Sum of the lines' charges within a month. */
export function linesTotal(lines: LineFields[], month: string): Decimal {
  return lines.filter((l) => l.usageDate.startsWith(month)).reduce((s, l) => s.plus(l.charges), new Decimal(0));
}
