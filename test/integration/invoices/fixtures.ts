import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import {
  Customer, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, SubscriptionChange, Tenant,
  UsageMonthlyCharge, UsageSummary,
} from '../../../src/db/entities/index.js';
import type { RecurringFrequency, RecurringLineProrata, RecurringLineTiming } from '../../../src/db/entities/recurring-invoice.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';

const D = (v: Decimal.Value) => new Decimal(v);

export async function setTenantSettings(ds: DataSource, tenantId: string, settings: unknown): Promise<void> {
  await ds.manager.update(Tenant, { id: tenantId }, { settingsJson: JSON.stringify(settings) });
}

export async function insertCustomer(scope: TenantScope, name: string, patch: Partial<Customer> = {}): Promise<Customer> {
  const now = new Date();
  const c = scope.repo(Customer).create({
    id: randomUUID(), name, topLevel: null, active: true, siteStreet: '1 Main St', siteStreet2: null, siteCity: 'Leeds',
    siteStateOrProvince: null, sitePostalCode: 'LS1 1AA', siteCountry: 'GB', source: 'manual',
    monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
    createdAt: now, updatedAt: now, ...patch,
  });
  return scope.repo(Customer).save(c);
}

export interface SubscriptionSpec {
  name?: string;
  customerId: string;
  billingTerm?: string;
  kind?: 'license' | 'usage_summary';
  price?: Decimal.Value | null;
  currency?: string;
  productId?: string | null;
  usageSummaryId?: string | null;
}

export async function insertSubscription(scope: TenantScope, spec: SubscriptionSpec): Promise<Subscription> {
  const now = new Date();
  const id = randomUUID();
  const s = scope.repo(Subscription).create({
    id, kind: spec.kind ?? 'license', pax8Id: id, pax8CompanyId: null, customerId: spec.customerId, pax8ProductId: null,
    productId: spec.productId ?? null, name: spec.name ?? 'Microsoft 365 Business Premium', vendorName: 'Microsoft',
    quantity: D(0), status: 'Active', active: true, activeOverride: null, billingTerm: spec.billingTerm ?? 'Monthly',
    commitmentTerm: null, commitmentEndDate: null, startDate: null, endDate: null,
    price: spec.price === null ? null : D(spec.price ?? '22.00'), cost: D('18.00'), currency: spec.currency ?? 'USD',
    usageSummaryId: spec.usageSummaryId ?? null, deletedInPax8: false, contentHash: 'x', pax8UpdatedAt: null,
    createdAt: now, updatedAt: now,
  });
  return scope.repo(Subscription).save(s);
}

/** One full-state change row, as the importer writes it. */
export interface ChangeSpec {
  date: string;
  quantity: Decimal.Value;
  status?: string;
  price?: Decimal.Value | null;
  /** The partner's Pax8 unit cost (default: none recorded). */
  cost?: Decimal.Value | null;
  /** When the change was recorded (default: noon of its date); a later observation of the same date wins. */
  observedAt?: Date;
}

export async function insertChanges(scope: TenantScope, subscriptionId: string, changes: ChangeSpec[]): Promise<void> {
  let i = 0;
  await scope.repo(SubscriptionChange).insert(changes.map((c) => {
    const status = c.status ?? 'Active';
    const at = c.observedAt ?? new Date(Date.parse(`${c.date}T12:00:00Z`) + i++);
    return {
      id: randomUUID(), subscriptionId, effectiveDate: c.date, observedAt: at, fields: 'quantity', quantity: D(c.quantity),
      status, active: status === 'Active', price: c.price === undefined || c.price === null ? null : D(c.price), cost: c.cost === undefined || c.cost === null ? null : D(c.cost),
      source: 'import', importRunId: null, initiatedBy: null, createdAt: at, updatedAt: at,
    };
  }));
}

export interface RecurringInvoiceSpec {
  customerId: string;
  name?: string;
  frequency?: RecurringFrequency;
  anchorDay?: number;
  startDate: string;
  currency?: string;
  taxRate?: Decimal.Value;
  createdAt?: Date;
}

export async function insertRecurringInvoice(scope: TenantScope, spec: RecurringInvoiceSpec): Promise<RecurringInvoice> {
  const now = spec.createdAt ?? new Date();
  const ri = scope.repo(RecurringInvoice).create({
    id: randomUUID(), customerId: spec.customerId, name: spec.name ?? 'Monthly licences', frequency: spec.frequency ?? 'monthly',
    anchorDay: spec.anchorDay ?? 1, anchorMonth: Number.parseInt(spec.startDate.slice(5, 7), 10), startDate: spec.startDate,
    currency: spec.currency ?? 'USD', taxRate: D(spec.taxRate ?? '0'), status: 'active', nextInvoiceDate: spec.startDate,
    createdAt: now, updatedAt: now,
  });
  return scope.repo(RecurringInvoice).save(ri);
}

export interface LineSpecRow {
  description: string;
  timing?: RecurringLineTiming;
  unitPrice?: Decimal.Value;
  followPrice?: boolean;
  /** Default own (with `cost`, default none). */
  costMode?: 'own' | 'follow';
  cost?: Decimal.Value;
  prorata?: RecurringLineProrata;
  reviewRequired?: boolean;
  usageSummaryId?: string | null;
  links?: Array<{ subscriptionId: string; free?: Decimal.Value; minimum?: Decimal.Value }>;
}

export async function insertLine(scope: TenantScope, ri: RecurringInvoice, position: number, spec: LineSpecRow): Promise<RecurringInvoiceLine> {
  const now = new Date();
  const line = scope.repo(RecurringInvoiceLine).create({
    id: randomUUID(), recurringInvoiceId: ri.id, position, description: spec.description, productId: null,
    timing: spec.timing ?? 'advance', priceMode: spec.followPrice ? 'follow' : 'own',
    unitPrice: spec.followPrice || spec.unitPrice === undefined ? null : D(spec.unitPrice),
    costMode: spec.costMode ?? 'own', cost: spec.cost === undefined ? null : D(spec.cost),
    prorata: spec.prorata ?? 'from_change_date', reviewRequired: spec.reviewRequired ?? false,
    usageSummaryId: spec.usageSummaryId ?? null, currentQuantity: D(0), quantityDate: null, createdAt: now, updatedAt: now,
  });
  await scope.repo(RecurringInvoiceLine).save(line);
  await scope.repo(RecurringInvoiceLink).insert((spec.links ?? []).map((l, k) => ({
    id: randomUUID(), recurringInvoiceId: ri.id, lineId: line.id, subscriptionId: l.subscriptionId, position: k,
    freeQuantity: D(l.free ?? 0), minimumQuantity: D(l.minimum ?? 0), createdAt: now, updatedAt: now,
  })));
  return line;
}

export async function insertUsageSummary(scope: TenantScope, customerId: string, months: Array<{ month: string; charges: string }>): Promise<UsageSummary> {
  const now = new Date();
  const id = randomUUID();
  const u = scope.repo(UsageSummary).create({
    id, pax8Id: id, pax8SubscriptionId: id, pax8CompanyId: null, pax8ProductId: null, resourceGroup: null, vendorName: 'Microsoft',
    customerId, mappedBy: 'company', currentCharges: D(0), partnerTotal: D(0), currency: 'USD', isTrial: false, linesMismatch: false,
    contentHash: 'x', createdAt: now, updatedAt: now,
  });
  await scope.repo(UsageSummary).save(u);
  await scope.repo(UsageMonthlyCharge).insert(months.map((m) => ({
    id: randomUUID(), usageSummaryId: id, month: m.month, charges: D(m.charges), partnerTotal: D(m.charges), createdAt: now, updatedAt: now,
  })));
  return u;
}

export function scopeOf(ds: DataSource, tenantId: string): TenantScope {
  return new TenantScope(ds.manager, tenantId);
}
