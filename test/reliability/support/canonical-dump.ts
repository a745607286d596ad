import type { DataSource } from 'typeorm';
import {
  Customer, CustomerMapping, Pax8Company, Product, Subscription, SubscriptionChange, UsageLine, UsageMonthlyCharge, UsageSummary,
} from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';

type Row = Record<string, string | boolean | null>;

const d = (v: { toFixed(): string } | null | undefined) => (v == null ? null : v.toFixed());

function sorted(rows: Row[]): Row[] {
  return rows.map((r) => JSON.stringify(r)).sort().map((s) => JSON.parse(s) as Row);
}

/**
 * The imported state of a tenant keyed by natural keys (Pax8 ids, SKUs, names) instead of our random
 * row ids and timestamps, so two imports of the same Pax8 data compare equal exactly when they
 * wrote the same facts.
 */
export async function canonicalDump(ds: DataSource, tenantId: string): Promise<Record<string, Row[]>> {
  const scope = new TenantScope(ds.manager, tenantId);
  const customers = await scope.repo(Customer).find();
  const customerName = new Map(customers.map((c) => [c.id, c.name]));
  const products = await scope.repo(Product).find();
  const sku = new Map(products.map((p) => [p.id, p.sku]));
  const subs = await scope.repo(Subscription).find();
  const subKey = new Map(subs.map((s) => [s.id, `${s.kind}:${s.pax8Id}`]));
  const summaries = await scope.repo(UsageSummary).find();
  const summaryKey = new Map(summaries.map((s) => [s.id, s.pax8Id]));
  const cn = (id: string | null) => (id ? customerName.get(id) ?? `?${id}` : null);
  return {
    customers: sorted(customers.map((c) => ({
      name: c.name, topLevel: c.topLevel, active: c.active, street: c.siteStreet, city: c.siteCity, postalCode: c.sitePostalCode,
      country: c.siteCountry, source: c.source,
    }))),
    pax8Companies: sorted((await scope.repo(Pax8Company).find()).map((c) => ({ pax8Id: c.pax8Id, name: c.name, status: c.status, hash: c.contentHash }))),
    mappings: sorted((await scope.repo(CustomerMapping).find()).map((m) => ({
      pax8CompanyId: m.pax8CompanyId, customer: cn(m.customerId), resourceGroup: m.resourceGroup, source: m.source,
    }))),
    products: sorted(products.map((p) => ({ sku: p.sku, name: p.name, vendor: p.vendorName, pax8ProductId: p.pax8ProductId, group: p.productGroup }))),
    subscriptions: sorted(subs.map((s) => ({
      key: `${s.kind}:${s.pax8Id}`, customer: cn(s.customerId), product: s.productId ? sku.get(s.productId) ?? '?' : null, name: s.name,
      quantity: d(s.quantity), status: s.status, active: s.active, price: d(s.price), cost: d(s.cost), currency: s.currency,
      billingTerm: s.billingTerm, commitmentEnd: s.commitmentEndDate, start: s.startDate, end: s.endDate, deleted: s.deletedInPax8,
      summary: s.usageSummaryId ? summaryKey.get(s.usageSummaryId) ?? '?' : null,
    }))),
    subscriptionChanges: sorted((await scope.repo(SubscriptionChange).find()).map((c) => ({
      subscription: subKey.get(c.subscriptionId) ?? '?', date: c.effectiveDate, fields: c.fields, quantity: d(c.quantity), status: c.status,
      active: c.active, price: d(c.price), cost: d(c.cost), source: c.source,
    }))),
    usageSummaries: sorted(summaries.map((s) => ({
      pax8Id: s.pax8Id, customer: cn(s.customerId), mappedBy: s.mappedBy, charges: d(s.currentCharges), partnerTotal: d(s.partnerTotal),
      currency: s.currency, mismatch: s.linesMismatch,
    }))),
    usageMonthlyCharges: sorted((await scope.repo(UsageMonthlyCharge).find()).map((m) => ({
      summary: summaryKey.get(m.usageSummaryId) ?? '?', month: m.month, charges: d(m.charges), partnerTotal: d(m.partnerTotal),
    }))),
    usageLines: sorted((await scope.repo(UsageLine).find()).map((l) => ({
      summary: summaryKey.get(l.usageSummaryId) ?? '?', date: l.usageDate, key: l.lineKey, quantity: d(l.quantity), unitPrice: d(l.unitPrice),
      charges: d(l.charges), partnerTotal: d(l.partnerTotal),
    }))),
  };
}

/** Rows whose natural key appears more than once: an import that wrote something twice. */
export function duplicatesIn(dump: Record<string, Row[]>): string[] {
  const keyed: Array<[string, (r: Row) => string]> = [
    ['subscriptions', (r) => String(r.key)],
    ['pax8Companies', (r) => String(r.pax8Id)],
    ['mappings', (r) => String(r.pax8CompanyId)],
    ['products', (r) => String(r.sku)],
    ['usageSummaries', (r) => String(r.pax8Id)],
    ['usageMonthlyCharges', (r) => `${r.summary}/${r.month}`],
    ['usageLines', (r) => `${r.summary}/${r.date}/${r.key}`],
  ];
  const dups: string[] = [];
  for (const [table, key] of keyed) {
    const seen = new Set<string>();
    for (const row of dump[table]) {
      const k = key(row);
      if (seen.has(k)) dups.push(`${table}:${k}`);
      seen.add(k);
    }
  }
  return dups;
}
