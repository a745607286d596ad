import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { Customer, Invoice, InvoiceDelivery, type Tenant } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { isUniqueViolation } from '../db/errors.js';
import { invoiceNumberText } from '../invoices/queries.js';
import { tenantSettings } from '../tenants/service.js';
import { billingContacts } from './contacts.js';

/**
 * Queues issued invoices for sending by e-mail. The recipients are fixed when queued (the customer's billing
 * contacts then). An invoice is sent once: queueing it again while it waits or after it went out does nothing,
 * unless `resend` asks for another sending; a failed sending may be queued again. Two processes queueing the same
 * invoice at once insert one row (the sequence is unique per invoice).
 */

export type QueueOutcome = 'queued' | 'already_queued' | 'already_sent' | 'not_issued' | 'no_contacts' | 'not_found';

export interface QueueResult {
  invoiceId: string;
  outcome: QueueOutcome;
  deliveryId: string | null;
  /** In words, for the page and the CLI. */
  message: string;
}

export interface QueueOptions {
  /** E-mail of the user or 'cli:<user>' / 'auto' (the tenant's autoSend). */
  by: string;
  resend?: boolean;
  now: Date;
}

export async function queueInvoiceDeliveries(scope: TenantScope, invoiceIds: readonly string[], opts: QueueOptions): Promise<QueueResult[]> {
  const ids = [...new Set(invoiceIds)];
  const invoices = new Map((ids.length ? await scope.repo(Invoice).findBy({ id: In(ids) }) : []).map((i) => [i.id, i]));
  const customers = new Map((await scope.repo(Customer).findBy({ id: In([...new Set([...invoices.values()].map((i) => i.customerId))]) })).map((c) => [c.id, c]));
  const results: QueueResult[] = [];
  for (const invoiceId of ids) {
    const invoice = invoices.get(invoiceId);
    if (!invoice) {
      results.push({ invoiceId, outcome: 'not_found', deliveryId: null, message: 'invoice not found' });
      continue;
    }
    results.push(await queueOne(scope, invoice, customers.get(invoice.customerId)?.name ?? invoice.customerId, opts));
  }
  return results;
}

async function queueOne(scope: TenantScope, invoice: Invoice, customerName: string, opts: QueueOptions): Promise<QueueResult> {
  const number = invoiceNumberText(invoice);
  const result = (outcome: QueueOutcome, message: string, deliveryId: string | null = null): QueueResult => ({ invoiceId: invoice.id, outcome, deliveryId, message });
  if (invoice.status !== 'issued') return result('not_issued', `${number} is a draft: approve it before sending`);
  const latest = await scope.repo(InvoiceDelivery).findOne({ where: { invoiceId: invoice.id }, order: { sequence: 'DESC' } });
  if (latest && (latest.status === 'queued' || latest.status === 'sending')) return result('already_queued', `${number} is already waiting to be sent`, latest.id);
  if (latest?.status === 'sent' && !opts.resend) return result('already_sent', `${number} was already sent; resend it to send it again`, latest.id);
  const contacts = await billingContacts(scope, invoice.customerId);
  if (contacts.to.length === 0) return result('no_contacts', `${customerName} has no billing contact to send ${number} to`);
  const id = randomUUID();
  try {
    await scope.repo(InvoiceDelivery).insert([{
      id, invoiceId: invoice.id, sequence: (latest?.sequence ?? 0) + 1, status: 'queued', toJson: JSON.stringify(contacts.to),
      ccJson: JSON.stringify(contacts.cc), attempts: 0, lastError: null, messageId: null, queuedBy: opts.by.slice(0, 255),
      nextAttemptAt: null, claimedAt: null, sentAt: null, createdAt: opts.now, updatedAt: opts.now,
    }]);
  } catch (err) {
    if (isUniqueViolation(err)) return result('already_queued', `${number} is already waiting to be sent`);
    throw err;
  }
  return result('queued', `${number} queued for ${contacts.to.join(', ')}`, id);
}

/** After invoices were issued: queues them when the tenant sends automatically (setting invoiceDelivery.autoSend). */
export async function queueIssuedInvoices(scope: TenantScope, tenant: Tenant, invoiceIds: readonly string[], now: Date): Promise<QueueResult[]> {
  if (!tenantSettings(tenant).invoiceDelivery.autoSend || invoiceIds.length === 0) return [];
  return queueInvoiceDeliveries(scope, invoiceIds, { by: 'auto', now });
}
