import { In } from 'typeorm';
import { Invoice, InvoiceDelivery, type InvoiceDeliveryStatus } from '../db/entities/index.js';
import { InvoiceDeliveryError } from './errors.js';
import type { TenantScope } from '../db/tenant-scope.js';

/** One sending of an invoice as the API, the pages and the CLI show it. */
export interface DeliveryView {
  id: string;
  sequence: number;
  status: InvoiceDeliveryStatus;
  to: string[];
  cc: string[];
  attempts: number;
  /** Why the last attempt failed (the reason of a failed delivery). */
  lastError: string | null;
  queuedBy: string;
  queuedAt: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
}

export function deliveryView(d: InvoiceDelivery): DeliveryView {
  return {
    id: d.id, sequence: d.sequence, status: d.status, to: JSON.parse(d.toJson) as string[], cc: JSON.parse(d.ccJson) as string[],
    attempts: d.attempts, lastError: d.lastError, queuedBy: d.queuedBy, queuedAt: d.createdAt.toISOString(),
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null, sentAt: d.sentAt?.toISOString() ?? null,
  };
}

/** Every sending of one invoice of the tenant, the latest first. */
export async function invoiceDeliveries(scope: TenantScope, invoiceId: string): Promise<DeliveryView[]> {
  if (!(await scope.repo(Invoice).findOneBy({ id: invoiceId }))) throw new InvoiceDeliveryError('not_found', 'invoice not found');
  return (await scope.repo(InvoiceDelivery).find({ where: { invoiceId }, order: { sequence: 'DESC' } })).map(deliveryView);
}

/** The latest sending of each of the invoices (invoices never queued are absent). */
export async function latestDeliveries(scope: TenantScope, invoiceIds: readonly string[]): Promise<Map<string, DeliveryView>> {
  const out = new Map<string, DeliveryView>();
  if (invoiceIds.length === 0) return out;
  const rows = await scope.repo(InvoiceDelivery).find({ where: { invoiceId: In([...new Set(invoiceIds)]) }, order: { sequence: 'ASC' } });
  for (const r of rows) out.set(r.invoiceId, deliveryView(r));
  return out;
}
