import type { Decimal } from 'decimal.js';
import type { Subscription as Pax8Subscription } from '../pax8/schemas/subscription.js';
import { contentHash } from '../common/content-hash.js';
import { pax8DateToTenantDate } from '../common/tenant-date.js';
import { round6, round6OrNull, sameDecimal } from '../common/rounding.js';

/**
 * Statuses that bill. Pending* / WaitingForDetails are not started yet, Trial is free, Converted is a
 * trial replaced by a paid subscription, Cancelled has ended; PendingCancel still runs until its end
 * date. Unknown statuses (Pax8 adds some) are imported as they are and count as inactive.
 */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['Active', 'Activated', 'PendingCancel']);

export function activeFromStatus(status: string): boolean {
  return ACTIVE_STATUSES.has(status);
}

/** The fields Recurra keeps of a subscription, as imported (local ids resolved by the caller). */
export interface SubscriptionFields {
  pax8Id: string;
  pax8CompanyId: string | null;
  customerId: string | null;
  pax8ProductId: string | null;
  productId: string | null;
  name: string;
  vendorName: string | null;
  quantity: Decimal;
  status: string;
  billingTerm: string | null;
  commitmentTerm: string | null;
  commitmentEndDate: string | null;
  startDate: string | null;
  endDate: string | null;
  price: Decimal | null;
  cost: Decimal | null;
  currency: string | null;
  pax8UpdatedAt: Date | null;
}

export interface Resolved {
  customerId: string | null;
  productId: string | null;
  vendorName: string | null;
}

/** Pure: a validated Pax8 subscription -> the fields Recurra stores (dates as tenant calendar dates, money rounded to 6 places). */
export function licenseFields(s: Pax8Subscription, resolved: Resolved, zone: string): SubscriptionFields {
  return {
    pax8Id: s.id,
    pax8CompanyId: s.companyId,
    customerId: resolved.customerId,
    pax8ProductId: s.productId,
    productId: resolved.productId,
    name: (s.productName ?? s.productId).slice(0, 255),
    vendorName: resolved.vendorName,
    quantity: round6(s.quantity),
    status: s.status.slice(0, 40),
    billingTerm: s.billingTerm ?? null,
    commitmentTerm: s.commitment?.term ?? null,
    commitmentEndDate: pax8DateToTenantDate(s.commitment && 'endDate' in s.commitment ? s.commitment.endDate : null, zone),
    startDate: pax8DateToTenantDate(s.startDate, zone),
    endDate: pax8DateToTenantDate(s.endDate, zone),
    price: round6OrNull(s.price),
    cost: round6OrNull(s.partnerCost),
    currency: s.currencyCode ? s.currencyCode.slice(0, 3).toUpperCase() : null,
    pax8UpdatedAt: s.updatedDate && !/^\d{4}-\d{2}-\d{2}$/.test(s.updatedDate) ? new Date(s.updatedDate) : null,
  };
}

/** Hash of everything stored; equal hashes mean an unchanged re-import that writes nothing. */
export function fieldsHash(f: SubscriptionFields): string {
  return contentHash({ ...f, pax8UpdatedAt: f.pax8UpdatedAt?.toISOString() ?? null });
}

/** The stored state a change set is computed against. */
export interface StoredState {
  quantity: Decimal;
  status: string;
  active: boolean;
  activeOverride: boolean | null;
  price: Decimal | null;
  cost: Decimal | null;
}

export type HistoryField = 'quantity' | 'status' | 'active' | 'price' | 'cost';

export interface ChangeSet {
  /** Fields of the billing history that changed: a SubscriptionChange row is due when non-empty. */
  history: HistoryField[];
  /** The `active` flag after the change (an admin override wins over the status). */
  active: boolean;
}

/** Pure: which history fields an incoming state changes. */
export function historyChanges(stored: StoredState, incoming: { quantity: Decimal; status: string; price: Decimal | null; cost: Decimal | null }): ChangeSet {
  const active = stored.activeOverride ?? activeFromStatus(incoming.status);
  const history: HistoryField[] = [];
  if (!sameDecimal(stored.quantity, incoming.quantity)) history.push('quantity');
  if (stored.status !== incoming.status) history.push('status');
  if (stored.active !== active) history.push('active');
  if (!sameDecimal(stored.price, incoming.price)) history.push('price');
  if (!sameDecimal(stored.cost, incoming.cost)) history.push('cost');
  return { history, active };
}

/**
 * Effective date of an imported change: the tenant-local date of Pax8's `updatedDate` when Pax8
 * gives one that is not in the future and not before the last recorded change; otherwise the
 * tenant-local date of the import. Pax8 stamps updatedDate when the change happened, so a change
 * picked up a day late is still billed from the day it was made.
 */
export function effectiveDateOf(pax8UpdatedAt: Date | null, now: Date, lastEffectiveDate: string | null, zone: string, today: string): string {
  if (pax8UpdatedAt && pax8UpdatedAt.getTime() <= now.getTime()) {
    const d = pax8DateToTenantDate(pax8UpdatedAt.toISOString(), zone)!;
    if (lastEffectiveDate === null || d >= lastEffectiveDate) return d;
  }
  return lastEffectiveDate !== null && lastEffectiveDate > today ? lastEffectiveDate : today;
}
