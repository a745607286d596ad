import { z } from 'zod';
import { isCalendarDate } from '../../../billing/dates.js';
import {
  addRecurringInvoiceLine, createRecurringInvoice, deleteRecurringInvoiceLine, linkSubscription, previewRecurringInvoice,
  updateRecurringInvoice, updateRecurringInvoiceLine,
} from '../../../invoices/recurring-service.js';
import { tenantToday } from '../../../common/tenant-date.js';
import { systemClock } from '../../../common/clock.js';
import type { Runtime } from '../../../app/runtime.js';
import { defineRoute, okSchema, tenantParams, uuid } from '../route.js';

/**
 * Editing recurring invoices: the rows the invoices module bills (src/invoices/recurring-service.ts edits them and
 * the invoices module bills them). Finance and admins only.
 */
const FINANCE = ['admin', 'finance'] as const;
const TAG = 'Recurring invoices';
const decimalText = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a non-negative decimal with at most 6 places');
const date = z.string().refine(isCalendarDate, 'a date YYYY-MM-DD');
const riParams = tenantParams.extend({ recurringInvoiceId: uuid });
const lineParams = riParams.extend({ lineId: uuid });

const now = (rt: Runtime) => (rt.clock ?? systemClock)();

const createdSchema = z.object({ id: z.string() });

export const createRecurringInvoiceRoute = defineRoute({
  id: 'createRecurringInvoice', method: 'post', path: '/tenants/:tenantId/recurring-invoices', tag: TAG, roles: FINANCE, status: 201,
  summary: 'Create a recurring invoice for a customer',
  description: 'The schedule is anchored on the start date (its day of the month, and its month for quarterly and annual invoices).',
  params: tenantParams,
  body: z.strictObject({
    customerId: uuid,
    name: z.string().trim().min(1).max(255),
    frequency: z.enum(['monthly', 'quarterly', 'annual']),
    startDate: date,
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO currency code such as USD'),
    taxRate: decimalText.default('0'),
  }),
  example: { customerId: '00000000-0000-4000-8000-000000000000', name: 'Monthly licences', frequency: 'monthly', startDate: '2026-12-01', currency: 'USD', taxRate: '0.2' },
  response: createdSchema,
  async handler({ rt, scope, body }) {
    return createRecurringInvoice(scope, body, now(rt));
  },
});

export const updateRecurringInvoiceRoute = defineRoute({
  id: 'updateRecurringInvoice', method: 'patch', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId', tag: TAG, roles: FINANCE,
  summary: 'Rename, pause, resume or end a recurring invoice',
  params: riParams,
  body: z.strictObject({ name: z.string().trim().min(1).max(255).optional(), status: z.enum(['active', 'paused', 'ended']).optional() }),
  example: { status: 'active' },
  response: okSchema,
  async handler({ rt, scope, params, body }) {
    await updateRecurringInvoice(scope, params.recurringInvoiceId, body, now(rt));
    return { ok: true as const };
  },
});

const lineBody = {
  description: z.string().trim().min(1).max(255),
  productId: uuid.nullable().optional(),
  timing: z.enum(['advance', 'arrears', 'usage']).default('advance'),
  priceMode: z.enum(['own', 'follow']).default('follow'),
  unitPrice: decimalText.nullable().optional().describe('required when priceMode is own'),
  prorata: z.enum(['none', 'from_change_date', 'increases_only']).default('from_change_date'),
  reviewRequired: z.boolean().default(false),
  costMode: z.enum(['own', 'follow']).optional().describe('follow (default for a line linked to a subscription): the unit cost is its Pax8 cost as of each period start; own: cost'),
  cost: decimalText.nullable().optional().describe('the own unit cost (default: the linked subscription\'s cost now)'),
};

export const addRecurringInvoiceLineRoute = defineRoute({
  id: 'addRecurringInvoiceLine', method: 'post', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId/lines', tag: TAG, roles: FINANCE,
  status: 201,
  summary: 'Add a line, optionally linked to a subscription (with free and minimum quantities)',
  params: riParams,
  body: z.strictObject({
    ...lineBody,
    subscriptionId: uuid.optional(),
    freeQuantity: decimalText.default('0'),
    minimumQuantity: decimalText.default('0'),
  }),
  example: { description: 'Onboarding support', priceMode: 'own', unitPrice: '25.00', prorata: 'none' },
  response: createdSchema,
  async handler({ rt, scope, params, body }) {
    return addRecurringInvoiceLine(scope, params.recurringInvoiceId, body, now(rt));
  },
});

export const updateRecurringInvoiceLineRoute = defineRoute({
  id: 'updateRecurringInvoiceLine', method: 'patch', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId/lines/:lineId', tag: TAG,
  roles: FINANCE,
  summary: 'Change a line: description, price, cost (follow or own), pro-rata option, review flag',
  params: lineParams,
  body: z.strictObject({
    description: lineBody.description.optional(), priceMode: z.enum(['own', 'follow']).optional(), unitPrice: decimalText.nullable().optional(),
    prorata: z.enum(['none', 'from_change_date', 'increases_only']).optional(), reviewRequired: z.boolean().optional(),
    costMode: lineBody.costMode, cost: lineBody.cost,
  }),
  example: { prorata: 'increases_only' },
  response: okSchema,
  async handler({ rt, scope, params, body }) {
    await updateRecurringInvoiceLine(scope, params.recurringInvoiceId, params.lineId, body, now(rt));
    return { ok: true as const };
  },
});

export const deleteRecurringInvoiceLineRoute = defineRoute({
  id: 'deleteRecurringInvoiceLine', method: 'delete', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId/lines/:lineId', tag: TAG,
  roles: FINANCE,
  summary: 'Remove a line and its links',
  params: lineParams,
  response: okSchema,
  async handler({ scope, params }) {
    await deleteRecurringInvoiceLine(scope, params.recurringInvoiceId, params.lineId);
    return { ok: true as const };
  },
});

export const linkSubscriptionRoute = defineRoute({
  id: 'linkSubscription', method: 'put', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId/lines/:lineId/links', tag: TAG,
  roles: FINANCE,
  summary: 'Link a subscription to a line, or change its free and minimum quantities',
  params: lineParams,
  body: z.strictObject({ subscriptionId: uuid, freeQuantity: decimalText.default('0'), minimumQuantity: decimalText.default('0') }),
  example: { subscriptionId: '00000000-0000-4000-8000-000000000000', freeQuantity: '1', minimumQuantity: '5' },
  response: okSchema,
  async handler({ rt, scope, params, body }) {
    await linkSubscription(scope, params.recurringInvoiceId, params.lineId, body, now(rt));
    return { ok: true as const };
  },
});

export const previewRecurringInvoiceRoute = defineRoute({
  id: 'previewRecurringInvoice', method: 'get', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId/preview', tag: TAG,
  roles: ['admin', 'finance', 'reviewer'],
  summary: 'Preview the next invoice (nothing is stored)',
  errors: { '409': 'the next invoice cannot be computed yet (for example a following line without a linked subscription)' },
  description: 'Computed by the invoices module for the next invoice date from the subscription history as recorded now, up to today '
    + '(tenant time) or the eve of the invoice date: changes the daily pass has not processed yet are included (`changes`, `processed: false`).',
  params: riParams,
  response: z.object({
    date: z.string(), periodStart: z.string(), periodEnd: z.string(), currency: z.string(), subtotal: z.string(), tax: z.string(), total: z.string(),
    review: z.array(z.string()),
    lines: z.array(z.object({ kind: z.string(), description: z.string(), from: z.string(), to: z.string(), quantity: z.string(), unitPrice: z.string(), amount: z.string() })),
    historyThrough: z.string().describe('the history is read up to this day'),
    dailyPassThrough: z.string().nullable().describe('the last day the daily pass processed'),
    changes: z.array(z.object({
      lineId: z.string(), line: z.string(), date: z.string(), quantityBefore: z.string(), quantityAfter: z.string(),
      processed: z.boolean().describe('false: recorded in the history, not yet processed by the daily pass (this preview includes it)'),
    })).describe('quantity changes of the lines after the start of the period this invoice bills adjustments and arrears for'),
    problems: z.array(z.string()),
  }),
  async handler({ rt, scope, params, tenant }) {
    const p = await previewRecurringInvoice(scope, tenant, params.recurringInvoiceId, tenantToday(tenant, rt.clock ?? systemClock));
    const inv = p.invoice;
    return {
      date: inv.date, periodStart: inv.periodStart, periodEnd: inv.periodEnd, currency: inv.currency, subtotal: inv.subtotal.toFixed(), tax: inv.tax.toFixed(),
      total: inv.total.toFixed(), review: inv.review,
      lines: inv.lines.map((l) => ({ kind: l.kind, description: l.description, from: l.from, to: l.to, quantity: l.quantity.toFixed(), unitPrice: l.unitPrice.toFixed(), amount: l.amount.toFixed() })),
      historyThrough: p.historyThrough, dailyPassThrough: p.dailyPassThrough, changes: p.changes, problems: p.problems,
    };
  },
});
