import { z } from 'zod';
import type { Invoice, RecurringInvoice, Tenant } from '../../../db/entities/index.js';
import { listRecurringInvoices, recurringInvoiceDetail } from '../../../invoices/recurring-service.js';
import { approveInvoice } from '../../../invoices/approve.js';
import { BillingDateError, billingDate } from '../../../invoices/billing-date.js';
import { invoiceRunById, invoiceRunView, latestInvoiceRuns } from '../../../invoices/run-records.js';
import { tenantToday } from '../../../common/tenant-date.js';
import { CSV_LAYOUTS, exportInvoicesCsv } from '../../../invoices/csv-export.js';
import { invoiceLinesAndCustomer, invoiceNumberText, listInvoices, loadInvoice } from '../../../invoices/queries.js';
import { renderInvoiceHtml } from '../../../invoices/render.js';
import { lineTaxFacts, lineTaxJson } from '../../../invoices/tax-words.js';
import { runInvoices } from '../../../invoices/run.js';
import { invoiceTerms, type SellerDetails } from '../../../invoices/terms.js';
import { systemClock } from '../../../common/clock.js';
import { htmlToPdf, requirePdf } from '../../../invoices/pdf.js';
import type { Runtime } from '../../../app/runtime.js';
import type { TenantScope } from '../../../db/tenant-scope.js';
import { queueAfterIssue } from '../../../issued-invoices/after-issue.js';
import { jobQueue } from '../../../app/scheduler.js';
import { listQuery, mapPage, pageSchema } from '../paging.js';
import { defineRoute, tenantParams, uuid, type RouteContext } from '../route.js';
import { ALL_ROLES } from './auth.js';

const FINANCE = ['admin', 'finance'] as const;

/** Queues the e-mails and pushes an issue sets off (src/issued-invoices), and the jobs that send them. */
async function afterIssue(ctx: { rt: Runtime; tenant: Tenant; scope: TenantScope }, invoiceIds: string[]): Promise<void> {
  const after = await queueAfterIssue(ctx.scope, ctx.tenant, invoiceIds, (ctx.rt.clock ?? systemClock)());
  if (after.emailsQueued) await jobQueue(ctx.rt).queueInvoiceDelivery(ctx.tenant.id);
  if (after.pushesQueued) await jobQueue(ctx.rt).queueAccountingPush(ctx.tenant.id);
}
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

const reviewList = (json: string): string[] => {
  try {
    const v = JSON.parse(json || '[]') as unknown;
    return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [];
  } catch {
    return [];
  }
};

export const invoiceSchema = z.object({
  id: z.string(), number: z.string(), status: z.enum(['draft', 'issued']), recurringInvoiceId: z.string(), customerId: z.string(),
  invoiceDate: z.string(), periodStart: z.string(), periodEnd: z.string(), currency: z.string(), subtotal: z.string(), tax: z.string(),
  total: z.string(), review: z.array(z.string()), issuedAt: z.string().nullable(), approvedBy: z.string().nullable(),
  forwardDated: z.boolean().describe('created by a run dated after that day in the tenant\'s zone (allowFuture)'),
  dueDate: z.string().nullable().describe('invoice date + paymentTermsDays, fixed at creation (null in lists for invoices created before due dates were stored; one invoice gives it from the current terms)'),
  paymentTermsDays: z.number().int().nullable().describe('the customer\'s payment terms, else the tenant\'s default (settings invoicing.paymentTermsDays)'),
  seller: z.object({ name: z.string(), address: z.array(z.string()), taxNumber: z.string().nullable(), bankDetails: z.array(z.string()) }).nullable()
    .describe('the seller details (settings invoicing) as they were when the invoice was created'),
});
function viewInvoice(i: Invoice): z.input<typeof invoiceSchema> {
  return {
    id: i.id, number: invoiceNumberText(i), status: i.status, recurringInvoiceId: i.recurringInvoiceId, customerId: i.customerId,
    invoiceDate: i.invoiceDate, periodStart: i.periodStart, periodEnd: i.periodEnd, currency: i.currency, subtotal: i.subtotal.toFixed(),
    tax: i.tax.toFixed(), total: i.total.toFixed(), review: reviewList(i.reviewJson), issuedAt: i.issuedAt?.toISOString() ?? null, approvedBy: i.approvedBy,
    forwardDated: i.forwardDated, dueDate: i.dueDate, paymentTermsDays: i.paymentTermsDays,
    seller: i.sellerJson ? (JSON.parse(i.sellerJson) as SellerDetails) : null,
  };
}

function ownInvoice(ctx: Pick<RouteContext<{ invoiceId: string }, unknown, unknown>, 'scope' | 'params' | 'onlyCustomerId'>): Promise<Invoice> {
  return loadInvoice(ctx.scope, ctx.params.invoiceId, ctx.onlyCustomerId);
}

export const listInvoicesRoute = defineRoute({
  id: 'listInvoices', method: 'get', path: '/tenants/:tenantId/invoices', tag: 'Invoices', roles: ALL_ROLES, customerScoped: true,
  summary: 'List invoices',
  params: tenantParams,
  query: listQuery(['invoiceDate', 'number', 'total', 'createdAt'], {
    status: z.enum(['draft', 'issued']).optional(),
    customerId: uuid.optional(),
    from: date.optional().describe('invoice date from (inclusive)'),
    to: date.optional().describe('invoice date to (inclusive)'),
    q: z.string().max(100).optional().describe('invoice number (INV-000123 or 123) or customer name contains'),
  }, 'invoiceDate,desc'),
  response: pageSchema(invoiceSchema),
  async handler(ctx) {
    const { page, size, sort, ...filter } = ctx.query;
    return mapPage(await listInvoices(ctx.scope, { ...filter, onlyCustomerId: ctx.onlyCustomerId }, { page, size, sort }), viewInvoice);
  },
});

const invoiceLineSchema = z.object({
  id: z.string(), position: z.number().int(), kind: z.string(), description: z.string(), fromDate: z.string(), toDate: z.string(),
  quantity: z.string(), unitPrice: z.string(), amount: z.string(), tax: z.string(), review: z.array(z.string()),
  unitCost: z.string().nullable().describe('the unit cost billed against (a followed Pax8 cost of its period, or the line\'s own); null: not known. Never sent to clients'),
  cost: z.string().nullable().describe('unit cost × quantity (by the days of a pro-rata line), rounded'), margin: z.string().nullable().describe('amount − cost'),
  taxRate: z.string().describe('the rate this line was taxed at (a fraction)'), taxCode: z.string().nullable().describe('its tax code; null: the recurring invoice\'s rate'),
  taxKind: z.enum(['standard', 'exempt', 'reverse_charge']),
});

export const getInvoiceRoute = defineRoute({
  id: 'getInvoice', method: 'get', path: '/tenants/:tenantId/invoices/:invoiceId', tag: 'Invoices', roles: ALL_ROLES, customerScoped: true,
  summary: 'One invoice with its lines',
  params: tenantParams.extend({ invoiceId: uuid }),
  response: invoiceSchema.extend({ lines: z.array(invoiceLineSchema) }),
  async handler(ctx) {
    const inv = await ownInvoice(ctx);
    const { lines, customer } = await invoiceLinesAndCustomer(ctx.scope, inv);
    const terms = invoiceTerms(inv, ctx.tenant, customer);
    return {
      ...viewInvoice(inv), dueDate: terms.dueDate, paymentTermsDays: terms.paymentTermsDays, seller: terms.seller,
      lines: lines.map((l) => ({
        id: l.id, position: l.position, kind: l.kind, description: l.description, fromDate: l.fromDate, toDate: l.toDate, quantity: l.quantity.toFixed(),
        unitPrice: l.unitPrice.toFixed(), amount: l.amount.toFixed(), tax: l.tax.toFixed(), review: reviewList(l.reviewJson),
        unitCost: l.unitCost?.toFixed() ?? null, cost: l.cost?.toFixed() ?? null, margin: l.cost === null ? null : l.amount.minus(l.cost).toFixed(),
        ...lineTaxJson(lineTaxFacts(l, inv.taxRate)),
      })),
    };
  },
});

const runBody = z.strictObject({
  date: date.optional().describe('default: today in the tenant\'s time zone'),
  allowFuture: z.boolean().optional().describe('allow a date after today (tenant time; else 400 future_date); the invoices are marked forwardDated'),
});

const invoiceRunSchema = z.object({
  id: z.string(), date: z.string().describe('the invoice date the run bills up to'), allowFuture: z.boolean(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']), trigger: z.string(), startedBy: z.string(), jobId: z.string().nullable(),
  queuedAt: z.string(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(),
  outcome: z.object({
    created: z.number().int(), drafts: z.number().int(), issued: z.number().int(), alreadyInvoiced: z.number().int(),
    failed: z.array(z.object({ recurringInvoiceId: z.string(), periodStart: z.string(), message: z.string() })),
  }).nullable().describe('what a succeeded run came to'),
  error: z.string().nullable().describe('why a failed run failed'),
});

export const runInvoicesRoute = defineRoute({
  id: 'runInvoices', method: 'post', path: '/tenants/:tenantId/invoices/run', tag: 'Invoices', roles: FINANCE,
  summary: 'Run invoices inside this request: create every invoice due up to a date (after catching up the daily pass)',
  description: 'Exactly once per recurring invoice and period; invoices needing review are created as drafts. Answers when the run is done '
    + '(as `recurra invoices run` does); a run that may take a while is better queued: POST /tenants/{tenantId}/invoice-runs. '
    + 'Refused with 409 invoice_run_running while a queued run of the tenant is waiting or running.',
  params: tenantParams,
  body: runBody,
  example: {},
  response: z.object({
    date: z.string(),
    created: z.array(z.object({ id: z.string(), status: z.string() }).loose()),
    alreadyInvoiced: z.number().int(),
    failed: z.array(z.object({ recurringInvoiceId: z.string(), periodStart: z.string(), message: z.string() })),
  }),
  async handler({ rt, tenant, scope, body }) {
    const d = billingDate(tenant, body.date, rt.clock ?? systemClock);
    await jobQueue(rt).refuseWhileInvoiceRunPending(tenant.id);
    const r = await runInvoices(rt.ds, tenant.id, d, { allowFuture: body.allowFuture === true, clock: rt.clock ?? systemClock });
    await afterIssue({ rt, tenant, scope }, r.created.filter((c) => c.status === 'issued').map((c) => c.id));
    return { date: r.date, created: r.created.map((c) => ({ ...c })), alreadyInvoiced: r.alreadyInvoiced, failed: r.failed };
  },
});

export const queueInvoiceRunRoute = defineRoute({
  id: 'queueInvoiceRun', method: 'post', path: '/tenants/:tenantId/invoice-runs', tag: 'Invoices', roles: FINANCE, status: 202,
  summary: 'Queue an invoice run: the scheduler creates every invoice due up to a date (after catching up the daily pass)',
  description: 'Answers at once (202) with the run, queued; the process running the scheduler (recurra start, or a recurra worker) runs it. '
    + 'Follow it at GET /tenants/{tenantId}/invoice-runs/{invoiceRunId} (`follow`): queued, running, then succeeded with how many invoices '
    + 'or failed with the reason. Refused with 409 invoice_run_running while another run of the tenant is queued or running. '
    + 'To run inside the request instead (scripts): POST /tenants/{tenantId}/invoices/run.',
  params: tenantParams,
  body: runBody,
  example: {},
  errors: { '400': 'future_date: a date after today without allowFuture; invalid_date', '409': 'invoice_run_running: another run is queued or running' },
  response: invoiceRunSchema.extend({ follow: z.string().describe('where to follow the run (API path)') }),
  async handler({ rt, tenant, body, auth }) {
    const clock = rt.clock ?? systemClock;
    const d = billingDate(tenant, body.date, clock);
    const today = tenantToday(tenant, clock);
    if (d > today && body.allowFuture !== true) {
      throw new BillingDateError(`${d} is after today (${today} in ${tenant.timeZone || 'UTC'}): a run dated in the future bills `
        + 'quantities and usage not known yet; allow it explicitly (allowFuture: true) to mark its invoices forward-dated', 'future_date');
    }
    const run = await jobQueue(rt).queueInvoiceRun(tenant.id, d, { allowFuture: body.allowFuture === true, trigger: 'http', startedBy: auth.user.email });
    return { ...invoiceRunView(run), follow: `/api/v1/tenants/${tenant.id}/invoice-runs/${run.id}` };
  },
});

export const listInvoiceRunsRoute = defineRoute({
  id: 'listInvoiceRuns', method: 'get', path: '/tenants/:tenantId/invoice-runs', tag: 'Invoices', roles: ['admin', 'finance', 'reviewer'],
  summary: 'The latest invoice runs queued from the web app or the API, newest first',
  params: tenantParams,
  query: z.strictObject({ size: z.coerce.number().int().min(1).max(100).optional().describe('how many (default 10)') }),
  response: z.object({ items: z.array(invoiceRunSchema) }),
  async handler({ scope, query }) {
    return { items: (await latestInvoiceRuns(scope, query.size ?? 10)).map(invoiceRunView) };
  },
});

export const getInvoiceRunRoute = defineRoute({
  id: 'getInvoiceRun', method: 'get', path: '/tenants/:tenantId/invoice-runs/:invoiceRunId', tag: 'Invoices', roles: ['admin', 'finance', 'reviewer'],
  summary: 'One invoice run: queued, running, succeeded (with how many invoices) or failed (with the reason)',
  params: tenantParams.extend({ invoiceRunId: uuid }),
  response: invoiceRunSchema,
  async handler({ scope, params }) {
    return invoiceRunView(await invoiceRunById(scope, params.invoiceRunId));
  },
});

export const approveInvoiceRoute = defineRoute({
  id: 'approveInvoice', method: 'post', path: '/tenants/:tenantId/invoices/:invoiceId/approve', tag: 'Invoices', roles: ['admin', 'finance', 'reviewer'],
  summary: 'Approve a draft: issue it with the next invoice number',
  description: 'Drafts are held for review (usage lines, flagged lines); finance and reviewers approve them.',
  params: tenantParams.extend({ invoiceId: uuid }),
  response: invoiceSchema,
  async handler(ctx) {
    await ownInvoice(ctx);
    await approveInvoice(ctx.rt.ds, ctx.tenant.id, ctx.params.invoiceId, ctx.auth.user.email);
    await afterIssue(ctx, [ctx.params.invoiceId]);
    return viewInvoice(await ownInvoice(ctx));
  },
});

export const renderInvoiceRoute = defineRoute({
  id: 'renderInvoice', method: 'get', path: '/tenants/:tenantId/invoices/:invoiceId/html', tag: 'Invoices', roles: ALL_ROLES, customerScoped: true,
  summary: 'The rendered invoice (HTML)',
  params: tenantParams.extend({ invoiceId: uuid }),
  produces: 'text/html',
  response: z.string(),
  async handler(ctx) {
    await ownInvoice(ctx);
    const html = await renderInvoiceHtml(ctx.rt.ds, ctx.tenant.id, ctx.params.invoiceId);
    ctx.res?.type('html').setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    ctx.res?.send(html);
    return html;
  },
});

export const invoicePdfRoute = defineRoute({
  id: 'invoicePdf', method: 'get', path: '/tenants/:tenantId/invoices/:invoiceId/pdf', tag: 'Invoices', roles: ALL_ROLES, customerScoped: true,
  summary: 'The rendered invoice as PDF (headless Chromium)',
  description: 'Answers 503 when Chromium is not installed on the server.',
  params: tenantParams.extend({ invoiceId: uuid }),
  produces: 'application/pdf',
  response: z.string(),
  async handler(ctx) {
    const inv = await ownInvoice(ctx);
    requirePdf();
    const html = await renderInvoiceHtml(ctx.rt.ds, ctx.tenant.id, inv.id);
    const pdf = await htmlToPdf(html);
    ctx.res?.type('application/pdf').setHeader('Content-Disposition', `attachment; filename="${invoiceNumberText(inv)}.pdf"`);
    ctx.res?.send(pdf);
    return '';
  },
});

export const exportInvoicesCsvRoute = defineRoute({
  id: 'exportInvoicesCsv', method: 'get', path: '/tenants/:tenantId/invoice-exports/csv', tag: 'Invoices', roles: FINANCE,
  summary: 'Issued invoices as CSV for Xero or QuickBooks Online',
  params: tenantParams,
  query: z.strictObject({
    layout: z.enum(CSV_LAYOUTS).default('xero'), from: date.optional(), to: date.optional(),
    invoiceIds: z.string().max(20_000).transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(uuid).min(1).max(500)).optional()
      .describe('comma-separated invoice ids: only these (issued ones; drafts are never exported)'),
  }),
  produces: 'text/csv',
  response: z.string(),
  async handler({ rt, tenant, query, res }) {
    const csv = await exportInvoicesCsv(rt.ds, tenant.id, { layout: query.layout, from: query.from, to: query.to, invoiceIds: query.invoiceIds });
    res?.type('text/csv').setHeader('Content-Disposition', `attachment; filename="invoices-${tenant.name}-${query.layout}.csv"`);
    res?.send(csv);
    return csv;
  },
});

// --- recurring invoices (read; editing: routes/recurring.ts, both over invoices/recurring-service.ts) ---

const recurringSchema = z.object({
  id: z.string(), customerId: z.string(), name: z.string(), frequency: z.string(), anchorDay: z.number().int(), startDate: z.string(),
  currency: z.string(), taxRate: z.string(), status: z.string(), nextInvoiceDate: z.string(),
});
function viewRecurring(r: RecurringInvoice): z.input<typeof recurringSchema> {
  return {
    id: r.id, customerId: r.customerId, name: r.name, frequency: r.frequency, anchorDay: r.anchorDay, startDate: r.startDate, currency: r.currency,
    taxRate: r.taxRate.toFixed(), status: r.status, nextInvoiceDate: r.nextInvoiceDate,
  };
}

export const listRecurringInvoicesRoute = defineRoute({
  id: 'listRecurringInvoices', method: 'get', path: '/tenants/:tenantId/recurring-invoices', tag: 'Recurring invoices', roles: ALL_ROLES,
  customerScoped: true,
  summary: 'List recurring invoices',
  params: tenantParams,
  query: listQuery(['name', 'nextInvoiceDate', 'createdAt'], {
    customerId: uuid.optional(), status: z.enum(['active', 'paused', 'ended']).optional(),
    q: z.string().max(100).optional().describe('name or customer name contains'),
  }, 'nextInvoiceDate,asc'),
  response: pageSchema(recurringSchema),
  async handler(ctx) {
    const { page, size, sort, ...filter } = ctx.query;
    return mapPage(await listRecurringInvoices(ctx.scope, { ...filter, onlyCustomerId: ctx.onlyCustomerId }, { page, size, sort }), viewRecurring);
  },
});

export const getRecurringInvoiceRoute = defineRoute({
  id: 'getRecurringInvoice', method: 'get', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId', tag: 'Recurring invoices',
  roles: ALL_ROLES, customerScoped: true,
  summary: 'One recurring invoice with its lines and their subscription links',
  params: tenantParams.extend({ recurringInvoiceId: uuid }),
  response: recurringSchema.extend({
    lines: z.array(z.object({
      id: z.string(), position: z.number().int(), description: z.string(), productId: z.string().nullable(), timing: z.string(), priceMode: z.string(),
      unitPrice: z.string().nullable(), prorata: z.string(), reviewRequired: z.boolean(), currentQuantity: z.string(),
      costMode: z.enum(['follow', 'own']).describe('follow: the unit cost is the primary subscription\'s Pax8 cost as of each period start'),
      cost: z.string().nullable().describe('the own unit cost (null: not known)'),
      links: z.array(z.object({ id: z.string(), subscriptionId: z.string(), freeQuantity: z.string(), minimumQuantity: z.string() })),
    })),
  }),
  async handler({ scope, params, onlyCustomerId }) {
    const { invoice: r, lines } = await recurringInvoiceDetail(scope, params.recurringInvoiceId, onlyCustomerId);
    return {
      ...viewRecurring(r),
      lines: lines.map((l) => ({
        id: l.id, position: l.position, description: l.description, productId: l.productId, timing: l.timing, priceMode: l.priceMode,
        unitPrice: l.unitPrice?.toFixed() ?? null, prorata: l.prorata, reviewRequired: l.reviewRequired, currentQuantity: l.currentQuantity.toFixed(),
        costMode: l.costMode, cost: l.cost?.toFixed() ?? null,
        links: l.links.map((k) => ({
          id: k.id, subscriptionId: k.subscriptionId, freeQuantity: k.freeQuantity.toFixed(), minimumQuantity: k.minimumQuantity.toFixed(),
        })),
      })),
    };
  },
});
