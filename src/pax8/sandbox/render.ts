import { formatDate, formatDateTime, formatTimestamp } from './dates.js';
import { toJson } from './money.js';
import type {
  SandboxCompany, SandboxPricing, SandboxProduct, SandboxSubscription, SandboxUsageLine, SandboxUsageSummary,
} from './types.js';

/** Internal records → Pax8 API JSON shapes (money stays Decimal; `toJson` writes it). */

export function renderCompany(c: SandboxCompany): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    address: { ...c.address },
    phone: c.phone,
    website: c.website,
    ...(c.externalId ? { externalId: c.externalId } : {}),
    billOnBehalfOfEnabled: c.billOnBehalfOfEnabled,
    selfServiceAllowed: c.selfServiceAllowed,
    orderApprovalRequired: c.orderApprovalRequired,
    status: c.status,
    updatedDate: formatTimestamp(c.updatedMs, c.styleVariant),
  };
}

export function renderProduct(p: SandboxProduct, detail: boolean): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    vendorName: p.vendorName,
    shortDescription: p.shortDescription,
    ...(detail ? { description: p.description } : {}),
    sku: p.sku,
    ...(p.vendorSku ? { vendorSku: p.vendorSku } : {}),
    ...(p.altVendorSku ? { altVendorSku: p.altVendorSku } : {}),
    requiresCommitment: p.requiresCommitment,
  };
}

export function renderPricing(p: SandboxProduct, pr: SandboxPricing): Record<string, unknown> {
  return {
    productId: p.id,
    productName: p.name,
    billingTerm: pr.billingTerm,
    ...(pr.commitmentTerm ? { commitmentTerm: pr.commitmentTerm, commitmentTermInMonths: pr.commitmentTermInMonths } : {}),
    type: pr.type,
    unitOfMeasurement: pr.unitOfMeasurement,
    rates: pr.rates.map((r) => ({ ...r })),
  };
}

/**
 * Subscription as the live API returns it: dates in mixed formats and the commitment as
 * `commitment{id, term, endDate}` (live drift; the spec says `commitmentTerm`).
 * `vendorSkuId` only on get-by-id.
 */
export function renderSubscription(s: SandboxSubscription, detail: boolean): Record<string, unknown> {
  const v = s.styleVariant;
  return {
    id: s.id,
    ...(s.parentSubscriptionId ? { parentSubscriptionId: s.parentSubscriptionId } : {}),
    companyId: s.companyId,
    productId: s.productId,
    productName: s.productName,
    vendorSubscriptionId: s.vendorSubscriptionId,
    ...(detail && s.vendorSkuId ? { vendorSkuId: s.vendorSkuId } : {}),
    quantity: s.quantity,
    startDate: formatTimestamp(s.startMs, 0),
    ...(s.endMs !== undefined ? { endDate: formatDateTime(s.endMs, v + 1) } : {}),
    createdDate: formatDateTime(s.createdMs, v),
    ...(s.updatedMs !== undefined ? { updatedDate: formatTimestamp(s.updatedMs, v + 1) } : {}),
    billingStart: formatDate(s.billingStartMs),
    status: s.status,
    price: s.price,
    partnerCost: s.partnerCost,
    currencyCode: s.currencyCode,
    billingTerm: s.billingTerm,
    ...(s.commitment ? { commitment: { id: s.commitment.id, term: s.commitment.term, endDate: formatTimestamp(s.commitment.endMs, v) } } : {}),
  };
}

/** Usage summary; `companyId` and `resourceGroup` are absent on some (live behaviour). */
export function renderUsageSummary(u: SandboxUsageSummary): Record<string, unknown> {
  return {
    id: u.id,
    ...(u.companyId ? { companyId: u.companyId } : {}),
    subscriptionId: u.subscriptionId,
    productId: u.productId,
    ...(u.resourceGroup ? { resourceGroup: u.resourceGroup } : {}),
    vendorName: u.vendorName,
    currentCharges: u.currentCharges,
    partnerTotal: u.partnerTotal,
    currencyCode: u.currencyCode,
    isTrial: u.isTrial,
  };
}

export function renderUsageLine(l: SandboxUsageLine): Record<string, unknown> {
  return { ...l };
}

interface CachedSubscription {
  /** The mutable fields the text was rendered from (Decimals compared by reference; they are immutable). */
  key: readonly unknown[];
  list: string;
  detail?: string;
}

const subscriptionCache = new WeakMap<SandboxSubscription, CachedSubscription>();

function keyOf(s: SandboxSubscription): unknown[] {
  return [s.quantity, s.status, s.updatedMs, s.endMs, s.price, s.partnerCost, s.billingTerm, s.commitment, s.commitment?.endMs, s.productName, s.startMs];
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Serialized subscription JSON, cached per record (paging 100k subscriptions re-renders nothing).
 * The cache is checked against the record's mutable fields, so direct edits of `data` show too.
 */
export function subscriptionJson(s: SandboxSubscription, detail: boolean): string {
  const key = keyOf(s);
  let c = subscriptionCache.get(s);
  if (!c || !sameKey(c.key, key)) {
    c = { key, list: toJson(renderSubscription(s, false)) };
    subscriptionCache.set(s, c);
  }
  if (!detail) return c.list;
  c.detail ??= toJson(renderSubscription(s, true));
  return c.detail;
}
