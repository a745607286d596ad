import { normalizeCompanyName } from './normalize.js';

export interface NamedPax8Company {
  pax8CompanyId: string;
  name: string;
}
export interface NamedCustomer {
  customerId: string;
  name: string;
}
export interface MatchPair {
  pax8CompanyId: string;
  pax8Name: string;
  customerId: string;
  customerName: string;
}
export interface AmbiguousMatch {
  pax8CompanyId: string;
  pax8Name: string;
  /** 'exact' when the exact name is shared, 'normalised' otherwise. */
  kind: 'exact' | 'normalised';
  /** Every customer the name fits, and every other Pax8 company competing for the same customer. */
  candidates: NamedCustomer[];
  competingPax8CompanyIds: string[];
}
export interface MatchResult {
  /** Exact, unique on both sides: link automatically. */
  exact: MatchPair[];
  /** Equal only after normalisation, unique on both sides: offered, never applied automatically. */
  suggestions: MatchPair[];
  /** The name fits more than one customer (or more than one Pax8 company wants the customer): never linked. */
  ambiguous: AmbiguousMatch[];
  /** No customer with that name, exact or normalised. */
  unmatched: NamedPax8Company[];
}

/** The key two names are the same exact name by: byte-equal after trimming outer white space. */
export function exactNameKey(name: string): string {
  return name.trim();
}

function group<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/**
 * Pure: proposes links between UNMAPPED Pax8 companies and UNMAPPED customers by name.
 * A link is one to one, so a name shared by two customers, or a customer wanted by two Pax8
 * companies, is ambiguous. Exact means byte-equal after trimming outer white space.
 */
export function matchByName(companies: NamedPax8Company[], customers: NamedCustomer[]): MatchResult {
  const result: MatchResult = { exact: [], suggestions: [], ambiguous: [], unmatched: [] };
  const exactKey = exactNameKey;
  const customersByExact = group(customers, (c) => exactKey(c.name));
  const customersByNorm = group(customers, (c) => normalizeCompanyName(c.name));
  const companiesByExact = group(companies, (c) => exactKey(c.name));
  const companiesByNorm = group(companies, (c) => normalizeCompanyName(c.name));

  for (const company of [...companies].sort((a, b) => a.name.localeCompare(b.name) || a.pax8CompanyId.localeCompare(b.pax8CompanyId))) {
    const ek = exactKey(company.name);
    const exactCustomers = customersByExact.get(ek) ?? [];
    if (exactCustomers.length > 0) {
      const rivals = (companiesByExact.get(ek) ?? []).filter((c) => c.pax8CompanyId !== company.pax8CompanyId);
      if (exactCustomers.length === 1 && rivals.length === 0) {
        const c = exactCustomers[0]!;
        result.exact.push({ pax8CompanyId: company.pax8CompanyId, pax8Name: company.name, customerId: c.customerId, customerName: c.name });
      } else {
        result.ambiguous.push({
          pax8CompanyId: company.pax8CompanyId, pax8Name: company.name, kind: 'exact', candidates: exactCustomers,
          competingPax8CompanyIds: rivals.map((r) => r.pax8CompanyId),
        });
      }
      continue;
    }
    const nk = normalizeCompanyName(company.name);
    const normCustomers = nk === '' ? [] : (customersByNorm.get(nk) ?? []);
    if (normCustomers.length === 0) {
      result.unmatched.push(company);
      continue;
    }
    const rivals = (companiesByNorm.get(nk) ?? []).filter((c) => c.pax8CompanyId !== company.pax8CompanyId);
    if (normCustomers.length === 1 && rivals.length === 0) {
      const c = normCustomers[0]!;
      result.suggestions.push({ pax8CompanyId: company.pax8CompanyId, pax8Name: company.name, customerId: c.customerId, customerName: c.name });
    } else {
      result.ambiguous.push({
        pax8CompanyId: company.pax8CompanyId, pax8Name: company.name, kind: 'normalised', candidates: normCustomers,
        competingPax8CompanyIds: rivals.map((r) => r.pax8CompanyId),
      });
    }
  }
  return result;
}
