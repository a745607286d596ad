import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Runtime } from '../../../app/runtime.js';
import { systemClock } from '../../../common/clock.js';
import { monthOf, tenantToday } from '../../../common/tenant-date.js';
import { TenantScope } from '../../../db/tenant-scope.js';
import type { Tenant } from '../../../db/entities/index.js';
import { importPax8Billing } from '../../../pax8-billing/import.js';
import { CSV_PARTS, reportCsv } from '../../../reconcile/csv.js';
import { reportHtml } from '../../../reconcile/html.js';
import { FINDING_KINDS } from '../../../reconcile/model.js';
import { FINDING_SORT_FIELDS, listFindings, type FindingSortField, type ListedFinding } from '../../../reconcile/findings-list.js';
import { applyFix, notifyLeakage, reconcileMonth, viewFinding, viewReport } from '../../../reconcile/service.js';
import { pax8ClientFor } from '../../../tenants/pax8-client.js';
import { TenantService } from '../../../tenants/service.js';
import { listQuery, mapPage, pageSchema, paged, parseSort } from '../paging.js';
import { defineRoute, tenantParams } from '../route.js';

/** Margin and leakage (issue 11): admin and finance see a month's reconciliation; admins apply fixes. */
const SEE = ['admin', 'finance'] as const;
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM');
const monthQuery = z.strictObject({ month: month.optional().describe('YYYY-MM; default the current month in the tenant\'s time zone') });

function monthOrCurrent(rt: Runtime, tenant: Tenant, m: string | undefined): string {
  return m ?? monthOf(tenantToday(tenant, rt.clock ?? systemClock));
}

const money = z.string().describe('amount with the currency\'s minor-unit places');
const totalsSchema = z.object({
  currency: z.string(), cost: money, billed: money, margin: money, marginPercent: z.string().nullable(), leakage: money,
  findings: z.number().int(), subscriptions: z.number().int(),
});
const fixSchema = z.union([
  z.object({ action: z.literal('add_to_recurring_invoice'), label: z.string() }),
  z.object({
    action: z.literal('map_company'), label: z.string(), pax8CompanyId: z.string(), requires: z.literal('customerId'),
    suggestedCustomerId: z.string().nullable(),
  }),
]);
const findingSchema = z.object({
  key: z.string(), kind: z.enum(FINDING_KINDS), subscriptionId: z.string().nullable(), usageSummaryId: z.string().nullable(),
  pax8CompanyId: z.string().nullable(), customerId: z.string().nullable(), customerName: z.string(), subject: z.string(), currency: z.string(),
  amount: money, detail: z.string(), since: z.string().nullable(), fix: fixSchema.nullable(), manual: z.string().nullable(),
});
export const reconcileReportSchema = z.object({
  month: z.string(),
  pax8Source: z.enum(['invoice', 'draft', 'none']),
  totals: z.array(totalsSchema),
  customers: z.array(totalsSchema.extend({ customerId: z.string().nullable(), customerName: z.string() })),
  findings: z.array(findingSchema),
  rows: z.array(z.object({
    key: z.string(), subscriptionId: z.string().nullable(), usageSummaryId: z.string().nullable(), pax8SubscriptionId: z.string().nullable(),
    customerId: z.string().nullable(), customerName: z.string(), name: z.string(), currency: z.string(), heldQuantity: z.string().nullable(),
    freeQuantity: z.string(), billedQuantity: z.string(), cost: money, costSource: z.enum(['pax8_invoice', 'pax8_draft', 'estimate', 'none']),
    billed: money, margin: money, marginPercent: z.string().nullable(), explanation: z.array(z.string()),
  })),
});

export const getReconciliationRoute = defineRoute({
  id: 'getReconciliation', method: 'get', path: '/tenants/:tenantId/reconcile', tag: 'Reconciliation', roles: SEE,
  summary: 'Reconcile a month: Pax8 cost, amount billed, margin and leakage findings',
  description: 'Per currency totals (equal to the sum of their customers), customers, findings newest first, and every subscription with its explanation.',
  params: tenantParams,
  query: monthQuery,
  response: reconcileReportSchema,
  async handler({ rt, tenant, query }) {
    return viewReport(await reconcileMonth(rt.ds, tenant, monthOrCurrent(rt, tenant, query.month)));
  },
});

/** The findings list's query: the month, kind and customer filters, page, size and sort. */
export const findingsQuery = listQuery(FINDING_SORT_FIELDS, {
  month: month.optional().describe('YYYY-MM; default the current month in the tenant\'s time zone'),
  kind: z.enum(FINDING_KINDS).optional(),
  customerId: z.string().max(36).optional(),
}, 'since,desc');
export type FindingsQuery = z.output<typeof findingsQuery>;

/**
 * One page of a month's findings (as GET /reconcile shows them) filtered and sorted by `query`: the findings route, and
 * the web Margin page over the report it already has, so one view reconciles the month once.
 */
export function findingsPage<F extends ListedFinding>(findings: readonly F[], query: FindingsQuery) {
  const sort = parseSort(query.sort) as { field: FindingSortField; dir: 'ASC' | 'DESC' };
  const r = listFindings(findings, { kind: query.kind, customerId: query.customerId, sort, page: query.page, size: query.size });
  return paged(r.items, query.page, query.size, r.total);
}

export const listReconciliationFindingsRoute = defineRoute({
  id: 'listReconciliationFindings', method: 'get', path: '/tenants/:tenantId/reconcile/findings', tag: 'Reconciliation', roles: SEE,
  summary: 'A month\'s findings, one page at a time, by kind and customer',
  description: 'The findings of GET /reconcile (same month, same keys) filtered and sorted; sort=since,desc is the report\'s newest-first order. The month totals stay on GET /reconcile.',
  params: tenantParams,
  query: findingsQuery,
  response: pageSchema(findingSchema),
  async handler({ rt, tenant, query }) {
    const report = await reconcileMonth(rt.ds, tenant, monthOrCurrent(rt, tenant, query.month));
    return mapPage(findingsPage(report.findings, query), viewFinding);
  },
});

export const reconciliationCsvRoute = defineRoute({
  id: 'reconciliationCsv', method: 'get', path: '/tenants/:tenantId/reconcile/csv', tag: 'Reconciliation', roles: SEE,
  summary: 'A month\'s reconciliation as CSV (subscriptions, findings or customers)',
  params: tenantParams,
  query: monthQuery.extend({ part: z.enum(CSV_PARTS).default('rows') }),
  produces: 'text/csv',
  response: z.string(),
  async handler({ rt, tenant, query, res }) {
    const m = monthOrCurrent(rt, tenant, query.month);
    const csv = reportCsv(viewReport(await reconcileMonth(rt.ds, tenant, m)), query.part);
    res?.type('text/csv').setHeader('Content-Disposition', `attachment; filename="reconcile-${tenant.name}-${m}-${query.part}.csv"`);
    res?.send(csv);
    return csv;
  },
});

export const reconciliationPageRoute = defineRoute({
  id: 'reconciliationPage', method: 'get', path: '/tenants/:tenantId/reconcile/view', tag: 'Reconciliation', roles: SEE,
  summary: 'The month view of the web app (HTML)',
  params: tenantParams,
  query: monthQuery,
  produces: 'text/html',
  response: z.string(),
  async handler({ rt, tenant, query, res, auth }) {
    const nonce = randomBytes(16).toString('base64');
    const view = viewReport(await reconcileMonth(rt.ds, tenant, monthOrCurrent(rt, tenant, query.month)));
    const html = reportHtml(view, { id: tenant.id, name: tenant.displayName || tenant.name }, { csrf: auth.session?.csrfToken ?? '', nonce });
    res?.type('html').setHeader('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'`);
    res?.send(html);
    return html;
  },
});

export const runReconciliationRoute = defineRoute({
  id: 'runReconciliation', method: 'post', path: '/tenants/:tenantId/reconcile/run', tag: 'Reconciliation', roles: SEE,
  summary: 'Reconcile a month and notify admins when its leakage exceeds the tenant\'s threshold',
  params: tenantParams,
  body: z.strictObject({ month: month.optional() }),
  example: {},
  response: z.object({
    report: reconcileReportSchema,
    notices: z.array(z.object({ currency: z.string(), leakage: money, threshold: money, recipients: z.number().int() })),
  }),
  async handler({ rt, tenant, body }) {
    const report = await reconcileMonth(rt.ds, tenant, monthOrCurrent(rt, tenant, body.month));
    const notices = await notifyLeakage(rt.ds, tenant, report);
    return { report: viewReport(report), notices };
  },
});

export const fixReconciliationFindingRoute = defineRoute({
  id: 'fixReconciliationFinding', method: 'post', path: '/tenants/:tenantId/reconcile/fix', tag: 'Reconciliation', roles: ['admin'],
  summary: 'Apply a finding\'s one-click fix',
  description: 'add_to_recurring_invoice adds the subscription to the customer\'s recurring invoice (invoices engine); map_company maps the Pax8 company to customerId (mapping service). 404 when the finding no longer exists.',
  params: tenantParams,
  body: z.strictObject({ month: month.optional(), key: z.string().min(1).max(200), customerId: z.string().max(36).optional() }),
  example: { key: 'unbilled:00000000-0000-0000-0000-000000000000' },
  response: z.object({ applied: z.boolean(), message: z.string() }),
  async handler({ rt, tenant, body }) {
    const r = await applyFix(rt.ds, tenant, monthOrCurrent(rt, tenant, body.month), body.key, { customerId: body.customerId });
    return { applied: r.applied, message: r.message };
  },
});

export const importPax8BillingRoute = defineRoute({
  id: 'importPax8Billing', method: 'post', path: '/tenants/:tenantId/pax8-billing/import', tag: 'Reconciliation', roles: ['admin'],
  summary: 'Import Pax8\'s invoices to the partner and the current month\'s draft items',
  params: tenantParams,
  body: z.strictObject({ skipDrafts: z.boolean().optional() }),
  example: {},
  response: z.object({
    invoicesSeen: z.number().int(), invoicesImported: z.number().int(), items: z.number().int(), draftItems: z.number().int(),
    draftMonths: z.array(z.string()), errors: z.array(z.string()),
  }),
  async handler({ rt, tenant, body }) {
    const client = pax8ClientFor(new TenantService(rt.ds, rt.secrets), tenant);
    return importPax8Billing(new TenantScope(rt.ds.manager, tenant.id), client, {
      today: tenantToday(tenant, rt.clock ?? systemClock), skipDrafts: body.skipDrafts,
    });
  },
});
