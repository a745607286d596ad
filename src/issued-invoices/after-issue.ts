import type { Tenant } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { queueIssuedForAccounting } from '../accounting/push.js';
import { queueIssuedInvoices } from '../invoice-delivery/queue.js';

export interface AfterIssue {
  /** E-mails queued (settings invoiceDelivery.autoSend): the caller queues the `invoices:deliver` job. */
  emailsQueued: boolean;
  /** Pushes queued to the connected books (settings accounting.autoPush): the caller queues the `accounting:push` job. */
  pushesQueued: boolean;
}

/**
 * What follows an invoice's issue, wherever it was issued (approval on the web or API, an invoice run that issues): its
 * e-mail and its pushes to the books are queued when the tenant sends and pushes automatically. Queueing twice queues
 * once (both queues are idempotent per invoice).
 */
export async function queueAfterIssue(scope: TenantScope, tenant: Tenant, invoiceIds: readonly string[], now: Date): Promise<AfterIssue> {
  if (invoiceIds.length === 0) return { emailsQueued: false, pushesQueued: false };
  const emails = await queueIssuedInvoices(scope, tenant, invoiceIds, now);
  const pushes = await queueIssuedForAccounting(scope, tenant, invoiceIds, now);
  return { emailsQueued: emails.some((q) => q.outcome === 'queued'), pushesQueued: pushes.some((q) => q.outcome === 'queued') };
}
