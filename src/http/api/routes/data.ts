import { z } from 'zod';
import type { ImportRun, Customer, Product, Subscription, UsageSummary } from '../../../db/entities/index.js';
import { customerPage } from '../../../customers/queries.js';
import { mappingPage, pax8CompanyPage, type CompanyWithMapping } from '../../../mapping/queries.js';
import { loadProduct, productPage } from '../../../imports/catalog-queries.js';
import { importRunPage, importRunWithErrors } from '../../../imports/run-queries.js';
import { loadUsageSummary, usageLinePage, usageSummaryMonths, usageSummaryPage } from '../../../imports/usage-queries.js';
import { loadSubscription, subscriptionPage } from '../../../subscriptions/queries.js';
import { listQuery, mapPage, pageSchema, queryBool } from '../paging.js';
import { defineRoute, tenantParams, uuid } from '../route.js';
import { ALL_ROLES, STAFF } from './auth.js';

/** The page fields of a list query; the rest are its filters. */
function split<Q extends { page: number; size: number; sort: string }>(q: Q) {
  const { page, size, sort, ...filter } = q;
  return { page: { page, size, sort }, filter };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const dec = (d: { toString(): string } | null | undefined) => (d === null || d === undefined ? null : d.toString());

// --- customers ---------------------------------------------------------------------------------

export const customerSchema = z.object({
  id: z.string(), name: z.string(), topLevel: z.string().nullable(), active: z.boolean(), source: z.string(),
  siteStreet: z.string().nullable(), siteCity: z.string().nullable(), sitePostalCode: z.string().nullable(), siteCountry: z.string().nullable(),
  monthlyRecurringInvoiceId: z.string().nullable(), annualRecurringInvoiceId: z.string().nullable(), noAutomaticInvoiceLines: z.boolean(),
  paymentTermsDays: z.number().int().nullable().describe('null: the tenant\'s default payment terms'),
  createdAt: z.string(), updatedAt: z.string(),
});
export function viewCustomer(c: Customer): z.input<typeof customerSchema> {
  return {
    id: c.id, name: c.name, topLevel: c.topLevel, active: c.active, source: c.source, siteStreet: c.siteStreet, siteCity: c.siteCity,
    sitePostalCode: c.sitePostalCode, siteCountry: c.siteCountry, monthlyRecurringInvoiceId: c.monthlyRecurringInvoiceId,
    annualRecurringInvoiceId: c.annualRecurringInvoiceId, noAutomaticInvoiceLines: c.noAutomaticInvoiceLines, paymentTermsDays: c.paymentTermsDays ?? null,
    createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
  };
}

export const listCustomersRoute = defineRoute({
  id: 'listCustomers', method: 'get', path: '/tenants/:tenantId/customers', tag: 'Customers', roles: ALL_ROLES, customerScoped: true,
  summary: 'List customers',
  params: tenantParams,
  query: listQuery(['name', 'createdAt', 'updatedAt'], {
    q: z.string().max(100).optional().describe('name contains'), active: queryBool.optional(),
    ids: z.string().max(200 * 37).regex(/^[0-9a-f-]+(,[0-9a-f-]+)*$/i, 'comma-separated customer ids').optional().describe('only these customers (comma-separated ids, at most 200)'),
  }, 'name,asc'),
  response: pageSchema(customerSchema),
  async handler(ctx) {
    const { page, filter: { ids, ...filter } } = split(ctx.query);
    const only = ids === undefined ? {} : { ids: [...new Set(ids.split(','))].slice(0, 200) };
    return mapPage(await customerPage(ctx.scope, { ...filter, ...only, onlyCustomerId: ctx.onlyCustomerId }, page), viewCustomer);
  },
});

// One customer (GET and PATCH): routes/customers.ts.

// --- Pax8 companies and mappings ---------------------------------------------------------------

const companySchema = z.object({
  id: z.string(), pax8Id: z.string(), name: z.string(), status: z.string(), city: z.string().nullable(), country: z.string().nullable(),
  isPartnerOwn: z.boolean(), customerId: z.string().nullable(), resourceGroup: z.string().nullable(), mappingSource: z.string().nullable(),
});

export const listPax8CompaniesRoute = defineRoute({
  id: 'listPax8Companies', method: 'get', path: '/tenants/:tenantId/pax8-companies', tag: 'Mappings', roles: STAFF,
  summary: 'List imported Pax8 companies with their mapping',
  params: tenantParams,
  query: listQuery(['name', 'status', 'createdAt'], {
    q: z.string().max(100).optional().describe('name contains'),
    mapped: queryBool.optional().describe('only mapped (true) or unmapped (false) companies'),
  }, 'name,asc'),
  response: pageSchema(companySchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await pax8CompanyPage(ctx.scope, filter, page), (p: CompanyWithMapping) => ({
      id: p.id, pax8Id: p.pax8Id, name: p.name, status: p.status, city: p.city, country: p.country, isPartnerOwn: p.isPartnerOwn,
      customerId: p.mapping?.customerId ?? null, resourceGroup: p.mapping?.resourceGroup ?? null, mappingSource: p.mapping?.source ?? null,
    }));
  },
});

const mappingSchema = z.object({
  id: z.string(), pax8CompanyId: z.string(), customerId: z.string(), resourceGroup: z.string().nullable(), source: z.string(),
  createdAt: z.string(), updatedAt: z.string(),
});

export const listMappingsRoute = defineRoute({
  id: 'listMappings', method: 'get', path: '/tenants/:tenantId/mappings', tag: 'Mappings', roles: STAFF,
  summary: 'List company-to-customer mappings',
  params: tenantParams,
  query: listQuery(['createdAt', 'pax8CompanyId', 'source'], { customerId: uuid.optional(), source: z.string().max(20).optional() }, 'createdAt,asc'),
  response: pageSchema(mappingSchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await mappingPage(ctx.scope, filter, page), (m) => ({
      id: m.id, pax8CompanyId: m.pax8CompanyId, customerId: m.customerId, resourceGroup: m.resourceGroup, source: m.source,
      createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString(),
    }));
  },
});

// --- products ----------------------------------------------------------------------------------

export const productSchema = z.object({
  id: z.string(), sku: z.string(), name: z.string(), vendorName: z.string().nullable(), category: z.string().nullable(),
  pax8ProductId: z.string().nullable(), productGroup: z.string().nullable(), retailPrice: z.string().nullable(), visible: z.boolean(),
});
function viewProduct(p: Product): z.input<typeof productSchema> {
  return {
    id: p.id, sku: p.sku, name: p.name, vendorName: p.vendorName, category: p.category, pax8ProductId: p.pax8ProductId,
    productGroup: p.productGroup, retailPrice: dec(p.retailPrice), visible: p.visible,
  };
}

export const listProductsRoute = defineRoute({
  id: 'listProducts', method: 'get', path: '/tenants/:tenantId/products', tag: 'Products', roles: STAFF,
  summary: 'List products',
  params: tenantParams,
  query: listQuery(['name', 'sku', 'vendorName', 'createdAt'], {
    q: z.string().max(100).optional().describe('name or SKU contains'),
    vendorName: z.string().max(120).optional(),
  }, 'name,asc'),
  response: pageSchema(productSchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await productPage(ctx.scope, filter, page), viewProduct);
  },
});

export const getProductRoute = defineRoute({
  id: 'getProduct', method: 'get', path: '/tenants/:tenantId/products/:productId', tag: 'Products', roles: STAFF,
  summary: 'One product',
  params: tenantParams.extend({ productId: uuid }),
  response: productSchema,
  async handler({ scope, params }) {
    return viewProduct(await loadProduct(scope, params.productId));
  },
});

// --- subscriptions -----------------------------------------------------------------------------

export const subscriptionSchema = z.object({
  id: z.string(), kind: z.string(), pax8Id: z.string(), name: z.string(), vendorName: z.string().nullable(), customerId: z.string().nullable(),
  productId: z.string().nullable(), quantity: z.string(), status: z.string(), active: z.boolean(), billingTerm: z.string().nullable(),
  commitmentTerm: z.string().nullable(), startDate: z.string().nullable(), endDate: z.string().nullable(), price: z.string().nullable(),
  cost: z.string().nullable(), currency: z.string().nullable(), deletedInPax8: z.boolean(), updatedAt: z.string(),
  pendingQuantity: z.string().nullable().describe('a change Pax8 accepted but has not provisioned yet: the requested quantity (quantity stays the billed one)'),
  pendingStatus: z.string().nullable().describe("Pax8's status while it provisions the change (PendingAutomated, PendingManual)"),
  pendingSince: z.string().nullable(),
});
export function viewSubscription(s: Subscription): z.input<typeof subscriptionSchema> {
  return {
    id: s.id, kind: s.kind, pax8Id: s.pax8Id, name: s.name, vendorName: s.vendorName, customerId: s.customerId, productId: s.productId,
    quantity: s.quantity.toString(), status: s.status, active: s.active, billingTerm: s.billingTerm, commitmentTerm: s.commitmentTerm,
    startDate: s.startDate, endDate: s.endDate, price: dec(s.price), cost: dec(s.cost), currency: s.currency, deletedInPax8: s.deletedInPax8,
    updatedAt: s.updatedAt.toISOString(),
    pendingQuantity: dec(s.pendingQuantity ?? null), pendingStatus: s.pendingStatus ?? null, pendingSince: s.pendingSince?.toISOString() ?? null,
  };
}

export const listSubscriptionsRoute = defineRoute({
  id: 'listSubscriptions', method: 'get', path: '/tenants/:tenantId/subscriptions', tag: 'Subscriptions', roles: ALL_ROLES, customerScoped: true,
  summary: 'List subscriptions',
  params: tenantParams,
  query: listQuery(['name', 'status', 'startDate', 'updatedAt'], {
    q: z.string().max(100).optional().describe('name contains'),
    customerId: uuid.optional(),
    status: z.string().max(40).optional(),
    active: queryBool.optional(),
    kind: z.enum(['license', 'usage_summary']).optional(),
    billingTerm: z.string().max(40).optional(),
  }, 'name,asc'),
  response: pageSchema(subscriptionSchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await subscriptionPage(ctx.scope, { ...filter, onlyCustomerId: ctx.onlyCustomerId }, page), viewSubscription);
  },
});

export const getSubscriptionRoute = defineRoute({
  id: 'getSubscription', method: 'get', path: '/tenants/:tenantId/subscriptions/:subscriptionId', tag: 'Subscriptions', roles: ALL_ROLES,
  customerScoped: true,
  summary: 'One subscription',
  params: tenantParams.extend({ subscriptionId: uuid }),
  response: subscriptionSchema,
  async handler({ scope, params, onlyCustomerId }) {
    return viewSubscription(await loadSubscription(scope, params.subscriptionId, onlyCustomerId));
  },
});

// --- usage -------------------------------------------------------------------------------------

const usageSummarySchema = z.object({
  id: z.string(), pax8Id: z.string(), pax8SubscriptionId: z.string(), pax8CompanyId: z.string().nullable(), resourceGroup: z.string().nullable(),
  vendorName: z.string().nullable(), customerId: z.string().nullable(), mappedBy: z.string().nullable(), currentCharges: z.string(),
  partnerTotal: z.string(), currency: z.string(), isTrial: z.boolean(), linesMismatch: z.boolean(), updatedAt: z.string(),
});
function viewSummary(u: UsageSummary): z.input<typeof usageSummarySchema> {
  return {
    id: u.id, pax8Id: u.pax8Id, pax8SubscriptionId: u.pax8SubscriptionId, pax8CompanyId: u.pax8CompanyId, resourceGroup: u.resourceGroup,
    vendorName: u.vendorName, customerId: u.customerId, mappedBy: u.mappedBy, currentCharges: u.currentCharges.toString(),
    partnerTotal: u.partnerTotal.toString(), currency: u.currency, isTrial: u.isTrial, linesMismatch: u.linesMismatch, updatedAt: u.updatedAt.toISOString(),
  };
}

export const listUsageSummariesRoute = defineRoute({
  id: 'listUsageSummaries', method: 'get', path: '/tenants/:tenantId/usage-summaries', tag: 'Usage', roles: ['admin', 'reviewer', 'finance', 'client'],
  customerScoped: true,
  summary: 'List usage summaries',
  params: tenantParams,
  query: listQuery(['updatedAt', 'currentCharges', 'resourceGroup'], {
    customerId: uuid.optional(),
    unmapped: queryBool.optional().describe('only summaries without a customer'),
    mismatch: queryBool.optional().describe('only summaries whose lines do not add up'),
    q: z.string().max(100).optional().describe('resource group, vendor or customer name contains'),
  }, 'updatedAt,desc'),
  response: pageSchema(usageSummarySchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await usageSummaryPage(ctx.scope, { ...filter, onlyCustomerId: ctx.onlyCustomerId }, page), viewSummary);
  },
});

const usageLineSchema = z.object({
  id: z.string(), usageDate: z.string(), productName: z.string().nullable(), pax8ProductId: z.string().nullable(),
  unitOfMeasure: z.string().nullable(), quantity: z.string(), unitPrice: z.string(), charges: z.string(), partnerTotal: z.string(), currency: z.string(),
});

export const getUsageSummaryRoute = defineRoute({
  id: 'getUsageSummary', method: 'get', path: '/tenants/:tenantId/usage-summaries/:summaryId', tag: 'Usage',
  roles: ['admin', 'reviewer', 'finance', 'client'], customerScoped: true,
  summary: 'One usage summary with its monthly charges',
  params: tenantParams.extend({ summaryId: uuid }),
  response: usageSummarySchema.extend({ months: z.array(z.object({ month: z.string(), charges: z.string(), partnerTotal: z.string() })) }),
  async handler({ scope, params, onlyCustomerId }) {
    const u = await loadUsageSummary(scope, params.summaryId, onlyCustomerId);
    const months = await usageSummaryMonths(scope, u);
    return { ...viewSummary(u), months: months.map((m) => ({ month: m.month, charges: m.charges.toString(), partnerTotal: m.partnerTotal.toString() })) };
  },
});

export const listUsageLinesRoute = defineRoute({
  id: 'listUsageLines', method: 'get', path: '/tenants/:tenantId/usage-summaries/:summaryId/lines', tag: 'Usage',
  roles: ['admin', 'reviewer', 'finance', 'client'], customerScoped: true,
  summary: 'Lines of a usage summary by day and product',
  params: tenantParams.extend({ summaryId: uuid }),
  query: listQuery(['usageDate', 'productName', 'charges'], {
    month: z.string().regex(/^\d{4}-\d{2}$/, 'YYYY-MM').optional(),
    productId: z.string().max(64).optional().describe('Pax8 product id'),
  }, 'usageDate,asc'),
  response: pageSchema(usageLineSchema),
  async handler(ctx) {
    const u = await loadUsageSummary(ctx.scope, ctx.params.summaryId, ctx.onlyCustomerId);
    const { page, filter } = split(ctx.query);
    return mapPage(await usageLinePage(ctx.scope, u, filter, page), (l) => ({
      id: l.id, usageDate: l.usageDate, productName: l.productName, pax8ProductId: l.pax8ProductId, unitOfMeasure: l.unitOfMeasure,
      quantity: l.quantity.toString(), unitPrice: l.unitPrice.toString(), charges: l.charges.toString(), partnerTotal: l.partnerTotal.toString(),
      currency: l.currency,
    }));
  },
});

// --- import runs -------------------------------------------------------------------------------

const importRunSchema = z.object({
  id: z.string(), entities: z.array(z.string()), trigger: z.string(), startedBy: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(),
  status: z.string(), dryRun: z.boolean(), counts: z.record(z.string(), z.unknown()), message: z.string().nullable(),
});
function viewRun(r: ImportRun): z.input<typeof importRunSchema> {
  let counts: Record<string, unknown> = {};
  try { counts = JSON.parse(r.countsJson || '{}') as Record<string, unknown>; } catch { /* keep empty */ }
  return {
    id: r.id, entities: r.entities.split(',').filter(Boolean), trigger: r.trigger, startedBy: r.startedBy, startedAt: r.startedAt.toISOString(),
    finishedAt: iso(r.finishedAt), status: r.status, dryRun: r.dryRun, counts, message: r.message,
  };
}

export const listImportRunsRoute = defineRoute({
  id: 'listImportRuns', method: 'get', path: '/tenants/:tenantId/import-runs', tag: 'Imports', roles: ['admin', 'reviewer'],
  summary: 'Import history',
  params: tenantParams,
  query: listQuery(['startedAt', 'status'], { status: z.enum(['running', 'succeeded', 'failed', 'partial']).optional() }, 'startedAt,desc'),
  response: pageSchema(importRunSchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await importRunPage(ctx.scope, filter, page), viewRun);
  },
});

export const getImportRunRoute = defineRoute({
  id: 'getImportRun', method: 'get', path: '/tenants/:tenantId/import-runs/:runId', tag: 'Imports', roles: ['admin', 'reviewer'],
  summary: 'One import run with its per-record errors',
  params: tenantParams.extend({ runId: uuid }),
  response: importRunSchema.extend({
    errors: z.array(z.object({ id: z.string(), entity: z.string(), pax8Id: z.string().nullable(), message: z.string() })),
  }),
  async handler({ scope, params }) {
    const { run, errors } = await importRunWithErrors(scope, params.runId);
    return { ...viewRun(run), errors: errors.map((e) => ({ id: e.id, entity: e.entity, pax8Id: e.pax8Id, message: e.message })) };
  },
});
