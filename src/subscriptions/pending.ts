import type { Decimal } from 'decimal.js';
import { activeFromStatus, type SubscriptionFields } from './state.js';

/**
 * "Pax8 accepted a change but has not provisioned it yet" (issue 22). Pax8 answers a quantity change, and lists the
 * subscription afterwards, with the requested quantity and status PendingAutomated or PendingManual until it is
 * provisioned (then Active with that quantity) or fails (back to the old quantity). Billing must keep the last
 * provisioned quantity meanwhile, so such a state is recorded as pending beside the billed one, never as the new state.
 */
export const PENDING_STATUSES: ReadonlySet<string> = new Set(['PendingAutomated', 'PendingManual']);

export function isPendingStatus(status: string): boolean {
  return PENDING_STATUSES.has(status);
}

/** The pending columns of a subscription (all null when nothing is pending). */
export interface PendingColumns {
  pendingQuantity: Decimal | null;
  pendingStatus: string | null;
  pendingSince: Date | null;
}

export const NOTHING_PENDING: PendingColumns = { pendingQuantity: null, pendingStatus: null, pendingSince: null };

/** What is stored of a subscription that the incoming Pax8 state is compared with. */
export interface ProvisionedState extends PendingColumns {
  quantity: Decimal;
  status: string;
  price: Decimal | null;
  cost: Decimal | null;
}

export interface PendingAware {
  /** The fields to store: Pax8's, with quantity, status, price and cost kept at the provisioned state while pending. */
  fields: SubscriptionFields;
  pending: PendingColumns;
  /** A change was pending and Pax8 now shows a settled state (provisioned or failed). */
  settled: boolean;
}

/**
 * Pure: Pax8's state of a subscription Recurra already holds -> what to store. A pending status on a subscription that
 * was provisioned (billing status, or already pending) keeps the provisioned billing fields and records Pax8's
 * quantity and status as pending; any other status settles a pending change (the fields are Pax8's). A subscription
 * that was never provisioned (created pending) is stored as Pax8 shows it, as before.
 */
export function pendingAware(current: ProvisionedState, incoming: SubscriptionFields, now: Date): PendingAware {
  const wasPending = current.pendingStatus !== null;
  if (isPendingStatus(incoming.status) && (wasPending || activeFromStatus(current.status))) {
    return {
      fields: { ...incoming, quantity: current.quantity, status: current.status, price: current.price, cost: current.cost },
      pending: { pendingQuantity: incoming.quantity, pendingStatus: incoming.status, pendingSince: current.pendingSince ?? now },
      settled: false,
    };
  }
  return { fields: incoming, pending: NOTHING_PENDING, settled: wasPending };
}
