import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { SubscriptionWatch, type Subscription } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';

/**
 * Records the state change detection compares against. Operations call it in the transaction that records
 * their own change, so an admin's purchase is not reported back to the admins as a Pax8-side change.
 */
export async function markSeen(tx: TenantScope, sub: Subscription, now: Date = new Date()): Promise<void> {
  const repo = tx.repo(SubscriptionWatch);
  const state = {
    productId: sub.pax8ProductId ?? sub.productId, productName: sub.name.slice(0, 255), quantity: new Decimal(sub.quantity.toString()),
    status: sub.status, active: sub.active, price: sub.price, updatedAt: now,
  };
  const row = await repo.findOneBy({ subscriptionId: sub.id });
  if (row) await repo.update({ id: row.id }, state);
  else await repo.insert([{ id: randomUUID(), subscriptionId: sub.id, ...state, createdAt: now }]);
}
