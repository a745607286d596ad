import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { Runtime } from '../../../app/runtime.js';
import {
  CHANGE_REQUEST_STATUSES, type LicensingSubscriptionRule, type Product, type Tenant,
} from '../../../db/entities/index.js';
import { jobQueue } from '../../../app/scheduler.js';
import { SYNC_ENTITIES } from '../../../tenants/settings.js';
import { systemClock } from '../../../common/clock.js';
import {
  catalogFacets, catalogPage, clientCatalogPage, clientNoticePage, clientSubscriptionPage, licensableSubscriptionPage, loadLicensableSubscription,
  loadRequest, requestPage, type LicensableSubscription, type RequestWithCustomer,
} from '../../../licensing/queries.js';
import { queueLicensingSync } from '../../../licensing/sync.js';
import { LICENSING_PERMISSIONS } from '../../../licensing/permissions.js';
import { effectiveRule, type EffectiveRule } from '../../../licensing/policy.js';
import {
  CATALOG_ACTIONS, LicensingService, overrideOf, reasonTexts, type LicensingConfig,
} from '../../../licensing/service.js';
import { TenantService } from '../../../tenants/service.js';
import { pax8ClientFor } from '../../../tenants/pax8-client.js';
import { notFound } from '../errors.js';
import { listQuery, mapPage, pageSchema, queryBool } from '../paging.js';
import { defineRoute, tenantParams, uuid, type RouteContext } from '../route.js';

/**
 * Licensing self-service (issue 8): approval settings, catalog, self-service rules, client change
 * requests and the approvals queue. manage_licensing routes are for admins; write_licensing routes
 * for client users, always limited to their own customer (another company's rows answer 404).
 */
const MANAGE = LICENSING_PERMISSIONS.manage_licensing;
const WRITE = LICENSING_PERMISSIONS.write_licensing;
const TAG = 'Licensing';

export function licensingService(rt: Runtime): LicensingService {
  const tenants = new TenantService(rt.ds, rt.secrets);
  return new LicensingService(rt.ds, (t: Tenant) => pax8ClientFor(tenants, t), rt.clock);
}

const decimalText = /^\d{1,12}(\.\d{1,6})?$/;
const wholeText = /^\d{1,9}$/;
const decimalIn = z.union([z.string().regex(decimalText, 'a non-negative decimal'), z.number().nonnegative().finite()])
  .transform((v) => new Decimal(String(v)));
const wholeIn = z.union([z.string().regex(wholeText, 'a whole number'), z.number().int().nonnegative().max(999_999_999)])
  .transform((v) => new Decimal(String(v)));
const dec = (d: Decimal | null | undefined) => (d === null || d === undefined ? null : d.toFixed());
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The page fields of a list query; the rest are its filters. */
function split<Q extends { page: number; size: number; sort: string }>(q: Q) {
  const { page, size, sort, ...filter } = q;
  return { page: { page, size, sort }, filter };
}

/** Client routes need a bound customer; a client user without one sees nothing. */
function ownCustomer(ctx: Pick<RouteContext<unknown, unknown, unknown>, 'onlyCustomerId'>): string {
  if (!ctx.onlyCustomerId) throw notFound('no company is linked to this user');
  return ctx.onlyCustomerId;
}

// --- settings --------------------------------------------------------------------------------

const configSchema = z.object({
  approval: z.object({
    requireApprovalByDefault: z.boolean(),
    autoApproveThresholdPercent: z.string(),
    alwaysApproveVendors: z.array(z.string()),
  }),
  selfService: z.object({
    allowSelfService: z.boolean(),
    defaultMinQuantity: z.string().nullable(),
    defaultMaxQuantity: z.string().nullable(),
  }),
  vendors: z.array(z.string()).describe('vendor names known from products and subscriptions (for the vendor badges)'),
});
function viewConfig(c: LicensingConfig, vendors: string[]): z.input<typeof configSchema> {
  return {
    approval: {
      requireApprovalByDefault: c.approval.requireApprovalByDefault,
      autoApproveThresholdPercent: c.approval.autoApproveThresholdPercent.toFixed(),
      alwaysApproveVendors: [...c.approval.alwaysApproveVendors],
    },
    selfService: {
      allowSelfService: c.selfService.allowSelfService,
      defaultMinQuantity: dec(c.selfService.defaultMinQuantity),
      defaultMaxQuantity: dec(c.selfService.defaultMaxQuantity),
    },
    vendors,
  };
}

export const getLicensingSettingsRoute = defineRoute({
  id: 'getLicensingSettings', method: 'get', path: '/tenants/:tenantId/licensing/settings', tag: TAG, roles: MANAGE,
  summary: 'Licensing settings (approval and self-service defaults)',
  params: tenantParams,
  response: configSchema,
  async handler({ rt, tenant }) {
    const svc = licensingService(rt);
    return viewConfig(await svc.config(tenant), await svc.vendors(tenant));
  },
});

export const updateLicensingApprovalRoute = defineRoute({
  id: 'updateLicensingApproval', method: 'put', path: '/tenants/:tenantId/licensing/settings/approval', tag: TAG, roles: MANAGE,
  summary: 'Change the approval settings',
  description: 'A change of |requested − current| / current × 100 percent at most autoApproveThresholdPercent auto-approves (10 → 15 at 50% does, 10 → 16 does not; 0% holds every change), unless approval is required by default, the vendor is listed, or the subscription always requires approval.',
  params: tenantParams,
  body: z.strictObject({
    requireApprovalByDefault: z.boolean().optional(),
    autoApproveThresholdPercent: decimalIn.optional().describe('percent, e.g. "50"'),
    alwaysApproveVendors: z.array(z.string().trim().min(1).max(120)).max(200).optional(),
  }),
  example: { requireApprovalByDefault: false, autoApproveThresholdPercent: '50', alwaysApproveVendors: ['Microsoft'] },
  response: configSchema,
  async handler({ rt, tenant, auth, body }) {
    const svc = licensingService(rt);
    const c = await svc.updateApproval(tenant, auth.user, body);
    return viewConfig(c, await svc.vendors(tenant));
  },
});

export const updateLicensingSelfServiceRoute = defineRoute({
  id: 'updateLicensingSelfService', method: 'put', path: '/tenants/:tenantId/licensing/settings/self-service', tag: TAG, roles: MANAGE,
  summary: 'Change the self-service defaults',
  params: tenantParams,
  body: z.strictObject({
    allowSelfService: z.boolean().optional(),
    defaultMinQuantity: wholeIn.nullable().optional(),
    defaultMaxQuantity: wholeIn.nullable().optional(),
  }),
  example: { allowSelfService: true, defaultMinQuantity: 1, defaultMaxQuantity: 500 },
  response: configSchema,
  async handler({ rt, tenant, auth, body }) {
    const svc = licensingService(rt);
    const c = await svc.updateSelfService(tenant, auth.user, body);
    return viewConfig(c, await svc.vendors(tenant));
  },
});

// --- catalog ---------------------------------------------------------------------------------

const catalogItem = z.object({
  id: z.string(), name: z.string(), vendorName: z.string().nullable(), category: z.string().nullable(), retailPrice: z.string().nullable(),
  sku: z.string().describe('Recurra\'s SKU: vendor part number, term and billing (tells same-name products apart)'),
  visible: z.boolean(), featured: z.boolean(),
});
const viewCatalog = (p: Product): z.input<typeof catalogItem> => ({
  id: p.id, name: p.name, vendorName: p.vendorName, category: p.category, retailPrice: dec(p.retailPrice), sku: p.sku, visible: p.visible, featured: p.featured,
});

export const listLicensingCatalogRoute = defineRoute({
  id: 'listLicensingCatalog', method: 'get', path: '/tenants/:tenantId/licensing/catalog', tag: TAG, roles: MANAGE,
  summary: 'List the products of the Pax8 catalog (every one the product sync read, not only those on subscriptions) with their catalog flags',
  params: tenantParams,
  query: listQuery(['name', 'vendorName', 'category'], {
    q: z.string().max(100).optional().describe('product name, vendor, category or SKU contains'),
    vendor: z.string().max(120).optional(),
    category: z.string().max(120).optional(),
    visible: queryBool.optional(),
    featured: queryBool.optional(),
  }, 'name,asc'),
  response: pageSchema(catalogItem),
  async handler({ scope, query }) {
    const { page, filter } = split(query);
    return mapPage(await catalogPage(scope, filter, page), viewCatalog);
  },
});

export const licensingCatalogFacetsRoute = defineRoute({
  id: 'licensingCatalogFacets', method: 'get', path: '/tenants/:tenantId/licensing/catalog/facets', tag: TAG, roles: MANAGE,
  summary: 'Vendors and categories for the catalog filters',
  params: tenantParams,
  response: z.object({ vendors: z.array(z.string()), categories: z.array(z.string()) }),
  async handler({ scope }) {
    return catalogFacets(scope);
  },
});

export const updateLicensingCatalogRoute = defineRoute({
  id: 'updateLicensingCatalog', method: 'post', path: '/tenants/:tenantId/licensing/catalog/actions', tag: TAG, roles: MANAGE,
  summary: 'Show, hide, feature or unfeature products',
  description: 'One product or a selection. Hiding a product only hides it from the client catalog: existing subscriptions are not touched.',
  params: tenantParams,
  body: z.strictObject({ action: z.enum(CATALOG_ACTIONS), productIds: z.array(uuid).min(1).max(500) }),
  example: { action: 'feature', productIds: ['00000000-0000-0000-0000-000000000000'] },
  response: z.object({ changed: z.number().int() }),
  async handler({ rt, tenant, auth, body }) {
    return { changed: await licensingService(rt).setCatalogFlags(tenant, auth.user, body.productIds, body.action) };
  },
});

// --- self-service rules ----------------------------------------------------------------------

const ruleSchema = z.object({
  allowQuantityChanges: z.boolean().nullable(), alwaysRequireApproval: z.boolean(), minQuantity: z.string().nullable(), maxQuantity: z.string().nullable(),
});
const effectiveSchema = z.object({
  allowChanges: z.boolean(), alwaysRequireApproval: z.boolean(), min: z.string(), max: z.string().nullable(),
  source: z.object({ allowChanges: z.string(), min: z.string(), max: z.string() }),
});
const viewEffective = (e: EffectiveRule): z.input<typeof effectiveSchema> => ({
  allowChanges: e.allowChanges, alwaysRequireApproval: e.alwaysRequireApproval, min: e.min.toFixed(), max: dec(e.max), source: { ...e.source },
});
const viewRule = (r: LicensingSubscriptionRule | null | undefined): z.input<typeof ruleSchema> | null => (r
  ? { allowQuantityChanges: r.allowQuantityChanges, alwaysRequireApproval: r.alwaysRequireApproval, minQuantity: dec(r.minQuantity), maxQuantity: dec(r.maxQuantity) }
  : null);

const licSubSchema = z.object({
  id: z.string(), name: z.string(), vendorName: z.string().nullable(), customerId: z.string(), customerName: z.string().nullable(),
  quantity: z.string(), status: z.string(), active: z.boolean(), billingTerm: z.string().nullable(), commitmentTerm: z.string().nullable(),
  rule: ruleSchema.nullable(), effective: effectiveSchema,
});

function viewLicSub(cfg: LicensingConfig) {
  return (s: LicensableSubscription): z.input<typeof licSubSchema> => ({
    id: s.id, name: s.name, vendorName: s.vendorName, customerId: s.customerId!, customerName: s.customer?.name ?? null,
    quantity: s.quantity.toFixed(), status: s.status, active: s.active, billingTerm: s.billingTerm, commitmentTerm: s.commitmentTerm,
    rule: viewRule(s.rule), effective: viewEffective(effectiveRule(cfg.selfService, overrideOf(s.rule))),
  });
}

export const listLicensingSubscriptionsRoute = defineRoute({
  id: 'listLicensingSubscriptions', method: 'get', path: '/tenants/:tenantId/licensing/subscriptions', tag: TAG, roles: MANAGE,
  summary: 'List subscriptions of mapped companies with their self-service rules',
  params: tenantParams,
  query: listQuery(['name', 'vendorName', 'updatedAt'], {
    q: z.string().max(100).optional().describe('product, vendor or company name contains'),
    customerId: uuid.optional(),
    overridden: queryBool.optional().describe('only subscriptions with (true) or without (false) a rule of their own'),
  }, 'name,asc'),
  response: pageSchema(licSubSchema),
  async handler({ rt, scope, tenant, query }) {
    const { page, filter } = split(query);
    const cfg = await licensingService(rt).config(tenant);
    return mapPage(await licensableSubscriptionPage(scope, filter, page), viewLicSub(cfg));
  },
});

const subParams = tenantParams.extend({ subscriptionId: uuid });

export const getLicensingSubscriptionRoute = defineRoute({
  id: 'getLicensingSubscription', method: 'get', path: '/tenants/:tenantId/licensing/subscriptions/:subscriptionId', tag: TAG, roles: MANAGE,
  summary: 'One subscription with its current quantity and self-service rule',
  params: subParams,
  response: licSubSchema,
  async handler(ctx) {
    const row = await loadLicensableSubscription(ctx.scope, ctx.params.subscriptionId);
    return viewLicSub(await licensingService(ctx.rt).config(ctx.tenant))(row);
  },
});

export const setLicensingRuleRoute = defineRoute({
  id: 'setLicensingRule', method: 'put', path: '/tenants/:tenantId/licensing/subscriptions/:subscriptionId/rule', tag: TAG, roles: MANAGE,
  summary: 'Set the self-service rule of one subscription',
  description: 'Fields left out keep their value; null inherits the global default. The answer shows the current quantity and the effective rule.',
  params: subParams,
  body: z.strictObject({
    allowQuantityChanges: z.boolean().nullable().optional(),
    alwaysRequireApproval: z.boolean().optional(),
    minQuantity: wholeIn.nullable().optional(),
    maxQuantity: wholeIn.nullable().optional(),
  }),
  example: { allowQuantityChanges: true, alwaysRequireApproval: false, minQuantity: 5, maxQuantity: 50 },
  response: licSubSchema,
  async handler(ctx) {
    await licensingService(ctx.rt).setRule(ctx.tenant, ctx.auth.user, ctx.params.subscriptionId, ctx.body);
    const row = await loadLicensableSubscription(ctx.scope, ctx.params.subscriptionId);
    return viewLicSub(await licensingService(ctx.rt).config(ctx.tenant))(row);
  },
});

export const clearLicensingRuleRoute = defineRoute({
  id: 'clearLicensingRule', method: 'delete', path: '/tenants/:tenantId/licensing/subscriptions/:subscriptionId/rule', tag: TAG, roles: MANAGE,
  summary: 'Remove the rule of one subscription (the defaults apply again)',
  params: subParams,
  response: z.object({ removed: z.boolean() }),
  async handler(ctx) {
    const svc = licensingService(ctx.rt);
    await svc.licensable(ctx.tenant, ctx.params.subscriptionId, null);
    return { removed: await svc.clearRule(ctx.tenant, ctx.auth.user, ctx.params.subscriptionId) };
  },
});

// --- change requests and approvals -----------------------------------------------------------

const requestSchema = z.object({
  id: z.string(), subscriptionId: z.string(), customerId: z.string(), customerName: z.string().nullable(), productName: z.string(),
  vendorName: z.string().nullable(), currentQuantity: z.string(), requestedQuantity: z.string(), status: z.enum(CHANGE_REQUEST_STATUSES),
  decision: z.string().nullable(), approvalReasons: z.array(z.string()), changePercent: z.string().nullable(), requestedBy: z.string().nullable(),
  requestedAt: z.string(), decidedBy: z.string().nullable(), decidedAt: z.string().nullable(), rejectionReason: z.string().nullable(),
  failureReason: z.string().nullable(), appliedAt: z.string().nullable(), subscriptionChangeId: z.string().nullable(),
});
export function viewRequest(r: RequestWithCustomer, customerName?: string | null): z.input<typeof requestSchema> {
  return {
    id: r.id, subscriptionId: r.subscriptionId, customerId: r.customerId, customerName: customerName ?? r.customer?.name ?? null, productName: r.productName,
    vendorName: r.vendorName, currentQuantity: r.currentQuantity.toFixed(), requestedQuantity: r.requestedQuantity.toFixed(), status: r.status,
    decision: r.decision, approvalReasons: reasonTexts(r.approvalReasons), changePercent: r.changePercent, requestedBy: r.requestedBy,
    requestedAt: r.requestedAt.toISOString(), decidedBy: r.decidedBy, decidedAt: iso(r.decidedAt), rejectionReason: r.rejectionReason,
    failureReason: r.failureReason, appliedAt: iso(r.appliedAt), subscriptionChangeId: r.subscriptionChangeId,
  };
}
const requestListQuery = listQuery(['requestedAt', 'productName', 'status'], {
  status: z.enum(CHANGE_REQUEST_STATUSES).optional(),
  customerId: uuid.optional(),
}, 'requestedAt,desc');

export const listLicensingRequestsRoute = defineRoute({
  id: 'listLicensingRequests', method: 'get', path: '/tenants/:tenantId/licensing/requests', tag: TAG, roles: MANAGE,
  summary: 'List quantity change requests (status=pending for the approvals queue)',
  params: tenantParams,
  query: requestListQuery,
  response: pageSchema(requestSchema),
  async handler(ctx) {
    const { page, filter } = split(ctx.query);
    return mapPage(await requestPage(ctx.scope, filter, page), (r) => viewRequest(r));
  },
});

const reqParams = tenantParams.extend({ requestId: uuid });

export const approveLicensingRequestRoute = defineRoute({
  id: 'approveLicensingRequest', method: 'post', path: '/tenants/:tenantId/licensing/requests/:requestId/approve', tag: TAG, roles: MANAGE,
  summary: 'Approve a pending request and apply it in Pax8',
  description: 'The answer is the request afterwards: "applied", or "failed" with Pax8\'s reason when Pax8 refused the change (nothing else changes). 409 when the request is no longer pending.',
  params: reqParams,
  response: requestSchema,
  async handler(ctx) {
    await licensingService(ctx.rt).approve(ctx.tenant, ctx.auth.user, ctx.params.requestId);
    return viewRequest(await loadRequest(ctx.scope, ctx.params.requestId));
  },
});

export const rejectLicensingRequestRoute = defineRoute({
  id: 'rejectLicensingRequest', method: 'post', path: '/tenants/:tenantId/licensing/requests/:requestId/reject', tag: TAG, roles: MANAGE,
  summary: 'Reject a pending request, with an optional reason for the client',
  params: reqParams,
  body: z.strictObject({ reason: z.string().max(1000).optional() }).optional(),
  example: { reason: 'Budget frozen until the next quarter' },
  response: requestSchema,
  async handler(ctx) {
    await licensingService(ctx.rt).reject(ctx.tenant, ctx.auth.user, ctx.params.requestId, ctx.body?.reason ?? null);
    return viewRequest(await loadRequest(ctx.scope, ctx.params.requestId));
  },
});

// --- sync ------------------------------------------------------------------------------------

export const syncLicensingRoute = defineRoute({
  id: 'syncLicensing', method: 'post', path: '/tenants/:tenantId/licensing/sync', tag: TAG, roles: MANAGE, status: 202,
  summary: 'Sync companies, products and subscriptions from Pax8 now (queued through the scheduler)',
  description: 'Queues "sync now" jobs for customers, products and subscriptions, as POST /tenants/{tenantId}/sync does, and answers them at once (202); '
    + 'the process running the scheduler runs them, one after the other. Only mapped companies\' subscriptions are imported. '
    + '409 pax8_not_configured without Pax8 credentials, sync_running while one of these syncs runs, waits or retries, tenant_disabled for a disabled tenant.',
  params: tenantParams,
  errors: { '409': 'pax8_not_configured, sync_running or tenant_disabled' },
  response: z.object({
    tenant: z.string().describe('the tenant\'s name'),
    jobs: z.array(z.object({ entity: z.enum(SYNC_ENTITIES), jobId: z.string() })),
  }),
  async handler({ rt, tenant, auth }) {
    const jobs = await queueLicensingSync(rt.ds.manager, tenant, auth.user,
      (entities) => jobQueue(rt).syncNow(tenant.name, entities, 'http', auth.user.email), (rt.clock ?? systemClock)());
    return { tenant: tenant.name, jobs };
  },
});

// --- client self-service (write_licensing, own company only) ---------------------------------

const mySubSchema = z.object({
  id: z.string(), name: z.string(), vendorName: z.string().nullable(), quantity: z.string(), billingTerm: z.string().nullable(),
  canRequestChange: z.boolean(), minQuantity: z.string(), maxQuantity: z.string().nullable(),
  openRequest: z.object({ id: z.string(), requestedQuantity: z.string(), status: z.string() }).nullable(),
});

export const listMyLicensingSubscriptionsRoute = defineRoute({
  id: 'listMyLicensingSubscriptions', method: 'get', path: '/tenants/:tenantId/licensing/my/subscriptions', tag: TAG, roles: WRITE, customerScoped: true,
  summary: 'My company\'s active subscriptions, with what I may request',
  params: tenantParams,
  query: listQuery(['name', 'vendorName'], { q: z.string().max(100).optional().describe('product or vendor contains') }, 'name,asc'),
  response: pageSchema(mySubSchema),
  async handler(ctx) {
    const own = ownCustomer(ctx);
    const { page, filter } = split(ctx.query);
    const cfg = await licensingService(ctx.rt).config(ctx.tenant);
    return mapPage(await clientSubscriptionPage(ctx.scope, own, filter, page), ({ subscription: s, openRequest: o }) => {
      const e = effectiveRule(cfg.selfService, overrideOf(s.rule));
      return {
        id: s.id, name: s.name, vendorName: s.vendorName, quantity: s.quantity.toFixed(), billingTerm: s.billingTerm,
        canRequestChange: e.allowChanges, minQuantity: e.min.toFixed(), maxQuantity: dec(e.max),
        openRequest: o ? { id: o.id, requestedQuantity: o.requestedQuantity.toFixed(), status: o.status } : null,
      };
    });
  },
});

export const requestLicensingChangeRoute = defineRoute({
  id: 'requestLicensingChange', method: 'post', path: '/tenants/:tenantId/licensing/my/subscriptions/:subscriptionId/requests', tag: TAG,
  roles: WRITE, customerScoped: true, status: 201,
  summary: 'Request a new quantity for one of my subscriptions',
  description: 'Validated against the subscription\'s limits (400 with a message saying which). The answer is the request: "applied" when auto-approved and accepted by Pax8, "pending" when it waits for approval, "failed" when auto-approved but refused by Pax8.',
  params: subParams,
  body: z.strictObject({ quantity: wholeIn }),
  example: { quantity: 6 },
  response: requestSchema,
  async handler(ctx) {
    const own = ownCustomer(ctx);
    const r = await licensingService(ctx.rt).requestChange(ctx.tenant, { id: ctx.auth.user.id, customerId: own }, ctx.params.subscriptionId, ctx.body.quantity);
    return viewRequest(await loadRequest(ctx.scope, r.id, own));
  },
});

export const listMyLicensingRequestsRoute = defineRoute({
  id: 'listMyLicensingRequests', method: 'get', path: '/tenants/:tenantId/licensing/my/requests', tag: TAG, roles: WRITE, customerScoped: true,
  summary: 'My company\'s change requests',
  params: tenantParams,
  query: requestListQuery.omit({ customerId: true }),
  response: pageSchema(requestSchema),
  async handler(ctx) {
    const own = ownCustomer(ctx);
    const { page, filter } = split(ctx.query);
    return mapPage(await requestPage(ctx.scope, { ...filter, onlyCustomerId: own }, page), (r) => viewRequest(r));
  },
});

const noticeSchema = z.object({
  id: z.string(), kind: z.string(), message: z.string(), requestId: z.string().nullable(), createdAt: z.string(), readAt: z.string().nullable(),
});

export const listMyLicensingNoticesRoute = defineRoute({
  id: 'listMyLicensingNotices', method: 'get', path: '/tenants/:tenantId/licensing/my/notices', tag: TAG, roles: WRITE, customerScoped: true,
  summary: 'My company\'s licensing notices (newest first)',
  params: tenantParams,
  query: listQuery(['createdAt'], { unread: queryBool.optional() }, 'createdAt,desc'),
  response: pageSchema(noticeSchema),
  async handler(ctx) {
    const own = ownCustomer(ctx);
    const { page, filter } = split(ctx.query);
    return mapPage(await clientNoticePage(ctx.scope, own, filter, page), (n) => ({
      id: n.id, kind: n.kind, message: n.message, requestId: n.requestId, createdAt: n.createdAt.toISOString(), readAt: iso(n.readAt),
    }));
  },
});

export const readMyLicensingNoticeRoute = defineRoute({
  id: 'readMyLicensingNotice', method: 'post', path: '/tenants/:tenantId/licensing/my/notices/:noticeId/read', tag: TAG, roles: WRITE, customerScoped: true,
  summary: 'Mark a notice read',
  params: tenantParams.extend({ noticeId: uuid }),
  response: z.object({ ok: z.literal(true) }),
  async handler(ctx) {
    const own = ownCustomer(ctx);
    await licensingService(ctx.rt).markNoticeRead(ctx.tenant, ctx.params.noticeId, own);
    return { ok: true as const };
  },
});

export const listMyLicensingCatalogRoute = defineRoute({
  id: 'listMyLicensingCatalog', method: 'get', path: '/tenants/:tenantId/licensing/my/catalog', tag: TAG, roles: WRITE, customerScoped: true,
  summary: 'The product catalog shown to clients: visible products, featured first',
  params: tenantParams,
  description: 'Retail prices only (the suggested retail price of Pax8\'s first tier); never the partner\'s cost.',
  query: listQuery(['name', 'vendorName', 'category'], {
    q: z.string().max(100).optional().describe('product name, vendor or category contains'),
    vendor: z.string().max(120).optional(),
    category: z.string().max(120).optional(),
  }, 'name,asc'),
  response: pageSchema(catalogItem.omit({ visible: true })),
  async handler(ctx) {
    ownCustomer(ctx);
    const { page, filter } = split(ctx.query);
    return mapPage(await clientCatalogPage(ctx.scope, filter, page), (p) => {
      const { visible: _v, ...rest } = viewCatalog(p);
      return rest;
    });
  },
});
