import type { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { Customer, Invoice, InvoiceLine, RecurringInvoice, Subscription, Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { In } from 'typeorm';

export class InvoiceError extends AppError {
  override name = 'InvoiceError';
  constructor(message: string, override readonly code: 'not_found' | 'conflict') {
    super(code, message, code === 'not_found' ? { publicMessage: 'invoice not found' } : {});
  }
}

/** "INV-000042"; drafts have no number yet. */
export function invoiceNumberText(inv: Pick<Invoice, 'number' | 'status'>): string {
  return inv.number === null ? 'DRAFT' : `INV-${String(inv.number).padStart(6, '0')}`;
}

export interface InvoiceDocument {
  tenant: Tenant;
  invoice: Invoice;
  lines: InvoiceLine[];
  customer: Customer | null;
  recurringInvoice: RecurringInvoice | null;
  /** Subscription id → name, for the subscriptions the lines' provenance names. */
  subscriptionNames: Map<string, string>;
}

export async function loadInvoiceDocument(ds: DataSource, tenantId: string, invoiceId: string): Promise<InvoiceDocument> {
  const scope = new TenantScope(ds.manager, tenantId);
  const tenant = await ds.manager.findOneBy(Tenant, { id: tenantId });
  const invoice = await scope.repo(Invoice).findOneBy({ id: invoiceId });
  if (!tenant || !invoice) throw new InvoiceError(`invoice ${invoiceId} not found`, 'not_found');
  const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId }, order: { position: 'ASC' } });
  const customer = await scope.repo(Customer).findOneBy({ id: invoice.customerId });
  const recurringInvoice = await scope.repo(RecurringInvoice).findOneBy({ id: invoice.recurringInvoiceId });
  const ids = [...new Set(lines.flatMap((l) => (JSON.parse(l.provenanceJson) as { subscriptions?: string[] }).subscriptions ?? []))];
  const subs = ids.length === 0 ? [] : await scope.repo(Subscription).findBy({ id: In(ids) });
  return { tenant, invoice, lines, customer, recurringInvoice, subscriptionNames: new Map(subs.map((s) => [s.id, s.name])) };
}
