import { Decimal } from 'decimal.js';

/**
 * Why a usage summary's month deserves a reviewer's look (pure: no database, no clock).
 *
 * - `first_month`: the summary has no charges for the month before (nothing to compare; no spike is computed).
 * - `spike`: the month's charges grew by more than the tenant's `usageSpikePercent` over the month before (from zero
 *   to anything above zero is a spike); drops are not spikes.
 * - `new_resource_group`: the summary's Azure resource group had no charges for this customer (or, unmapped, this
 *   Pax8 company) the month before.
 * - `new_product`: a product billed this month that the summary's lines did not have the month before (not reported
 *   in a first month, where every product is new).
 * - `negative`: the month's charges, or any of its daily lines, are below zero (credits, refunds, corrections).
 */
export const FLAG_KINDS = ['first_month', 'spike', 'new_resource_group', 'new_product', 'negative'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export type UsageFlag =
  | { kind: 'first_month' }
  | { kind: 'spike'; percent: string | null }
  | { kind: 'new_resource_group'; resourceGroup: string }
  | { kind: 'new_product'; products: string[] }
  | { kind: 'negative'; amount: string };

export interface FlagInput {
  charges: Decimal;
  /** The month before's charges; null when the summary has no charges row for it. */
  previousCharges: Decimal | null;
  /** Products (name, or id when unnamed) of the month's lines and of the month before's lines. */
  products: readonly string[];
  previousProducts: readonly string[];
  resourceGroup: string | null;
  /** Resource groups (lower case) the same customer or company had charges in the month before. */
  previousResourceGroups: ReadonlySet<string>;
  /** The most negative daily line charge of the month, if any line is below zero. */
  lowestLineCharge: Decimal | null;
  /** Spike threshold in percent (the tenant's usageSpikePercent). */
  spikePercent: Decimal;
}

/** Growth over the month before in percent (2 places), or null when the month before had nothing (or no row). */
export function changePercent(charges: Decimal, previous: Decimal | null): Decimal | null {
  if (previous === null || previous.isZero()) return null;
  return charges.minus(previous).div(previous.abs()).mul(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

export function usageFlags(i: FlagInput): UsageFlag[] {
  const flags: UsageFlag[] = [];
  const first = i.previousCharges === null;
  if (first) flags.push({ kind: 'first_month' });
  else if (i.previousCharges!.lte(0)) {
    if (i.charges.gt(0) && i.previousCharges!.isZero()) flags.push({ kind: 'spike', percent: null });
  } else {
    const pct = changePercent(i.charges, i.previousCharges)!;
    if (pct.gt(i.spikePercent)) flags.push({ kind: 'spike', percent: pct.toString() });
  }
  if (i.resourceGroup && !i.previousResourceGroups.has(i.resourceGroup.toLowerCase())) {
    flags.push({ kind: 'new_resource_group', resourceGroup: i.resourceGroup });
  }
  if (!first) {
    const before = new Set(i.previousProducts);
    const added = [...new Set(i.products)].filter((p) => !before.has(p)).sort();
    if (added.length > 0) flags.push({ kind: 'new_product', products: added });
  }
  const lowest = [i.charges, ...(i.lowestLineCharge ? [i.lowestLineCharge] : [])].reduce((a, b) => (b.lt(a) ? b : a));
  if (lowest.isNegative() && !lowest.isZero()) flags.push({ kind: 'negative', amount: lowest.toString() });
  return flags;
}

/** A flag in words for a reviewer. */
export function flagText(f: UsageFlag): string {
  switch (f.kind) {
    case 'first_month': return 'first month';
    case 'spike': return f.percent === null ? 'spike: up from nothing' : `spike: +${f.percent}%`;
    case 'new_resource_group': return `new resource group ${f.resourceGroup}`;
    case 'new_product': return `new product${f.products.length === 1 ? '' : 's'}: ${f.products.join(', ')}`;
    case 'negative': return `negative charge ${f.amount}`;
  }
}
