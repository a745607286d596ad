import type { Decimal } from 'decimal.js';
import { LicenceOperation, Subscription } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { markSeen } from '../notices/watch.js';

/**
 * Settles the licence operations that wait for Pax8 to provision a subscription's change ('provisioning'), once an
 * import or webhook sync sees that subscription's pending change settle (src/subscriptions/pending.ts), in the sync's
 * transaction. Each side of an operation (a purchase or decrease has one, a transfer two) is done when its
 * subscription is no longer pending: provisioned when it holds the quantity the operation asked for. The operation is
 * 'applied' once every side is provisioned, 'failed' (with what each failed side holds) as soon as all sides are
 * settled and one is not. A failed transfer side is not compensated: the reason says what each side now has.
 */
export async function settleProvisioningOperations(
  tx: TenantScope, s: { subscriptionId: string; changeId: string | null }, now: Date,
): Promise<number> {
  const repo = tx.repo(LicenceOperation);
  const waiting = await repo.find({
    where: [{ status: 'provisioning', sourceSubscriptionId: s.subscriptionId }, { status: 'provisioning', targetSubscriptionId: s.subscriptionId }],
  });
  let settled = 0;
  for (const op of waiting) {
    const sides = [
      { role: 'source', id: op.sourceSubscriptionId, after: op.sourceAfter },
      { role: 'target', id: op.targetSubscriptionId, after: op.targetAfter },
    ].filter((x): x is { role: string; id: string; after: Decimal } => x.id !== null && x.after !== null);
    const states: Array<{ role: string; sub: Subscription; provisioned: boolean; pending: boolean }> = [];
    for (const side of sides) {
      const sub = await tx.repo(Subscription).findOneBy({ id: side.id });
      if (!sub) continue;
      states.push({ role: side.role, sub, provisioned: sub.pendingStatus === null && sub.quantity.eq(side.after), pending: sub.pendingStatus !== null });
    }
    const mine = states.find((x) => x.sub.id === s.subscriptionId);
    // The billing history row of this side's provisioned change belongs to the operation (a transfer's sides settle apart).
    const changeIds = mine?.provisioned && s.changeId ? [...op.changeIds.split(',').filter(Boolean), s.changeId].join(',') : op.changeIds;
    // The admin's own change is not reported back as a Pax8-side change (as when Pax8 answers at once).
    if (mine?.provisioned) await markSeen(tx, mine.sub, now);
    let patch: Partial<LicenceOperation>;
    if (states.some((x) => x.pending)) patch = { changeIds, updatedAt: now };
    else if (states.every((x) => x.provisioned)) patch = { status: 'applied', changeIds, updatedAt: now };
    else {
      const failed = states.filter((x) => !x.provisioned)
        .map((x) => `the ${op.type === 'transfer' ? `${x.role} ` : ''}subscription is ${x.sub.status} with ${x.sub.quantity.toFixed()} licences`);
      const reason = `Pax8 did not provision the change: ${failed.join('; ')}${op.type === 'transfer' ? ' — check both sides in Pax8' : ''}`;
      patch = { status: 'failed', changeIds, failureReason: reason.slice(0, 2000), updatedAt: now };
    }
    // Conditional: a concurrent sync settles each operation once.
    if ((await repo.update({ id: op.id, status: 'provisioning' }, patch)) === 1 && patch.status) settled++;
  }
  return settled;
}
