import type { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { likeContains } from '../common/like.js';
import { Customer, Invoice, InvoiceLine, RecurringInvoice, Subscription, Tenant } from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
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

export interface InvoiceFilter {
  status?: 'draft' | 'issued';
  customerId?: string;
  /** Invoice date from / to (inclusive). */
  from?: string;
  to?: string;
  /** The invoice number (INV-000123 or 123) or the customer name contains (literally). */
  q?: string;
  /** A client's own customer: only its invoices. */
  onlyCustomerId?: string | null;
}

/** One page of the tenant's invoices (issued and drafts). */
export function listInvoices(scope: TenantScope, filter: InvoiceFilter, page: PageRequest): Promise<Paged<Invoice>> {
  const qb = scope.repo(Invoice).query('i');
  if (filter.q) {
    qb.leftJoin(Customer, 'c', 'c.tenantId = i.tenantId AND c.id = i.customerId');
    const name = likeContains('c.name', filter.q);
    const number = /^\s*(?:inv-?)?0*(\d{1,9})\s*$/i.exec(filter.q)?.[1];
    if (number) qb.andWhere(`(${name.sql} OR i.number = :qnumber)`, { ...name.params, qnumber: Number(number) });
    else qb.andWhere(name.sql, name.params);
  }
  if (filter.status) qb.andWhere('i.status = :st', { st: filter.status });
  if (filter.customerId) qb.andWhere('i.customerId = :cid', { cid: filter.customerId });
  if (filter.from) qb.andWhere('i.invoiceDate >= :from', { from: filter.from });
  if (filter.to) qb.andWhere('i.invoiceDate <= :to', { to: filter.to });
  if (filter.onlyCustomerId) qb.andWhere('i.customerId = :own', { own: filter.onlyCustomerId });
  return pageQuery(qb, 'i', page);
}

/** Every invoice of the tenant (or those of one status), by invoice date and number: for listings that are not paged. */
export function allInvoices(scope: TenantScope, status?: 'draft' | 'issued'): Promise<Invoice[]> {
  return scope.repo(Invoice).find({ where: status ? { status } : {}, order: { invoiceDate: 'ASC', number: 'ASC' } });
}

/** One invoice of the tenant (of the client's own customer when `onlyCustomerId` is given), else not_found. */
export async function loadInvoice(scope: TenantScope, invoiceId: string, onlyCustomerId: string | null = null): Promise<Invoice> {
  const inv = await scope.repo(Invoice).findOneBy({ id: invoiceId });
  if (!inv || (onlyCustomerId && inv.customerId !== onlyCustomerId)) throw new InvoiceError(`invoice ${invoiceId} not found`, 'not_found');
  return inv;
}

/** An invoice's lines (by position) and its customer (for its terms). */
export async function invoiceLinesAndCustomer(scope: TenantScope, inv: Invoice): Promise<{ lines: InvoiceLine[]; customer: Customer | null }> {
  const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: inv.id }, order: { position: 'ASC' } });
  return { lines, customer: await scope.repo(Customer).findOneBy({ id: inv.customerId }) };
}
