import type { Decimal } from 'decimal.js';

/**
 * Pure usage rules.
 *
 * Which subscriptions carry usage. Pax8 has no flag for it and no partner-wide usage list, so usage is fetched only
 * below the subscriptions this rule selects: every subscription of a usage product — one billed by usage (price and
 * partner cost both zero on a recurring billing term: Azure plan, AWS, Wasabi and other pay-as-you-go products), or
 * whose product or vendor name says so (Azure plan, Azure subscription, "usage") — unless its product or vendor name
 * matches the tenant's `imports.usageExcludePattern` (case-insensitive regex; null excludes nothing).
 *
 * `imports.usageProductPattern` is the setting this replaced (before, only products matching it carried usage, with
 * the default below, which left AWS and Wasabi out). Read backwards-compatibly: its old default, an empty value or
 * null mean "not set"; any other value still narrows usage to the products it matches (deprecated: clear it).
 */
export const LEGACY_USAGE_PRODUCT_PATTERN = 'azure plan|azure subscription|usage';
const USAGE_NAMES = new RegExp(LEGACY_USAGE_PRODUCT_PATTERN, 'i');
/** Billing terms that are never usage: charged once, or free while they last. */
const NOT_USAGE_TERMS = new Set(['One-Time', 'Trial', 'Activation']);

/** True when the product name or the vendor name matches `pattern` (case-insensitive regex). */
export function carriesUsage(pattern: string, productName: string | null | undefined, vendorName: string | null | undefined): boolean {
  const re = new RegExp(pattern, 'i');
  return (!!productName && re.test(productName)) || (!!vendorName && re.test(vendorName));
}

export interface UsageCandidate {
  productName?: string | null;
  vendorName?: string | null;
  price?: Decimal | null;
  partnerCost?: Decimal | null;
  billingTerm?: string | null;
}

/** The tenant's rule, its regular expressions compiled once: does a subscription carry usage? */
export function usageCarrierRule(settings: { usageExcludePattern?: string | null; usageProductPattern?: string | null }): (s: UsageCandidate) => boolean {
  const exclude = settings.usageExcludePattern ? new RegExp(settings.usageExcludePattern, 'i') : null;
  const legacy = settings.usageProductPattern && settings.usageProductPattern !== LEGACY_USAGE_PRODUCT_PATTERN
    ? new RegExp(settings.usageProductPattern, 'i') : null;
  const names = (re: RegExp, s: UsageCandidate) => (!!s.productName && re.test(s.productName)) || (!!s.vendorName && re.test(s.vendorName));
  return (s) => {
    if (exclude && names(exclude, s)) return false;
    if (legacy) return names(legacy, s);
    if (names(USAGE_NAMES, s)) return true;
    const zero = (d: Decimal | null | undefined) => d === null || d === undefined || d.isZero();
    return zero(s.price) && zero(s.partnerCost) && !NOT_USAGE_TERMS.has(s.billingTerm ?? '');
  };
}

export interface UsageOwnerInput {
  /** Company assigned to the summary in Pax8 (may be absent). */
  summaryCompanyId: string | null;
  resourceGroup: string | null;
  /** Company holding the subscription the summary was listed under. */
  subscriptionCompanyId: string;
  ownCompanyId: string | null;
  includeOwnCompany: boolean;
  /** pax8CompanyId -> customerId of the tenant's mappings. */
  customerByCompany: ReadonlyMap<string, string>;
  /** resource group -> customerId of the tenant's mappings. */
  customerByResourceGroup: ReadonlyMap<string, string>;
}

export type UsageOwner =
  | { kind: 'customer'; customerId: string; mappedBy: 'company' | 'resource_group' | 'subscription' }
  | { kind: 'own_company_excluded' }
  | { kind: 'unmapped'; reason: string };

/**
 * Who a usage summary belongs to, first rule that applies:
 *  1. the company assigned to the summary, when it is a customer's company and mapped;
 *  2. a mapping whose resource group equals the summary's resource group;
 *  3. the partner's own company (assigned, or holding the subscription): never a customer's — stored unmapped
 *     ("the partner's own usage") with includeOwnCompany, not imported without it;
 *  4. without an assigned company, the company holding the subscription, when mapped.
 * Anything else is unmapped: stored without a customer and listed for the admin.
 */
export function usageOwner(i: UsageOwnerInput): UsageOwner {
  const own = i.ownCompanyId;
  const assigned = i.summaryCompanyId;
  if (assigned && assigned !== own) {
    const c = i.customerByCompany.get(assigned);
    if (c) return { kind: 'customer', customerId: c, mappedBy: 'company' };
  }
  if (i.resourceGroup) {
    const c = i.customerByResourceGroup.get(i.resourceGroup);
    if (c) return { kind: 'customer', customerId: c, mappedBy: 'resource_group' };
  }
  const atOwn = (assigned !== null && assigned === own) || (assigned === null && i.subscriptionCompanyId === own);
  if (atOwn) {
    if (!i.includeOwnCompany) return { kind: 'own_company_excluded' };
    // The partner's own usage is never billed to a customer, even one mapped to the own company (issue 22, point 7).
    return { kind: 'unmapped', reason: i.resourceGroup ? `the partner's own usage: resource group "${i.resourceGroup}" is not mapped to a customer` : "the partner's own usage (no customer pays it)" };
  }
  if (assigned) return { kind: 'unmapped', reason: `assigned company ${assigned} is not mapped` };
  const c = i.customerByCompany.get(i.subscriptionCompanyId);
  if (c) return { kind: 'customer', customerId: c, mappedBy: 'subscription' };
  return { kind: 'unmapped', reason: i.resourceGroup ? `resource group "${i.resourceGroup}" is not mapped` : 'no company assigned and no resource group' };
}
