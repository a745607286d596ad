import { In } from 'typeorm';
import { addDays, type CalendarDate } from '../billing/dates.js';
import { Customer, type Invoice, Tenant } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { tenantSettings } from '../tenants/service.js';

/* Payment terms, due date and seller details of invoices (issue 23): fixed when the invoice is created. */

export interface SellerDetails {
  name: string;
  address: string[];
  taxNumber: string | null;
  bankDetails: string[];
}

export interface InvoiceTerms {
  dueDate: CalendarDate;
  paymentTermsDays: number;
  seller: SellerDetails;
}

const lines = (text: string | null): string[] => (text ?? '').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');

/** The tenant's seller details now (settings `invoicing`; the name falls back to the tenant's display name). */
export function sellerOf(tenant: Tenant): SellerDetails {
  const s = tenantSettings(tenant).invoicing;
  return { name: s.sellerName ?? tenant.displayName, address: lines(s.sellerAddress), taxNumber: s.sellerTaxNumber, bankDetails: lines(s.sellerBankDetails) };
}

/** The customer's payment terms in days, else the tenant's default. */
export function paymentTermsOf(tenant: Tenant, customer: Pick<Customer, 'paymentTermsDays'> | null): number {
  return customer?.paymentTermsDays ?? tenantSettings(tenant).invoicing.paymentTermsDays;
}

/** "Net 30"; 0 days reads "Due on receipt". */
export function termsText(days: number): string {
  return days === 0 ? 'Due on receipt' : `Net ${days}`;
}

/** The stored columns of new invoices, per customer: due date (from each invoice's date), terms and seller snapshot. */
export async function termsForNewInvoices(tx: TenantScope, customerIds: readonly string[]): Promise<(customerId: string, invoiceDate: CalendarDate) => {
  dueDate: CalendarDate; paymentTermsDays: number; sellerJson: string;
}> {
  const tenant = await tx.manager.findOneBy(Tenant, { id: tx.tenantId });
  if (!tenant) throw new Error(`tenant ${tx.tenantId} not found`);
  const sellerJson = JSON.stringify(sellerOf(tenant));
  const days = new Map<string, number>();
  const ids = [...new Set(customerIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await tx.repo(Customer).queryByPrimaryKey('c').select('c.id', 'id').addSelect('c.paymentTermsDays', 'days')
      .andWhere('c.id IN (:...ids)', { ids: ids.slice(i, i + 500) }).getRawMany<{ id: string; days: number | string | null }>();
    for (const r of rows) if (r.days !== null) days.set(r.id, Number(r.days));
  }
  const fallback = paymentTermsOf(tenant, null);
  return (customerId, invoiceDate) => {
    const d = days.get(customerId) ?? fallback;
    return { dueDate: addDays(invoiceDate, d), paymentTermsDays: d, sellerJson };
  };
}

/**
 * An invoice's terms as created; an invoice from before they were stored (migration 1764301100000) gets the customer's
 * (else the tenant's) terms and the tenant's seller details as they are now.
 */
export function invoiceTerms(inv: Pick<Invoice, 'invoiceDate' | 'dueDate' | 'paymentTermsDays' | 'sellerJson'>, tenant: Tenant, customer: Pick<Customer, 'paymentTermsDays'> | null): InvoiceTerms {
  const days = inv.paymentTermsDays ?? paymentTermsOf(tenant, customer);
  return {
    dueDate: inv.dueDate ?? addDays(inv.invoiceDate, days),
    paymentTermsDays: days,
    seller: inv.sellerJson ? (JSON.parse(inv.sellerJson) as SellerDetails) : sellerOf(tenant),
  };
}
