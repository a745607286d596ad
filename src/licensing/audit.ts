import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditEvent } from '../db/entities/index.js';

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
  await manager.insert(AuditEvent, {
    id: randomUUID(), at, userId, tenantId, action: action.slice(0, 80), detail: JSON.stringify(detail, decimalsAsText),
  });
}

/** Decimals (and anything with a toFixed) are kept as exact text. */
function decimalsAsText(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && 'toFixed' in value && typeof (value as { toFixed: unknown }).toFixed === 'function' && !(value instanceof Date)) {
    return (value as { toString(): string }).toString();
  }
  return value;
}
