import { randomUUID } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import { LicensingChangeRequest, LicensingNotice } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { auditLicensing } from './audit.js';

/**
 * Settles a subscription's licensing requests that Pax8 accepted but had not provisioned ('provisioning'), once an
 * import or webhook sync sees Pax8's settled state (src/subscriptions/pending.ts): 'applied' when Pax8 now shows the
 * requested quantity, 'failed' otherwise; each with its client notice and audit line, in the caller's transaction.
 */
export async function settleProvisioningRequests(
  tx: TenantScope, s: { subscriptionId: string; quantity: Decimal; status: string; changeId: string | null }, now: Date,
): Promise<number> {
  const repo = tx.repo(LicensingChangeRequest);
  const waiting = await repo.findBy({ subscriptionId: s.subscriptionId, status: 'provisioning' });
  for (const req of waiting) {
    const applied = s.quantity.eq(req.requestedQuantity);
    const patch: Partial<LicensingChangeRequest> = applied
      ? { status: 'applied', appliedAt: now, subscriptionChangeId: s.changeId, updatedAt: now }
      : { status: 'failed', failureReason: `Pax8 did not provision the change: the subscription is ${s.status} with ${s.quantity.toFixed()} licences`, updatedAt: now };
    // Conditional: a concurrent sync settles each request once.
    if ((await repo.update({ id: req.id, status: 'provisioning' }, patch)) !== 1) continue;
    await auditLicensing(tx.manager, {
      tenantId: tx.tenantId, userId: null, action: applied ? 'licensing.request.applied' : 'licensing.request.failed', requestId: req.id,
      subscriptionId: req.subscriptionId, before: { status: 'provisioning', quantity: req.currentQuantity },
      after: applied ? { status: 'applied', quantity: s.quantity } : { status: 'failed', reason: patch.failureReason },
      ...(s.changeId && applied ? { subscriptionChangeId: s.changeId } : {}),
    }, now);
    const message = applied
      ? `Your ${req.productName} subscription now has ${s.quantity.toFixed()} licences (was ${req.currentQuantity.toFixed()}).`
      : `Your request to change ${req.productName} to ${req.requestedQuantity.toFixed()} licences could not be applied by Pax8: ${patch.failureReason}`;
    await tx.repo(LicensingNotice).insert([{
      id: randomUUID(), userId: req.requestedBy, customerId: req.customerId, requestId: req.id, kind: applied ? 'request_applied' : 'request_failed',
      message: message.slice(0, 1000), readAt: null, createdAt: now, updatedAt: now,
    }]);
  }
  return waiting.length;
}
