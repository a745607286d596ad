import { AppError, fieldError } from '../common/app-error.js';
import { Customer, CustomerMapping, RecurringInvoice } from '../db/entities/index.js';
import type { RecurringFrequency } from '../db/entities/recurring-invoice.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { pax8PortalUrl } from './portal-link.js';
import { customerTaxCodeId } from '../tax/service.js';

/**
 * A customer's settings for automatic recurring-invoice lines (what `invoices/auto-lines.ts` honours): its monthly and
 * annual recurring invoice, and "no automatic lines"; and its payment terms (`invoices/terms.ts`). Checked here, for
 * the API and the CLI alike.
 */
export interface CustomerBillingPatch {
  monthlyRecurringInvoiceId?: string | null;
  annualRecurringInvoiceId?: string | null;
  noAutomaticInvoiceLines?: boolean;
  /** Its exemption or reverse charge: a tax code's id or name of kind exempt or reverse_charge (src/tax); null: none. */
  taxCodeId?: string | null;
  /** Days from invoice date to due date on this customer's invoices; null: the tenant's default (settings invoicing.paymentTermsDays). */
  paymentTermsDays?: number | null;
}

export const BILLING_SETTING_KEYS = ['monthlyRecurringInvoiceId', 'annualRecurringInvoiceId', 'noAutomaticInvoiceLines', 'paymentTermsDays', 'taxCodeId'] as const;

/** `not_found`: no such customer in the tenant; `invalid`: a setting's value is refused (`field` names it). */
export class CustomerSettingsError extends AppError {
  override name = 'CustomerSettingsError';
  constructor(override readonly kind: 'not_found' | 'invalid', message: string, readonly field?: keyof CustomerBillingPatch) {
    super(kind, message, kind === 'invalid' ? { fields: fieldError(`body.${field ?? ''}`, message) } : { publicMessage: 'customer not found' });
  }
}

/** The customer with its Pax8 company (the company-wide mapping first) and the link that opens it in the Pax8 portal. */
export async function customerWithPax8(scope: TenantScope, customerId: string, portalTemplate: string): Promise<{
  customer: Customer; pax8CompanyId: string | null; pax8PortalUrl: string | null;
}> {
  const customer = await scope.repo(Customer).findOneBy({ id: customerId });
  if (!customer) throw new CustomerSettingsError('not_found', 'customer not found');
  const mappings = await scope.repo(CustomerMapping).find({ where: { customerId }, order: { createdAt: 'ASC', id: 'ASC' } });
  const m = mappings.find((x) => x.resourceGroup === null) ?? mappings[0];
  return { customer, pax8CompanyId: m?.pax8CompanyId ?? null, pax8PortalUrl: m ? pax8PortalUrl(portalTemplate, m.pax8CompanyId) : null };
}

const FIELD_FREQUENCY: Record<'monthlyRecurringInvoiceId' | 'annualRecurringInvoiceId', RecurringFrequency> = {
  monthlyRecurringInvoiceId: 'monthly', annualRecurringInvoiceId: 'annual',
};

/**
 * Changes the customer's automatic-line settings. A recurring invoice must be one of this tenant's, this customer's,
 * not ended, and of the matching frequency (the monthly one monthly, the annual one annual); null clears it.
 */
export async function updateCustomerBilling(scope: TenantScope, customerId: string, patch: CustomerBillingPatch, now: Date): Promise<Customer> {
  const customer = await scope.repo(Customer).findOneBy({ id: customerId });
  if (!customer) throw new CustomerSettingsError('not_found', 'customer not found');
  for (const field of ['monthlyRecurringInvoiceId', 'annualRecurringInvoiceId'] as const) {
    const id = patch[field];
    if (id === undefined || id === null) continue;
    const frequency = FIELD_FREQUENCY[field];
    const ri = await scope.repo(RecurringInvoice).findOneBy({ id });
    if (!ri) throw new CustomerSettingsError('invalid', `no recurring invoice ${id} in this tenant`, field);
    if (ri.customerId !== customer.id) {
      throw new CustomerSettingsError('invalid', `recurring invoice "${ri.name}" belongs to another customer; choose one of "${customer.name}"'s`, field);
    }
    if (ri.frequency !== frequency) {
      throw new CustomerSettingsError('invalid', `recurring invoice "${ri.name}" is ${ri.frequency}; the ${frequency} recurring invoice for automatic lines must be ${frequency}`, field);
    }
    if (ri.status === 'ended') throw new CustomerSettingsError('invalid', `recurring invoice "${ri.name}" has ended`, field);
  }
  const days = patch.paymentTermsDays;
  if (days !== undefined && days !== null && (!Number.isInteger(days) || days < 0 || days > 365)) {
    throw new CustomerSettingsError('invalid', 'payment terms are a whole number of days from 0 to 365 (none: the tenant\'s default)', 'paymentTermsDays');
  }
  const taxCodeId = patch.taxCodeId === undefined ? undefined : await customerTaxCodeId(scope, patch.taxCodeId);
  const changes: Partial<Customer> = {
    ...(patch.monthlyRecurringInvoiceId !== undefined ? { monthlyRecurringInvoiceId: patch.monthlyRecurringInvoiceId } : {}),
    ...(patch.annualRecurringInvoiceId !== undefined ? { annualRecurringInvoiceId: patch.annualRecurringInvoiceId } : {}),
    ...(patch.noAutomaticInvoiceLines !== undefined ? { noAutomaticInvoiceLines: patch.noAutomaticInvoiceLines } : {}),
    ...(taxCodeId !== undefined ? { taxCodeId } : {}),
    ...(days !== undefined ? { paymentTermsDays: days } : {}),
  };
  if (Object.keys(changes).length > 0) {
    await scope.repo(Customer).update({ id: customer.id }, { ...changes, updatedAt: now });
  }
  return (await scope.repo(Customer).findOneBy({ id: customer.id }))!;
}
