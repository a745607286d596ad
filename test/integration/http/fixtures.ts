import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import {
  Customer, CustomerMapping, ImportError, Invoice, InvoiceLine, LicensingChangeRequest, LicensingNotice, RecurringInvoice, RecurringInvoiceLine,
  RecurringInvoiceLink, ImportRun, InvoiceRunRecord, Pax8Company, Product, Subscription, SubscriptionChange, TaxCode, UsageLine, UsageMonthlyCharge, UsageSummary,
  type Tenant,
} from '../../../src/db/entities/index.js';
import { insertTenant } from '../../support/database.js';

/** One row of every tenant-owned kind the API exposes, with ids by route parameter name. */
export interface SeededTenant {
  tenant: Tenant;
  /** Route parameter name → id of an object of this tenant. */
  ids: Record<string, string>;
  /** A second customer (a client user of the first must not see it) and its objects. */
  otherCustomer: Record<string, string>;
}

export async function seedTenant(ds: DataSource, name: string, companyName = 'Contoso <b>Ltd</b>'): Promise<SeededTenant> {
  const tenant = await insertTenant(ds, name);
  const m = ds.manager;
  const base = () => ({ id: randomUUID(), tenantId: tenant.id, createdAt: new Date(), updatedAt: new Date() });
  const customer = (n: string) => m.create(Customer, {
    ...base(), name: n, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: 'Leeds', siteStateOrProvince: null,
    sitePostalCode: null, siteCountry: 'GB', source: 'pax8_import', monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null,
    noAutomaticInvoiceLines: false,
  });
  const c1 = customer(companyName);
  const c2 = customer(`${name} other customer`);
  await m.insert(Customer, [c1, c2]);
  const pax8Id = randomUUID();
  await m.insert(Pax8Company, {
    ...base(), pax8Id, name: companyName, status: 'Active', street: null, street2: null, city: 'Leeds', stateOrProvince: null, postalCode: null,
    country: 'GB', externalId: null, isPartnerOwn: false, contentHash: 'x', pax8UpdatedAt: null,
  });
  await m.insert(CustomerMapping, { ...base(), pax8CompanyId: pax8Id, customerId: c1.id, resourceGroup: null, source: 'generated' });
  const product = { ...base(), sku: 'MS-365-BP-M', name: 'Microsoft 365 Business Premium', vendorName: 'Microsoft', category: null,
    pax8ProductId: randomUUID(), pax8Sku: null, vendorSku: null, productGroup: 'Pax8', retailPrice: new Decimal('22.00'), visible: true, featured: false };
  await m.insert(Product, product);
  const sub = (customerId: string) => ({
    ...base(), kind: 'license' as const, pax8Id: randomUUID(), pax8CompanyId: pax8Id, customerId, pax8ProductId: product.pax8ProductId,
    productId: product.id, name: 'Microsoft 365 Business Premium', vendorName: 'Microsoft', quantity: new Decimal('5'), status: 'Active',
    active: true, activeOverride: null, billingTerm: 'Monthly', commitmentTerm: null, commitmentEndDate: null, startDate: '2026-01-01',
    endDate: null, price: new Decimal('22.00'), cost: new Decimal('18.50'), currency: 'GBP', usageSummaryId: null, deletedInPax8: false,
    contentHash: 'x', pax8UpdatedAt: null,
  });
  const s1 = sub(c1.id);
  const s2 = sub(c2.id);
  await m.insert(Subscription, [s1, s2]);
  await m.insert(SubscriptionChange, [s1, s2].map((s) => ({
    ...base(), subscriptionId: s.id, effectiveDate: '2026-01-01', observedAt: new Date(), fields: 'quantity,status,price', quantity: s.quantity,
    status: 'Active', active: true, price: s.price, cost: s.cost, source: 'import', importRunId: null, initiatedBy: null,
  })));
  const summary = (customerId: string) => ({
    ...base(), pax8Id: randomUUID(), pax8SubscriptionId: randomUUID(), pax8CompanyId: pax8Id, pax8ProductId: null, resourceGroup: 'rg-app',
    vendorName: 'Microsoft', customerId, mappedBy: 'company', currentCharges: new Decimal('12.345'), partnerTotal: new Decimal('10.1'),
    currency: 'GBP', isTrial: false, linesMismatch: false, contentHash: 'x',
  });
  const u1 = summary(c1.id);
  const u2 = summary(c2.id);
  await m.insert(UsageSummary, [u1, u2]);
  await m.insert(UsageMonthlyCharge, { ...base(), usageSummaryId: u1.id, month: '2026-11', charges: new Decimal('12.345'), partnerTotal: new Decimal('10.1') });
  await m.insert(UsageLine, {
    ...base(), usageSummaryId: u1.id, usageDate: '2026-11-02', lineKey: 'k', pax8ProductId: null, productName: 'Virtual Machines',
    unitOfMeasure: '1 Hour', quantity: new Decimal('3'), unitPrice: new Decimal('4.115'), charges: new Decimal('12.345'),
    partnerTotal: new Decimal('10.1'), currency: 'GBP',
  });
  const run = { ...base(), entities: 'customers,subscriptions', trigger: 'cli', startedBy: 'test', startedAt: new Date(), finishedAt: new Date(),
    status: 'partial' as const, dryRun: false, countsJson: '{"customers":{"created":1}}', jobId: null,
    message: JSON.stringify({ unmappedUsage: [{ usageSummaryId: 'us-1', subscriptionId: 's-1', companyId: null, resourceGroup: 'rg <b>', reason: 'no company assigned and no resource group', productName: 'Wasabi Hot Cloud Storage', vendorName: 'Wasabi', amount: '12.345', currency: 'GBP' }] }) };
  await m.insert(ImportRun, run);
  await m.insert(ImportError, { ...base(), importRunId: run.id, entity: 'subscriptions', pax8Id: 'x', message: 'bad <quantity>', rawPayload: null });
  const invoiceRun = { ...base(), runDate: '2026-11-01', allowFuture: false, trigger: 'http', startedBy: 'test', status: 'succeeded' as const, jobId: null,
    queuedAt: new Date(), startedAt: new Date(), finishedAt: new Date(), error: null,
    resultJson: JSON.stringify({ created: 1, drafts: 0, issued: 1, alreadyInvoiced: 0, failed: [] }) };
  await m.insert(InvoiceRunRecord, invoiceRun);
  const request = (subscriptionId: string, customerId: string) => ({
    ...base(), subscriptionId, customerId, productName: 'Microsoft 365 Business Premium', vendorName: 'Microsoft', currentQuantity: new Decimal('5'),
    requestedQuantity: new Decimal('6'), status: 'pending' as const, decision: null, approvalReasons: '', changePercent: '20', requestedBy: null,
    requestedAt: new Date(), decidedBy: null, decidedAt: null, rejectionReason: null, failureReason: null, pax8Response: null, appliedAt: null,
    subscriptionChangeId: null,
  });
  const r1 = request(s1.id, c1.id);
  const r2 = request(s2.id, c2.id);
  await m.insert(LicensingChangeRequest, [r1, r2]);
  const notice = (customerId: string, requestId: string) => ({ ...base(), userId: null, customerId, requestId, kind: 'request_approved', message: 'approved <b>', readAt: null });
  const n1 = notice(c1.id, r1.id);
  const n2 = notice(c2.id, r2.id);
  await m.insert(LicensingNotice, [n1, n2]);
  const billing = async (customerId: string, subscriptionId: string) => {
    const ri = { ...base(), customerId, name: 'Monthly licences', frequency: 'monthly' as const, anchorDay: 1, anchorMonth: 1, startDate: '2026-01-01',
      currency: 'GBP', taxRate: new Decimal('0.2'), status: 'active' as const, nextInvoiceDate: '2026-12-01' };
    await m.insert(RecurringInvoice, ri);
    const line = { ...base(), recurringInvoiceId: ri.id, position: 0, description: 'Microsoft 365 Business Premium', productId: product.id,
      timing: 'advance' as const, priceMode: 'follow' as const, unitPrice: null, cost: null, prorata: 'from_change_date' as const, reviewRequired: false,
      usageSummaryId: null, currentQuantity: new Decimal('5'), quantityDate: null };
    await m.insert(RecurringInvoiceLine, line);
    await m.insert(RecurringInvoiceLink, { ...base(), recurringInvoiceId: ri.id, lineId: line.id, subscriptionId, position: 0,
      freeQuantity: new Decimal('0'), minimumQuantity: new Decimal('0') });
    const inv = { ...base(), recurringInvoiceId: ri.id, customerId, invoiceDate: '2026-11-01', periodStart: '2026-11-01', periodEnd: '2026-11-30',
      currency: 'GBP', taxRate: new Decimal('0.2'), status: 'draft' as const, number: null, subtotal: new Decimal('110'), tax: new Decimal('22'),
      total: new Decimal('132'), reviewJson: '["usage line needs review"]', issuedAt: null, approvedBy: null };
    await m.insert(Invoice, inv);
    await m.insert(InvoiceLine, { ...base(), invoiceId: inv.id, position: 0, recurringInvoiceLineId: line.id, adjustmentId: null, kind: 'recurring',
      description: `Licences for ${companyName}`, fromDate: '2026-11-01', toDate: '2026-11-30', quantity: new Decimal('5'), unitPrice: new Decimal('22'),
      amount: new Decimal('110'), tax: new Decimal('22'), reviewJson: '[]', provenanceJson: '{}' });
    return { recurringInvoiceId: ri.id, invoiceId: inv.id, lineId: line.id };
  };
  const taxCode = { ...base(), code: 'Exempt', rate: new Decimal('0'), kind: 'exempt' as const };
  await m.insert(TaxCode, taxCode);
  const b1 = await billing(c1.id, s1.id);
  const b2 = await billing(c2.id, s2.id);
  return {
    tenant,
    ids: {
      ...b1,
      tenantId: tenant.id, pax8CompanyId: pax8Id, customerId: c1.id, productId: product.id, subscriptionId: s1.id, summaryId: u1.id, runId: run.id, invoiceRunId: invoiceRun.id,
      requestId: r1.id, noticeId: n1.id, taxCodeId: taxCode.id, vendor: 'xero',
    },
    otherCustomer: { ...b2, customerId: c2.id, subscriptionId: s2.id, summaryId: u2.id, requestId: r2.id, noticeId: n2.id },
  };
}
