import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import {
  Customer, CustomerMapping, ImportError, ImportRun, Pax8Company, Product, Subscription, UsageLine, UsageMonthlyCharge, UsageSummary,
} from '../../../db/entities/index.js';
import { whereContains } from '../../../common/like.js';
import { notFound } from '../errors.js';
import { listQuery, paged, pageSchema, parseSort, queryBool } from '../paging.js';
import { defineRoute, tenantParams, uuid, type RouteContext } from '../route.js';
import { ALL_ROLES, STAFF } from './auth.js';

/** Runs a tenant-scoped query builder as one page. */
export async function pageOf<T extends ObjectLiteral, V>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  q: { page: number; size: number; sort: string },
  view: (row: T) => V,
) {
  const { field, dir } = parseSort(q.sort);
  const [rows, total] = await qb
    .orderBy(`${alias}.${field}`, dir)
    .addOrderBy(`${alias}.id`, 'ASC')
    .skip(q.page * q.size)
    .take(q.size)
    .getManyAndCount();
  return paged(rows.map(view), q.page, q.size, total);
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const dec = (d: { toString(): string } | null | undefined) => (d === null || d === undefined ? null : d.toString());
function onlyOwn<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, column: string, ctx: Pick<RouteContext<unknown, unknown, unknown>, 'onlyCustomerId'>) {
  if (ctx.onlyCustomerId) qb.andWhere(`${column} = :__own`, { __own: ctx.onlyCustomerId });
}

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
    const qb = ctx.scope.repo(Customer).query('c');
    whereContains(qb, 'c.name', ctx.query.q);
    if (ctx.query.ids !== undefined) qb.andWhere('c.id IN (:...ids)', { ids: [...new Set(ctx.query.ids.split(','))].slice(0, 200) });
    if (ctx.query.active !== undefined) qb.andWhere('c.active = :active', { active: ctx.query.active });
    onlyOwn(qb, 'c.id', ctx);
    return pageOf(qb, 'c', ctx.query, viewCustomer);
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
    const qb = ctx.scope.repo(Pax8Company).query('p')
      .leftJoinAndMapOne('p.mapping', CustomerMapping, 'm', 'm.tenantId = p.tenantId AND m.pax8CompanyId = p.pax8Id');
    whereContains(qb, 'p.name', ctx.query.q);
    if (ctx.query.mapped === true) qb.andWhere('m.id IS NOT NULL');
    if (ctx.query.mapped === false) qb.andWhere('m.id IS NULL');
    return pageOf(qb, 'p', ctx.query, (p: Pax8Company & { mapping?: CustomerMapping }) => ({
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
    const qb = ctx.scope.repo(CustomerMapping).query('m');
    if (ctx.query.customerId) qb.andWhere('m.customerId = :cid', { cid: ctx.query.customerId });
    if (ctx.query.source) qb.andWhere('m.source = :src', { src: ctx.query.source });
    return pageOf(qb, 'm', ctx.query, (m) => ({
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
    const qb = ctx.scope.repo(Product).query('p');
    whereContains(qb, ['p.name', 'p.sku'], ctx.query.q);
    if (ctx.query.vendorName) qb.andWhere('p.vendorName = :v', { v: ctx.query.vendorName });
    return pageOf(qb, 'p', ctx.query, viewProduct);
  },
});

export const getProductRoute = defineRoute({
  id: 'getProduct', method: 'get', path: '/tenants/:tenantId/products/:productId', tag: 'Products', roles: STAFF,
  summary: 'One product',
  params: tenantParams.extend({ productId: uuid }),
  response: productSchema,
  async handler({ scope, params }) {
    const p = await scope.repo(Product).findOneBy({ id: params.productId });
    if (!p) throw notFound('product not found');
    return viewProduct(p);
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
    const qb = ctx.scope.repo(Subscription).query('s');
    whereContains(qb, 's.name', ctx.query.q);
    if (ctx.query.customerId) qb.andWhere('s.customerId = :cid', { cid: ctx.query.customerId });
    if (ctx.query.status) qb.andWhere('s.status = :st', { st: ctx.query.status });
    if (ctx.query.active !== undefined) qb.andWhere('s.active = :ac', { ac: ctx.query.active });
    if (ctx.query.kind) qb.andWhere('s.kind = :k', { k: ctx.query.kind });
    if (ctx.query.billingTerm) qb.andWhere('s.billingTerm = :bt', { bt: ctx.query.billingTerm });
    onlyOwn(qb, 's.customerId', ctx);
    return pageOf(qb, 's', ctx.query, viewSubscription);
  },
});

export const getSubscriptionRoute = defineRoute({
  id: 'getSubscription', method: 'get', path: '/tenants/:tenantId/subscriptions/:subscriptionId', tag: 'Subscriptions', roles: ALL_ROLES,
  customerScoped: true,
  summary: 'One subscription',
  params: tenantParams.extend({ subscriptionId: uuid }),
  response: subscriptionSchema,
  async handler({ scope, params, onlyCustomerId }) {
    const s = await scope.repo(Subscription).findOneBy({ id: params.subscriptionId });
    if (!s || (onlyCustomerId && s.customerId !== onlyCustomerId)) throw notFound('subscription not found');
    return viewSubscription(s);
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
    const qb = ctx.scope.repo(UsageSummary).query('u');
    if (ctx.query.q) qb.leftJoin(Customer, 'c', 'c.tenantId = u.tenantId AND c.id = u.customerId');
    whereContains(qb, ['u.resourceGroup', 'u.vendorName', 'c.name'], ctx.query.q);
    if (ctx.query.customerId) qb.andWhere('u.customerId = :cid', { cid: ctx.query.customerId });
    if (ctx.query.unmapped === true) qb.andWhere('u.customerId IS NULL');
    if (ctx.query.unmapped === false) qb.andWhere('u.customerId IS NOT NULL');
    if (ctx.query.mismatch !== undefined) qb.andWhere('u.linesMismatch = :mm', { mm: ctx.query.mismatch });
    onlyOwn(qb, 'u.customerId', ctx);
    return pageOf(qb, 'u', ctx.query, viewSummary);
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
    const u = await scope.repo(UsageSummary).findOneBy({ id: params.summaryId });
    if (!u || (onlyCustomerId && u.customerId !== onlyCustomerId)) throw notFound('usage summary not found');
    const months = await scope.repo(UsageMonthlyCharge).find({ where: { usageSummaryId: u.id }, order: { month: 'ASC' } });
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
    const u = await ctx.scope.repo(UsageSummary).findOneBy({ id: ctx.params.summaryId });
    if (!u || (ctx.onlyCustomerId && u.customerId !== ctx.onlyCustomerId)) throw notFound('usage summary not found');
    const qb = ctx.scope.repo(UsageLine).query('l').andWhere('l.usageSummaryId = :sid', { sid: u.id });
    if (ctx.query.month) qb.andWhere('l.usageDate LIKE :m', { m: `${ctx.query.month}-%` });
    if (ctx.query.productId) qb.andWhere('l.pax8ProductId = :p', { p: ctx.query.productId });
    return pageOf(qb, 'l', ctx.query, (l) => ({
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
    const qb = ctx.scope.repo(ImportRun).query('r');
    if (ctx.query.status) qb.andWhere('r.status = :st', { st: ctx.query.status });
    return pageOf(qb, 'r', ctx.query, viewRun);
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
    const r = await scope.repo(ImportRun).findOneBy({ id: params.runId });
    if (!r) throw notFound('import run not found');
    const errors = await scope.repo(ImportError).find({ where: { importRunId: r.id }, order: { createdAt: 'ASC' }, take: 1000 });
    return { ...viewRun(r), errors: errors.map((e) => ({ id: e.id, entity: e.entity, pax8Id: e.pax8Id, message: e.message })) };
  },
});
