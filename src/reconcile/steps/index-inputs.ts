import type { Decimal } from 'decimal.js';
import { normalizeCompanyName } from '../../mapping/normalize.js';
import type { FindingFix, ReconcileInput, RLine, RSubscription, RUsage } from '../model.js';

export const NO_CUSTOMER = '(no customer)';

/** Step 1: the inputs indexed by the keys the other steps look them up by. */
export interface InputIndex {
  nameOf(customerId: string | null): string;
  /** Pax8 company id → customer id. */
  mapping: Map<string, string>;
  /** Pax8 companies known from a customers import. */
  known: Set<string>;
  /** Pax8 companies whose items are the partner's own costs. */
  ignored: Set<string>;
  subsById: Map<string, RSubscription>;
  /** Licence (not usage-summary) subscriptions by Pax8 id. */
  licenseByPax8: Map<string, RSubscription>;
  usageById: Map<string, RUsage>;
  usageBySubscription: Map<string, RUsage>;
  /** Usage summaries by the Pax8 subscription that carries them. */
  summariesByCarrier: Map<string, RUsage[]>;
  linksBySub: Map<string, { line: RLine; free: Decimal }[]>;
  /** Usage summaries billed on a recurring-invoice usage line. */
  usageLines: Set<string>;
  /** The one-click "map company" fix, when the company can be mapped (known, not mapped yet). */
  mapFix(companyId: string | null, companyName: string | null): FindingFix | null;
}

export function indexInputs(input: ReconcileInput): InputIndex {
  const customerName = new Map(input.customers.map((c) => [c.id, c.name]));
  const mapping = new Map(input.mappings.map((m) => [m.pax8CompanyId, m.customerId]));
  const known = new Set(input.knownCompanyIds);
  const unmappedByName = unmappedCustomersByName(input);
  const subsById = new Map<string, RSubscription>();
  const licenseByPax8 = new Map<string, RSubscription>();
  for (const s of input.subscriptions) {
    subsById.set(s.id, s);
    if (s.kind !== 'usage_summary') licenseByPax8.set(s.pax8Id, s);
  }
  const usageById = new Map<string, RUsage>();
  const usageBySubscription = new Map<string, RUsage>();
  const summariesByCarrier = new Map<string, RUsage[]>();
  for (const u of input.usage) {
    usageById.set(u.id, u);
    if (u.subscriptionId) usageBySubscription.set(u.subscriptionId, u);
    listed(summariesByCarrier, u.pax8SubscriptionId).push(u);
  }
  const linksBySub = new Map<string, { line: RLine; free: Decimal }[]>();
  const usageLines = new Set<string>();
  for (const line of input.lines) {
    if (line.usageSummaryId) usageLines.add(line.usageSummaryId);
    for (const l of line.links) listed(linksBySub, l.subscriptionId).push({ line, free: l.free });
  }
  return {
    nameOf: (id) => (id === null ? NO_CUSTOMER : customerName.get(id) ?? id),
    mapping,
    known,
    ignored: new Set(input.ignoredCompanyIds),
    subsById,
    licenseByPax8,
    usageById,
    usageBySubscription,
    summariesByCarrier,
    linksBySub,
    usageLines,
    mapFix: (companyId, companyName) => {
      if (!companyId || !known.has(companyId) || mapping.has(companyId)) return null;
      return {
        action: 'map_company', label: 'Map the Pax8 company to a customer', pax8CompanyId: companyId, requires: 'customerId',
        suggestedCustomerId: companyName ? unmappedByName.get(normalizeCompanyName(companyName)) ?? null : null,
      };
    },
  };
}

/** The list kept under `key`, created empty on first use. */
export function listed<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** Normalised name → the one unmapped customer with it (null when several share it). */
function unmappedCustomersByName(input: ReconcileInput): Map<string, string | null> {
  const mappedCustomers = new Set(input.mappings.map((m) => m.customerId));
  const byName = new Map<string, string | null>();
  for (const c of input.customers) {
    if (mappedCustomers.has(c.id)) continue;
    const n = normalizeCompanyName(c.name);
    byName.set(n, byName.has(n) ? null : c.id);
  }
  return byName;
}
