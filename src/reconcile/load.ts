import { Decimal } from 'decimal.js';
import {
  Customer, CustomerMapping, Invoice, Pax8Company, InvoiceLine, Pax8InvoiceItem, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink,
  Subscription, UsageMonthlyCharge, UsageSummary, type Tenant,
} from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { parsedOnce } from '../common/parsed-once.js';
import { tenantSettings } from '../tenants/service.js';
import type { RBilledLine, ReconcileInput, RLine, RPax8Item, RSubscription, RUsage } from './model.js';
import { plus, ZERO } from './steps/amounts.js';

/**
 * Reads everything one month's reconciliation needs in a fixed number of bulk queries per tenant
 * (no per-subscription queries), as raw rows: 100,000 subscriptions are read without entity hydration.
 */

type Raw = Record<string, unknown>;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(v: string): boolean {
  return MONTH.test(v);
}

export function monthRange(month: string): { from: string; to: string } {
  if (!isMonth(month)) throw new Error(`month must be YYYY-MM, got "${month}"`);
  return { from: `${month}-01`, to: `${month}-31` };
}

/**
 * Decimal columns arrive as text (MariaDB: "10.000000"), and a month repeats the same quantities, prices and zeros
 * hundreds of thousands of times: each text is parsed once (Decimals are immutable, so rows may share one).
 */
const decimalOf = parsedOnce((text: string) => new Decimal(text), 50_000);
function d(v: unknown): Decimal {
  return decimalOf(String(v ?? '0'));
}
function dn(v: unknown): Decimal | null {
  return v === null || v === undefined ? null : decimalOf(String(v));
}
function s(v: unknown): string {
  return String(v ?? '');
}
function sn(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function b(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}
function dateOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}

interface Provenance {
  subscriptions?: unknown;
  quantities?: { links?: { subscription?: unknown; billable?: unknown }[] }[];
  usage?: { usageSummary?: unknown };
}

/** The subscriptions, billable quantities and usage summary an issued line's provenance names. */
export function provenanceOf(json: string): Pick<RBilledLine, 'subscriptions' | 'linkBillable' | 'usageSummaryId'> {
  let p: Provenance;
  try {
    p = JSON.parse(json) as Provenance;
  } catch {
    return { subscriptions: [], linkBillable: null, usageSummaryId: null };
  }
  const subscriptions = Array.isArray(p.subscriptions) ? p.subscriptions.map(String) : [];
  const links = p.quantities?.[0]?.links;
  let linkBillable: Map<string, Decimal> | null = null;
  if (Array.isArray(links) && links.length > 0) {
    linkBillable = new Map();
    for (const l of links) if (l.subscription !== undefined && l.billable !== undefined) {
      const id = String(l.subscription);
      const text = String(l.billable);
      const sum = linkBillable.get(id) ?? ZERO;
      // Each text is parsed once (decimalOf) when it has at most 20 characters, so at most the 20 digits decimal.js's
      // sum keeps (it would not round it); a longer one is summed as text, rounded, as before.
      linkBillable.set(id, text.length <= 20 ? plus(sum, decimalOf(text)) : sum.plus(text));
    }
  }
  const usageSummaryId = p.usage?.usageSummary !== undefined ? String(p.usage.usageSummary) : null;
  return { subscriptions, linkBillable, usageSummaryId };
}

export async function loadReconcileInput(scope: TenantScope, tenant: Tenant, month: string): Promise<ReconcileInput> {
  const { from, to } = monthRange(month);
  const settings = tenantSettings(tenant);

  const [companies, customers, mappings, subRows, usageRows, monthRows, lineRows, linkRows, billedRows, itemRows] = await Promise.all([
    scope.repo(Pax8Company).query('pc').select('pc.pax8Id', 'pax8Id').getRawMany<Raw>(),
    scope.repo(Customer).query('c').select('c.id', 'id').addSelect('c.name', 'name').getRawMany<Raw>(),
    scope.repo(CustomerMapping).query('m').select('m.pax8CompanyId', 'pax8CompanyId').addSelect('m.customerId', 'customerId').getRawMany<Raw>(),
    scope.repo(Subscription).query('s')
      .select('s.id', 'id').addSelect('s.kind', 'kind').addSelect('s.pax8Id', 'pax8Id').addSelect('s.pax8CompanyId', 'pax8CompanyId')
      .addSelect('s.customerId', 'customerId').addSelect('s.name', 'name').addSelect('s.quantity', 'quantity').addSelect('s.status', 'status')
      .addSelect('s.active', 'active').addSelect('s.price', 'price').addSelect('s.cost', 'cost').addSelect('s.currency', 'currency')
      .addSelect('s.billingTerm', 'billingTerm').addSelect('s.startDate', 'startDate').addSelect('s.endDate', 'endDate')
      .addSelect('s.deletedInPax8', 'deletedInPax8').addSelect('s.usageSummaryId', 'usageSummaryId')
      .getRawMany<Raw>(),
    scope.repo(UsageSummary).query('u')
      .select('u.id', 'id').addSelect('u.pax8Id', 'pax8Id').addSelect('u.pax8SubscriptionId', 'pax8SubscriptionId')
      .addSelect('u.pax8CompanyId', 'pax8CompanyId').addSelect('u.customerId', 'customerId').addSelect('u.resourceGroup', 'resourceGroup')
      .addSelect('u.vendorName', 'vendorName').addSelect('u.currency', 'currency').addSelect('u.createdAt', 'createdAt')
      .getRawMany<Raw>(),
    scope.repo(UsageMonthlyCharge).query('mc').andWhere('mc.month = :month', { month })
      .select('mc.usageSummaryId', 'usageSummaryId').addSelect('mc.charges', 'charges').addSelect('mc.partnerTotal', 'partnerTotal')
      .getRawMany<Raw>(),
    scope.repo(RecurringInvoiceLine).query('l')
      .innerJoin(RecurringInvoice, 'ri', 'ri.id = l.recurringInvoiceId AND ri.tenantId = l.tenantId')
      .andWhere('ri.status <> :ended', { ended: 'ended' })
      .select('l.id', 'id').addSelect('l.recurringInvoiceId', 'recurringInvoiceId').addSelect('ri.customerId', 'customerId')
      .addSelect('l.description', 'description').addSelect('l.timing', 'timing').addSelect('l.usageSummaryId', 'usageSummaryId')
      .getRawMany<Raw>(),
    scope.repo(RecurringInvoiceLink).query('k')
      .select('k.lineId', 'lineId').addSelect('k.subscriptionId', 'subscriptionId').addSelect('k.freeQuantity', 'freeQuantity')
      .addSelect('k.minimumQuantity', 'minimumQuantity').addSelect('k.position', 'position')
      .getRawMany<Raw>(),
    scope.repo(InvoiceLine).query('il')
      .innerJoin(Invoice, 'i', 'i.id = il.invoiceId AND i.tenantId = il.tenantId')
      .andWhere('i.status = :issued', { issued: 'issued' })
      .andWhere('il.fromDate >= :from AND il.fromDate <= :to', { from, to })
      .select('il.id', 'id').addSelect('il.invoiceId', 'invoiceId').addSelect('i.number', 'invoiceNumber').addSelect('i.customerId', 'customerId')
      .addSelect('i.currency', 'currency').addSelect('il.recurringInvoiceLineId', 'recurringInvoiceLineId').addSelect('il.kind', 'kind')
      .addSelect('il.description', 'description').addSelect('il.fromDate', 'fromDate').addSelect('il.toDate', 'toDate')
      .addSelect('il.quantity', 'quantity').addSelect('il.unitPrice', 'unitPrice').addSelect('il.amount', 'amount')
      .addSelect('il.provenanceJson', 'provenanceJson')
      .getRawMany<Raw>(),
    scope.repo(Pax8InvoiceItem).query('x').andWhere('x.month = :month', { month })
      .select('x.id', 'id').addSelect('x.draft', 'draft').addSelect('x.type', 'type').addSelect('x.pax8CompanyId', 'pax8CompanyId')
      .addSelect('x.companyName', 'companyName').addSelect('x.pax8SubscriptionId', 'pax8SubscriptionId').addSelect('x.description', 'description')
      .addSelect('x.term', 'term').addSelect('x.quantity', 'quantity').addSelect('x.unitCost', 'unitCost').addSelect('x.amountDue', 'amountDue')
      .addSelect('x.currency', 'currency')
      .getRawMany<Raw>(),
  ]);

  const subscriptions: RSubscription[] = subRows.map((r) => ({
    id: s(r.id), kind: s(r.kind), pax8Id: s(r.pax8Id), pax8CompanyId: sn(r.pax8CompanyId), customerId: sn(r.customerId), name: s(r.name),
    quantity: d(r.quantity), status: s(r.status), active: b(r.active), price: dn(r.price), cost: dn(r.cost), currency: sn(r.currency),
    billingTerm: sn(r.billingTerm), startDate: sn(r.startDate), endDate: sn(r.endDate), deletedInPax8: b(r.deletedInPax8), usageSummaryId: sn(r.usageSummaryId),
  }));
  const subOfSummary = new Map<string, string>();
  for (const x of subscriptions) if (x.kind === 'usage_summary' && x.usageSummaryId) subOfSummary.set(x.usageSummaryId, x.id);
  const monthOf = new Map(monthRows.map((r) => [s(r.usageSummaryId), r]));
  const usage: RUsage[] = usageRows.map((r) => {
    const m = monthOf.get(s(r.id));
    const id = s(r.id);
    return {
      id, pax8Id: s(r.pax8Id), pax8SubscriptionId: s(r.pax8SubscriptionId), pax8CompanyId: sn(r.pax8CompanyId), customerId: sn(r.customerId),
      resourceGroup: sn(r.resourceGroup), currency: s(r.currency), monthCharges: m ? d(m.charges) : null, monthPartnerTotal: m ? d(m.partnerTotal) : null,
      subscriptionId: subOfSummary.get(id) ?? null,
      name: `${sn(r.vendorName) ?? 'Usage'} usage${r.resourceGroup ? ` (${s(r.resourceGroup)})` : ''}`, createdDate: dateOf(r.createdAt),
    };
  });
  const linksByLine = new Map<string, Raw[]>();
  for (const k of linkRows) {
    const id = s(k.lineId);
    const list = linksByLine.get(id);
    if (list) list.push(k);
    else linksByLine.set(id, [k]);
  }
  const lines: RLine[] = lineRows.map((r) => ({
    id: s(r.id), recurringInvoiceId: s(r.recurringInvoiceId), customerId: s(r.customerId), description: s(r.description), timing: s(r.timing),
    usageSummaryId: sn(r.usageSummaryId),
    links: (linksByLine.get(s(r.id)) ?? []).sort((x, y) => Number(x.position) - Number(y.position))
      .map((k) => ({ subscriptionId: s(k.subscriptionId), free: d(k.freeQuantity), minimum: d(k.minimumQuantity) })),
  }));
  const billed: RBilledLine[] = billedRows.map((r) => ({
    id: s(r.id), invoiceId: s(r.invoiceId), invoiceNumber: r.invoiceNumber === null || r.invoiceNumber === undefined ? null : Number(r.invoiceNumber),
    customerId: s(r.customerId), recurringInvoiceLineId: sn(r.recurringInvoiceLineId), kind: s(r.kind), description: s(r.description),
    fromDate: s(r.fromDate), toDate: s(r.toDate), quantity: d(r.quantity), unitPrice: d(r.unitPrice), amount: d(r.amount), currency: s(r.currency),
    ...provenanceOf(s(r.provenanceJson)),
  })).sort((x, y) => (x.id < y.id ? -1 : 1));
  const finals = itemRows.filter((r) => !b(r.draft));
  const chosen = finals.length > 0 ? finals : itemRows;
  const pax8Items: RPax8Item[] = chosen.map((r) => ({
    id: s(r.id), type: sn(r.type), pax8CompanyId: sn(r.pax8CompanyId), companyName: sn(r.companyName), pax8SubscriptionId: sn(r.pax8SubscriptionId),
    description: sn(r.description), term: sn(r.term), quantity: d(r.quantity), unitCost: dn(r.unitCost), amountDue: d(r.amountDue), currency: s(r.currency),
  })).sort((x, y) => (x.id < y.id ? -1 : 1));
  const imports = settings.imports;
  return {
    month,
    customers: customers.map((c) => ({ id: s(c.id), name: s(c.name) })),
    mappings: mappings.map((m) => ({ pax8CompanyId: s(m.pax8CompanyId), customerId: s(m.customerId) })),
    subscriptions, usage, lines, billed, pax8Items,
    pax8Source: finals.length > 0 ? 'invoice' : itemRows.length > 0 ? 'draft' : 'none',
    ignoredCompanyIds: !imports.includeOwnCompany && imports.ownCompanyPax8Id ? [imports.ownCompanyPax8Id] : [],
    canAddLines: imports.productImportMode === 'products_and_lines',
    knownCompanyIds: companies.map((c) => s(c.pax8Id)),
  };
}
