import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditEvent } from '../db/entities/index.js';
import { recordLicensingEvent } from '../events/log.js';

export interface LicensingAudit {
  tenantId: string;
  /** The deciding user; null for automatic decisions (auto-approval) and the system. */
  userId: string | null;
  /** e.g. 'licensing.request.approve'. */
  action: string;
  before: unknown;
  after: unknown;
  /** Anything else worth keeping (request id, reasons, Pax8 answer). */
  [extra: string]: unknown;
}

/** Writes one licensing audit event: who (userId), when (at), what (action), detail {before, after, …}. */
export async function auditLicensing(manager: EntityManager, a: LicensingAudit, at: Date = new Date()): Promise<void> {
  const { tenantId, userId, action, ...detail } = a;
  const id = randomUUID();
  await manager.insert(AuditEvent, {
    id, at, userId, tenantId, action: action.slice(0, 80), detail: JSON.stringify(detail, decimalsAsText),
  });
  // Approval decisions and their outcomes also go to the licence event log (issue 9), in the same transaction.
  await recordLicensingEvent(manager, a, at, id);
}

/** Decimals (and anything with a toFixed) are kept as exact text. */
function decimalsAsText(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && 'toFixed' in value && typeof (value as { toFixed: unknown }).toFixed === 'function' && !(value instanceof Date)) {
    return (value as { toString(): string }).toString();
  }
  return value;
}
