import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { In, MoreThan, type EntityManager } from 'typeorm';
import {
  Customer, EventLogCursor, EventLogEntry, Subscription, SubscriptionChange, User,
} from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { isUniqueViolation } from '../db/errors.js';

/**
 * The licence event log (issue 9): one line per licence operation, approval decision, import change of
 * quantity or status, and notice. Writers call `recordEvent` inside their own transaction; (refKind, refId)
 * is unique per tenant, so recording the same thing twice keeps one line.
 */

export interface NewEvent {
  occurredAt: Date;
  type: string;
  source: string;
  target: string;
  licenceCount: Decimal | null;
  initiatedBy: string;
  subscriptionId?: string | null;
  customerId?: string | null;
  refKind: string;
  refId: string;
  detail?: unknown;
}

/** Inserts one event unless (refKind, refId) is already there. Returns false for a duplicate. */
export async function recordEvent(tx: TenantScope, e: NewEvent): Promise<boolean> {
  const repo = tx.repo(EventLogEntry);
  if (await repo.findOneBy({ refKind: e.refKind, refId: e.refId })) return false;
  const now = new Date();
  await repo.insert([{
    id: randomUUID(), occurredAt: e.occurredAt, type: e.type.slice(0, 40), source: e.source.slice(0, 255), target: e.target.slice(0, 255),
    licenceCount: e.licenceCount, initiatedBy: (e.initiatedBy || 'system').slice(0, 255), subscriptionId: e.subscriptionId ?? null,
    customerId: e.customerId ?? null, refKind: e.refKind.slice(0, 30), refId: e.refId.slice(0, 80),
    detail: e.detail === undefined ? null : JSON.stringify(e.detail, (_k, v: unknown) => (v instanceof Decimal ? v.toString() : v)),
    createdAt: now, updatedAt: now,
  }]);
  return true;
}

/** "Customer / Product" for a subscription, as the log's source and target columns show it. */
export async function subscriptionLabel(tx: TenantScope, sub: Pick<Subscription, 'customerId' | 'name'>): Promise<string> {
  const c = sub.customerId ? await tx.repo(Customer).findOneBy({ id: sub.customerId }) : null;
  return `${c?.name ?? 'unmapped company'} / ${sub.name}`;
}

/**
 * Approval decisions of licensing self-service, called from src/licensing/audit.ts with the audit entry it
 * writes (same transaction). Only request decisions and outcomes are logged; settings changes are not.
 */
export async function recordLicensingEvent(
  manager: EntityManager,
  a: { tenantId: string; userId: string | null; action: string; requestId?: unknown; subscriptionId?: unknown; after?: unknown; before?: unknown },
  at: Date,
  auditId: string,
): Promise<void> {
  const m = /^licensing\.request\.(approve|reject|auto_approve|provisioning|applied|failed)$/.exec(a.action);
  if (!m || typeof a.subscriptionId !== 'string') return;
  const tx = new TenantScope(manager, a.tenantId);
  const sub = await tx.repo(Subscription).findOneBy({ id: a.subscriptionId });
  if (!sub) return;
  const label = await subscriptionLabel(tx, sub);
  const after = (a.after ?? {}) as Record<string, unknown>;
  const before = (a.before ?? {}) as Record<string, unknown>;
  const asDec = (v: unknown) => (v === undefined || v === null ? null : new Decimal(String(v)));
  let count: Decimal | null = asDec(after.requestedQuantity) ?? null;
  if (m[1] === 'applied') {
    const q1 = asDec(after.quantity);
    const q0 = asDec(before.quantity);
    count = q1 && q0 ? q1.sub(q0).abs() : q1;
  }
  const type = { approve: 'approval_approved', reject: 'approval_rejected', auto_approve: 'approval_auto', provisioning: 'approval_provisioning', applied: 'approval_applied', failed: 'approval_failed' }[m[1]!]!;
  let by = 'system';
  if (a.userId) {
    by = (await manager.findOneBy(User, { id: a.userId }))?.email ?? a.userId;
  }
  await recordEvent(tx, {
    occurredAt: at, type, source: 'licensing request', target: label, licenceCount: count, initiatedBy: by,
    subscriptionId: sub.id, customerId: sub.customerId, refKind: 'audit', refId: auditId,
    detail: { requestId: a.requestId ?? null, before: a.before ?? null, after: a.after ?? null },
  });
}

const IMPORT_SOURCES = new Set(['import', 'webhook', 'manual']);

/**
 * Writes event lines for subscription changes recorded by imports (scheduled syncs, webhook-triggered
 * syncs, manual changes) since the tenant's cursor: one line per change row with a quantity or status
 * change. Operations and licensing log their own changes, so their rows are skipped. Idempotent. The first pass
 * for a tenant only sets the cursor (the log starts then; the history before it is not replayed).
 */
export async function logImportChanges(scope: TenantScope, now: Date = new Date()): Promise<number> {
  const cursor = await scope.repo(EventLogCursor).findOneBy({});
  if (!cursor) {
    // The first pass starts the log here (like detection's baseline): the history before it is not replayed.
    const last = await scope.repo(SubscriptionChange).findOne({ where: {}, order: { createdAt: 'DESC' } });
    await scope.repo(EventLogCursor).insert([{ id: randomUUID(), changesSeenUntil: last?.createdAt ?? now, createdAt: now, updatedAt: now }])
      .catch((err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
      });
    return 0;
  }
  // A margin: a change committed a little after a later one started is still picked up (duplicates are ignored).
  // …but never before the first pass (cursor.createdAt): what came before it is history, not replayed.
  const since = new Date(Math.max(cursor.changesSeenUntil.getTime() - 5 * 60_000, cursor.createdAt.getTime()));
  const rows = await scope.repo(SubscriptionChange).find({ where: { createdAt: MoreThan(since) }, order: { createdAt: 'ASC' } });
  let written = 0;
  let latest = cursor.changesSeenUntil;
  const subs = new Map((rows.length ? await scope.repo(Subscription).findBy({ id: In([...new Set(rows.map((r) => r.subscriptionId))]) }) : []).map((s) => [s.id, s]));
  for (const r of rows) {
    if (r.createdAt > latest) latest = r.createdAt;
    if (!IMPORT_SOURCES.has(r.source)) continue;
    const fields = r.fields.split(',');
    const sub = subs.get(r.subscriptionId);
    if (!sub) continue;
    let type: string | null = null;
    let count: Decimal | null = null;
    if (fields.includes('created')) {
      type = 'import_new_subscription';
      count = r.quantity;
    } else if (fields.includes('quantity')) {
      type = 'import_quantity';
      const prev = await scope.repo(SubscriptionChange).query('c').andWhere('c.subscriptionId = :s', { s: r.subscriptionId })
        .andWhere('(c.effectiveDate < :d OR (c.effectiveDate = :d AND c.observedAt < :o))', { d: r.effectiveDate, o: r.observedAt })
        .orderBy('c.effectiveDate', 'DESC').addOrderBy('c.observedAt', 'DESC').getOne();
      count = prev ? new Decimal(r.quantity.toString()).sub(prev.quantity.toString()) : r.quantity;
    } else if (fields.includes('status') || fields.includes('active')) {
      type = 'import_status';
      count = r.quantity;
    }
    if (!type) continue;
    await scope.transaction(async (tx) => {
      if (await recordEvent(tx, {
        occurredAt: r.observedAt, type, source: r.source === 'import' ? 'Pax8 sync' : r.source, target: await subscriptionLabel(tx, sub),
        licenceCount: count, initiatedBy: r.initiatedBy ?? `pax8:${r.source}`, subscriptionId: sub.id, customerId: sub.customerId,
        refKind: 'subscription_change', refId: r.id, detail: { fields, quantity: r.quantity, status: r.status, effectiveDate: r.effectiveDate },
      })) written++;
    }).catch((err: unknown) => {
      if (!isUniqueViolation(err)) throw err;
    });
  }
  await scope.repo(EventLogCursor).update({ id: cursor.id }, { changesSeenUntil: latest, updatedAt: now });
  return written;
}
