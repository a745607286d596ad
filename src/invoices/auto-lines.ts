import { Decimal } from 'decimal.js';
import { Customer, RecurringInvoice, RecurringInvoiceLink, Subscription, Tenant } from '../db/entities/index.js';
import type { RecurringFrequency } from '../db/entities/recurring-invoice.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { tenantSettings } from '../tenants/service.js';
import { insertLine } from './recurring-service.js';

export type AutoLineResult = { added: true; recurringInvoiceId: string; lineId: string } | { added: false; reason: string };

/** Monthly → the monthly recurring invoice, Annual → the annual one; other terms have none. */
export function frequencyForBillingTerm(billingTerm: string | null): RecurringFrequency | null {
  const term = (billingTerm ?? '').trim().toLowerCase();
  if (term === 'monthly') return 'monthly';
  if (term === 'annual' || term === 'yearly') return 'annual';
  return null;
}

async function targetInvoice(scope: TenantScope, customer: Customer, frequency: RecurringFrequency): Promise<RecurringInvoice | null> {
  const repo = scope.repo(RecurringInvoice);
  const configuredId = frequency === 'monthly' ? customer.monthlyRecurringInvoiceId : customer.annualRecurringInvoiceId;
  if (configuredId) {
    const configured = await repo.findOneBy({ id: configuredId, customerId: customer.id });
    // Its frequency is checked again here: the recurring invoice's schedule may have changed since it was chosen.
    if (configured && configured.status !== 'ended' && configured.frequency === frequency) return configured;
  }
  // Newest (latest createdAt) of the customer's recurring invoices with the matching period.
  const candidates = await repo.find({ where: { customerId: customer.id, frequency }, order: { createdAt: 'DESC', id: 'DESC' } });
  return candidates.find((ri) => ri.status !== 'ended') ?? null;
}

/**
 * Customer billing settings for a newly imported subscription (call it only for subscriptions the import
 * created; existing ones are never added). Adds a line linked to the subscription on the customer's monthly or
 * annual recurring invoice (by the subscription's billing term), else on the customer's newest recurring invoice
 * with that period, else nothing, with the reason for the import run's report.
 */
export async function addLineForNewSubscription(scope: TenantScope, subscription: Subscription, now: Date = new Date()): Promise<AutoLineResult> {
  const tenant = await scope.manager.findOneBy(Tenant, { id: scope.tenantId });
  if (!tenant) return { added: false, reason: 'tenant not found' };
  if (tenantSettings(tenant).imports.productImportMode !== 'products_and_lines') {
    return { added: false, reason: 'the tenant does not create recurring-invoice lines on import' };
  }
  if (subscription.tenantId !== scope.tenantId) return { added: false, reason: 'subscription belongs to another tenant' };
  if (!subscription.customerId) return { added: false, reason: 'the subscription has no customer' };
  const customer = await scope.repo(Customer).findOneBy({ id: subscription.customerId });
  if (!customer) return { added: false, reason: `customer ${subscription.customerId} not found` };
  if (customer.noAutomaticInvoiceLines) {
    return { added: false, reason: `customer "${customer.name}" is set to not create recurring-invoice lines automatically` };
  }
  const frequency = frequencyForBillingTerm(subscription.billingTerm);
  if (!frequency) {
    return { added: false, reason: `billing term ${JSON.stringify(subscription.billingTerm)} matches neither a monthly nor an annual recurring invoice` };
  }
  const already = await scope.repo(RecurringInvoiceLink).count({ where: { subscriptionId: subscription.id } });
  if (already > 0) return { added: false, reason: 'the subscription is already linked to a recurring-invoice line' };
  const ri = await targetInvoice(scope, customer, frequency);
  if (!ri) return { added: false, reason: `customer "${customer.name}" has no ${frequency} recurring invoice` };

  const usage = subscription.kind === 'usage_summary';
  // Follows the subscription's price (read from its history as of each period start); without one, 0 flagged for review.
  const follow = subscription.price !== null || usage;
  const lineId = await insertLine(scope, ri, {
    description: subscription.name, productId: subscription.productId, timing: usage ? 'usage' : 'advance', priceMode: follow ? 'follow' : 'own',
    unitPrice: follow ? null : new Decimal(0), costMode: usage ? 'own' : 'follow', cost: subscription.cost, prorata: usage ? 'none' : 'from_change_date',
    reviewRequired: !follow, usageSummaryId: usage ? subscription.usageSummaryId : null,
  }, { subscriptionId: subscription.id, freeQuantity: new Decimal(0), minimumQuantity: new Decimal(0) }, now);
  return { added: true, recurringInvoiceId: ri.id, lineId };
}
