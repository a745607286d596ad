import { randomUUID } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import type { EntityManager } from 'typeorm';
import { Subscription, SubscriptionChange, type Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { Pax8Error, type Pax8ErrorKind } from '../pax8/client/errors.js';
import type { Pax8Client } from '../pax8/client/pax8-client.js';
import type { Subscription as Pax8Subscription } from '../pax8/schemas/subscription.js';
import { tenantDate } from '../common/tenant-date.js';
import { activeFromStatus, fieldsHash, licenseFields } from './state.js';
import { recordEvent, subscriptionLabel } from '../events/log.js';
import { pendingAware } from './pending.js';

/**
 * "Send a new quantity for a subscription to Pax8 and record it." Shared by licensing self-service,
 * `recurra subscriptions set-quantity` and licence operations. No policy here (no increase-only
 * rule, no approval): callers decide whether a change is allowed; this module only carries it out.
 */

/**
 * The Pax8 calls this module needs (a Pax8Client, or a stand-in in tests): the update, and the product's provisioning
 * details when the client offers them (sent with the update, see provisioningDetailsFor).
 */
export type QuantityUpdater = Pick<Pax8Client, 'updateSubscription'> & Partial<Pick<Pax8Client, 'productProvisionDetails'>>;

export interface PushQuantityInput {
  tenant: Tenant;
  /** Local subscription id (subscriptions.id). */
  subscriptionId: string;
  /** A whole number >= 0 (Pax8 decides what it accepts). */
  quantity: Decimal;
  /** subscription_changes.source; default 'licensing'. */
  source?: string;
  /** Who asked (user id, e-mail or 'cli:...'); stored as subscription_changes.initiatedBy. */
  initiatedBy: string | null;
  /** The instant of the change (tests); default now. */
  now?: Date;
  /**
   * How the change reaches the licence event log (every change sent to Pax8 must): `{type, source}` and this
   * module writes the line (who, target, licences added or removed, before and after) in the same transaction;
   * 'recorded_by_caller' when the caller writes its own line in onRecorded (licence operations, approvals).
   */
  event: { type: string; source: string } | 'recorded_by_caller';
  /**
   * Called inside the same transaction after the subscription and its change were written, so a
   * caller can record its own rows (a request marked applied, an operation log) atomically with them.
   */
  onRecorded?: (tx: TenantScope, recorded: Recorded) => Promise<void>;
}

export interface Recorded {
  subscription: Subscription;
  /** The billing history row; null while Pax8 provisions the change (pending): nothing billed changed yet. */
  change: SubscriptionChange | null;
  /** Pax8 answered the change pending (PendingAutomated/PendingManual): requested quantity and Pax8's status. */
  pending: { quantity: Decimal; status: string } | null;
  /** Quantity before the change, as stored locally. */
  before: Decimal;
  /** Pax8's answer (the updated subscription). */
  pax8: Pax8Subscription;
}

export type PushQuantityResult =
  | ({ ok: true } & Recorded)
  | {
      ok: false;
      /** 'rejected' / 'forbidden' / 'not_found' mean Pax8 refused; the others that it could not be reached reliably. */
      kind: Pax8ErrorKind | 'not_found_locally' | 'invalid_quantity';
      /** Human-readable: Pax8's own reasons when it gave any. */
      reason: string;
      status?: number;
      reasons: string[];
      /** Pax8's parsed error body, when there was one. */
      body?: unknown;
    };

/**
 * Sends `quantity` to Pax8 (PUT /subscriptions/{pax8Id}); on success updates the local subscription
 * and appends a SubscriptionChange (full state after the change, dated today in the tenant's zone)
 * in one transaction. When Pax8 refuses or fails nothing is written and the reason is returned.
 * Errors other than Pax8's (database) are thrown.
 */
export async function pushQuantity(manager: EntityManager, client: QuantityUpdater, input: PushQuantityInput): Promise<PushQuantityResult> {
  const scope = new TenantScope(manager, input.tenant.id);
  const sub = await scope.repo(Subscription).findOneBy({ id: input.subscriptionId });
  if (!sub) return { ok: false, kind: 'not_found_locally', reason: `no subscription ${input.subscriptionId} in this tenant`, reasons: [] };
  if (!input.quantity.isInteger() || input.quantity.isNegative()) {
    return { ok: false, kind: 'invalid_quantity', reason: `quantity must be a whole number, got ${input.quantity.toString()}`, reasons: [] };
  }
  let pax8: Pax8Subscription;
  try {
    const details = await provisioningDetailsFor(client, sub.pax8ProductId);
    pax8 = await client.updateSubscription(sub.pax8Id, { quantity: input.quantity, ...(details.length > 0 ? { provisioningDetails: details } : {}) });
  } catch (err) {
    if (err instanceof Pax8Error) {
      const reason = err.reasons.length ? err.reasons.join('; ') : err.message;
      return { ok: false, kind: err.kind, reason, status: err.status, reasons: err.reasons, body: err.body };
    }
    throw err;
  }

  const now = input.now ?? new Date();
  const effectiveDate = tenantDate(now, input.tenant.timeZone);
  return scope.transaction(async (tx) => {
    // Re-read inside the transaction so a concurrent import's write is the base we change.
    const current = (await tx.repo(Subscription).findOneBy({ id: sub.id })) ?? sub;
    const before = current.quantity;
    // Pax8's answer is the subscription's new state, stored as an import would store it (with its content
    // hash), so the next import finds nothing changed.
    const answered = licenseFields(pax8, { customerId: current.customerId, productId: current.productId, vendorName: current.vendorName }, input.tenant.timeZone);
    // A pending answer is not the new state: billing keeps the provisioned quantity until Pax8 settles the change.
    const { fields: stored, pending } = pendingAware(current, answered, now);
    const active = current.activeOverride ?? activeFromStatus(stored.status);
    const fields: string[] = [];
    if (!stored.quantity.eq(before)) fields.push('quantity');
    if (stored.status !== current.status || active !== current.active) fields.push('status');
    if (!sameOrNull(stored.price, current.price)) fields.push('price');
    if (!sameOrNull(stored.cost, current.cost)) fields.push('cost');
    if (fields.length === 0) fields.push('quantity');

    // The hash is of Pax8's answer, so the next import of the same (pending) state finds nothing changed.
    const patch: Partial<Subscription> = { ...stored, ...pending, active, contentHash: fieldsHash(answered), updatedAt: now };
    await tx.repo(Subscription).update({ id: current.id }, patch);
    const subscription = Object.assign(current, patch);
    const pendingChange = pending.pendingStatus !== null ? { quantity: pending.pendingQuantity!, status: pending.pendingStatus } : null;
    const change = pendingChange ? null : tx.repo(SubscriptionChange).create({
      id: randomUUID(), subscriptionId: current.id, effectiveDate, observedAt: now, fields: fields.join(','),
      quantity: subscription.quantity, status: subscription.status, active, price: subscription.price, cost: subscription.cost,
      source: (input.source ?? 'licensing').slice(0, 20), importRunId: null,
      initiatedBy: input.initiatedBy ? input.initiatedBy.slice(0, 255) : null, createdAt: now, updatedAt: now,
    });
    if (change) await tx.repo(SubscriptionChange).insert([change]);
    const recorded: Recorded = { subscription, change, pending: pendingChange, before, pax8 };
    if (input.event !== 'recorded_by_caller') {
      const after = pendingChange?.quantity ?? subscription.quantity;
      await recordEvent(tx, {
        occurredAt: now, type: input.event.type, source: input.event.source, target: await subscriptionLabel(tx, subscription),
        licenceCount: after.sub(before), initiatedBy: input.initiatedBy ?? 'system', subscriptionId: subscription.id,
        customerId: subscription.customerId, ...(change ? { refKind: 'subscription_change', refId: change.id } : { refKind: 'subscription_pending', refId: randomUUID() }),
        detail: { before, after, pax8Id: subscription.pax8Id, ...(pendingChange ? { pax8Status: pendingChange.status } : {}) },
      });
    }
    if (input.onRecorded) await input.onRecorded(tx, recorded);
    return { ok: true as const, ...recorded };
  });
}

/**
 * The `provisioningDetails` to send with a quantity update: each detail the product advertises with exactly one possible
 * value, with that value (Pax8 reviewers advise sending the product's details with updates). Recurra keeps no
 * per-subscription provisioning answers, so a detail that needs input is not sent and Pax8's refusal names it.
 * A product Pax8 does not know (404) or a client without the call sends none.
 */
export async function provisioningDetailsFor(client: QuantityUpdater, pax8ProductId: string | null): Promise<Array<{ key: string; values: string[] }>> {
  if (!client.productProvisionDetails || !pax8ProductId) return [];
  try {
    const details = await client.productProvisionDetails(pax8ProductId);
    return details.filter((d) => d.possibleValues?.length === 1).map((d) => ({ key: d.key, values: [d.possibleValues![0]!] }));
  } catch (err) {
    if (err instanceof Pax8Error && err.kind === 'not_found') return [];
    throw err;
  }
}

function sameOrNull(a: Decimal | null, b: Decimal | null): boolean {
  if (a === null || b === null) return a === b;
  return a.eq(b);
}
