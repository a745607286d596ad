import { day, quantity, words } from './format.js';

/**
 * Telling look-alike rows apart on a page (issue 24): two rows whose label reads the same get what differs between
 * them (a detail such as the billing term or the start date), and when even that reads the same, the end of their id.
 * Rows that look like no other keep their plain label.
 */
export function distinctLabels<T>(rows: readonly T[], label: (r: T) => string, details: Array<(r: T) => string>, id: (r: T) => string): string[] {
  let labels = rows.map(label);
  for (const detail of [...details, (r: T) => `…${id(r).slice(-6)}`]) {
    const seen = new Map<string, number>();
    for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
    if ([...seen.values()].every((n) => n === 1)) return labels;
    labels = labels.map((l, i) => {
      if ((seen.get(l) ?? 0) < 2) return l;
      const d = detail(rows[i]!);
      return d ? `${l}, ${d}` : l;
    });
  }
  return labels;
}

/** A map of id → name in which same-name entries end with the end of their id ("Apex Ltd (…c2dbd7)"). */
export function distinctNames(names: ReadonlyMap<string, string>): Map<string, string> {
  const count = new Map<string, number>();
  for (const n of names.values()) count.set(n, (count.get(n) ?? 0) + 1);
  return new Map([...names].map(([id, n]) => [id, (count.get(n) ?? 0) > 1 ? `${n} (…${id.slice(-6)})` : n]));
}

export interface SubscriptionLike {
  id: string;
  name: string;
  quantity: unknown;
  status?: string | null;
  billingTerm?: string | null;
  commitmentTerm?: string | null;
  startDate?: string | null;
  pax8Id?: string | null;
}

/**
 * Subscription choices as people tell them apart: "Microsoft 365 Business Premium (monthly, qty 5, Active)", and for
 * two of one name and term the commitment, then the start date, then the end of the Pax8 id.
 */
export function subscriptionLabels(subs: readonly SubscriptionLike[]): string[] {
  const first = (s: SubscriptionLike) => {
    const term = s.billingTerm ? words(s.billingTerm.toLowerCase()) : '';
    return `${s.name} (${[term, `qty ${quantity(s.quantity)}`, words(s.status ?? '')].filter(Boolean).join(', ')})`;
  };
  return distinctLabels(subs, first, [
    (s) => (s.commitmentTerm ? `${words(s.commitmentTerm.toLowerCase())} commitment` : 'no commitment'),
    (s) => (s.startDate ? `since ${day(s.startDate)}` : ''),
  ], (s) => s.pax8Id || s.id);
}

const SKU_TERMS: Record<string, string> = { P1M: '1-month term', P1Y: '1-year term', P2Y: '2-year term', P3Y: '3-year term' };
const SKU_BILLING: Record<string, string> = {
  M: 'billed monthly', A: 'billed annually', B: 'billed every 2 years', T: 'billed every 3 years', OT: 'charged once', TR: 'trial', AC: 'activation fee',
};

/** The term and billing a Recurra SKU ends with, in words ("…-P1Y-M" → "1-year term, billed monthly"); '' for another SKU. */
export function skuTermWords(sku: unknown): string {
  const m = typeof sku === 'string' ? /-(P\d+[DMY])-([A-Z]{1,2})$/.exec(sku) : null;
  if (!m || !SKU_BILLING[m[2]!]) return '';
  return [SKU_TERMS[m[1]!], SKU_BILLING[m[2]!]].filter(Boolean).join(', ');
}

/**
 * Catalog products as people tell them apart: a product whose name and vendor another row on the page shares gets
 * `twin`, its term and billing in words, else (or as well, when those repeat too) its SKU.
 */
export function withCatalogTwins<T extends { id: string; name: string; vendorName?: string | null; sku?: string | null }>(items: readonly T[]): Array<T & { twin: string | null }> {
  const plain = (p: T) => `${p.name}|${p.vendorName ?? ''}`;
  const labels = distinctLabels(items, plain, [(p) => skuTermWords(p.sku), (p) => p.sku ?? ''], (p) => p.id);
  return items.map((p, i) => ({ ...p, twin: labels[i] !== plain(p) ? labels[i]!.slice(plain(p).length + 2) : null }));
}

interface UsageRowLike {
  customerId?: string | null;
  customerName?: string | null;
  resourceGroup?: string | null;
  vendorName?: string | null;
}

/**
 * Usage rows as people tell them apart: two customers of one name end with the end of their id, and rows whose
 * customer, resource group and vendor still read the same get `twin` ("<what> …a1b2c3", the end of `idOf`).
 */
export function withUsageTwins<T extends UsageRowLike>(items: readonly T[], idOf: (u: T) => string, what: string): Array<T & { twin: string | null }> {
  const names = distinctNames(new Map(items.filter((u) => u.customerId && u.customerName).map((u) => [u.customerId!, u.customerName!])));
  const named = items.map((u) => ({ ...u, customerName: u.customerId ? names.get(u.customerId) ?? u.customerName ?? null : u.customerName ?? null }));
  const plain = (u: UsageRowLike) => `${u.customerName ?? ''}|${u.resourceGroup ?? ''}|${u.vendorName ?? ''}`;
  const labels = distinctLabels(named, plain, [], (u) => idOf(u));
  return named.map((u, i) => ({ ...u, twin: labels[i] !== plain(u) ? `${what} ${labels[i]!.slice(plain(u).length + 2)}` : null }));
}
