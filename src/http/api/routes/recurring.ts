import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import {
  Customer, Product, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription,
} from '../../../db/entities/index.js';
import { isCalendarDate } from '../../../billing/dates.js';
import { previewNextInvoice } from '../../../invoices/preview.js';
import { InvoiceError } from '../../../invoices/queries.js';
import { tenantToday } from '../../../common/tenant-date.js';
import { systemClock } from '../../../common/clock.js';
import type { TenantScope } from '../../../db/tenant-scope.js';
import { HttpError, notFound } from '../errors.js';
import { defineRoute, okSchema, tenantParams, uuid } from '../route.js';

/**
 * Editing recurring invoices: the rows the invoices module bills (src/invoices reads them; no billing
 * math here). Finance and admins only.
 */
const FINANCE = ['admin', 'finance'] as const;
const TAG = 'Recurring invoices';
const decimalText = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a non-negative decimal with at most 6 places');
const date = z.string().refine(isCalendarDate, 'a date YYYY-MM-DD');
const riParams = tenantParams.extend({ recurringInvoiceId: uuid });
const lineParams = riParams.extend({ lineId: uuid });

async function loadRi(scope: TenantScope, id: string): Promise<RecurringInvoice> {
  const ri = await scope.repo(RecurringInvoice).findOneBy({ id });
  if (!ri) throw notFound('recurring invoice not found');
  return ri;
}

async function loadLine(scope: TenantScope, ri: RecurringInvoice, lineId: string): Promise<RecurringInvoiceLine> {
  const line = await scope.repo(RecurringInvoiceLine).findOneBy({ id: lineId, recurringInvoiceId: ri.id });
  if (!line) throw notFound('line not found');
  return line;
}

/** A linked subscription must be the recurring invoice's customer's, in this tenant. */
async function checkSubscription(scope: TenantScope, ri: RecurringInvoice, subscriptionId: string): Promise<Subscription> {
  const s = await scope.repo(Subscription).findOneBy({ id: subscriptionId });
  if (!s) throw new HttpError(400, 'validation_failed', 'no such subscription', [{ path: 'body.subscriptionId', message: 'no such subscription in this tenant' }]);
  if (s.customerId !== ri.customerId) {
    throw new HttpError(400, 'validation_failed', 'the subscription belongs to another customer', [{ path: 'body.subscriptionId', message: 'belongs to another customer' }]);
  }
  return s;
}

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
  async handler({ scope, body }) {
    if (!(await scope.repo(Customer).findOneBy({ id: body.customerId }))) {
      throw new HttpError(400, 'validation_failed', 'no such customer', [{ path: 'body.customerId', message: 'no such customer in this tenant' }]);
    }
    const tax = new Decimal(body.taxRate);
    if (tax.gt(1)) throw new HttpError(400, 'validation_failed', 'taxRate is a fraction (0.2 for 20 %)', [{ path: 'body.taxRate', message: 'at most 1 (0.2 for 20 %)' }]);
    const now = new Date();
    const id = randomUUID();
    await scope.repo(RecurringInvoice).insert([{
      id, customerId: body.customerId, name: body.name, frequency: body.frequency, anchorDay: Number(body.startDate.slice(8, 10)),
      anchorMonth: Number(body.startDate.slice(5, 7)), startDate: body.startDate, currency: body.currency, taxRate: tax, status: 'active',
      nextInvoiceDate: body.startDate, createdAt: now, updatedAt: now,
    }]);
    return { id };
  },
});

export const updateRecurringInvoiceRoute = defineRoute({
  id: 'updateRecurringInvoice', method: 'patch', path: '/tenants/:tenantId/recurring-invoices/:recurringInvoiceId', tag: TAG, roles: FINANCE,
  summary: 'Rename, pause, resume or end a recurring invoice',
  params: riParams,
  body: z.strictObject({ name: z.string().trim().min(1).max(255).optional(), status: z.enum(['active', 'paused', 'ended']).optional() }),
  example: { status: 'active' },
  response: okSchema,
  async handler({ scope, params, body }) {
    const ri = await loadRi(scope, params.recurringInvoiceId);
    await scope.repo(RecurringInvoice).update({ id: ri.id }, { ...body, updatedAt: new Date() });
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
  async handler({ scope, params, body }) {
    const ri = await loadRi(scope, params.recurringInvoiceId);
    if (body.priceMode === 'own' && !body.unitPrice) {
      throw new HttpError(400, 'validation_failed', 'an own price needs unitPrice', [{ path: 'body.unitPrice', message: 'required when priceMode is own' }]);
    }
    if (body.productId && !(await scope.repo(Product).findOneBy({ id: body.productId }))) {
      throw new HttpError(400, 'validation_failed', 'no such product', [{ path: 'body.productId', message: 'no such product in this tenant' }]);
    }
    const sub = body.subscriptionId ? await checkSubscription(scope, ri, body.subscriptionId) : null;
    const usage = body.timing === 'usage';
    if (usage && (!sub || sub.kind !== 'usage_summary')) {
      throw new HttpError(400, 'validation_failed', 'a usage line links a usage summary subscription', [{ path: 'body.subscriptionId', message: 'link a usage summary' }]);
    }
    return scope.transaction(async (tx) => {
      const last = await tx.repo(RecurringInvoiceLine).find({ where: { recurringInvoiceId: ri.id }, order: { position: 'DESC' }, take: 1 });
      const now = new Date();
      const id = randomUUID();
      await tx.repo(RecurringInvoiceLine).insert([{
        id, recurringInvoiceId: ri.id, position: last.length ? last[0]!.position + 1 : 0, description: body.description, productId: body.productId ?? sub?.productId ?? null,
        timing: body.timing, priceMode: body.priceMode, unitPrice: body.priceMode === 'own' ? new Decimal(body.unitPrice!) : null,
        costMode: body.costMode ?? (sub && !usage ? 'follow' : 'own'), cost: body.cost ? new Decimal(body.cost) : sub?.cost ?? null,
        prorata: usage ? 'none' : body.prorata, reviewRequired: body.reviewRequired, usageSummaryId: usage ? sub!.usageSummaryId : null,
        currentQuantity: new Decimal(0), quantityDate: null, createdAt: now, updatedAt: now,
      }]);
      if (sub) {
        await tx.repo(RecurringInvoiceLink).insert([{
          id: randomUUID(), recurringInvoiceId: ri.id, lineId: id, subscriptionId: sub.id, position: 0, freeQuantity: new Decimal(body.freeQuantity),
          minimumQuantity: new Decimal(body.minimumQuantity), createdAt: now, updatedAt: now,
        }]);
      }
      return { id };
    });
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
  async handler({ scope, params, body }) {
    const ri = await loadRi(scope, params.recurringInvoiceId);
    const line = await loadLine(scope, ri, params.lineId);
    const priceMode = body.priceMode ?? line.priceMode;
    const unitPrice = body.unitPrice === undefined ? line.unitPrice : body.unitPrice === null ? null : new Decimal(body.unitPrice);
    if (priceMode === 'own' && unitPrice === null) {
      throw new HttpError(400, 'validation_failed', 'an own price needs unitPrice', [{ path: 'body.unitPrice', message: 'required when priceMode is own' }]);
    }
    await scope.repo(RecurringInvoiceLine).update({ id: line.id }, {
      ...(body.description !== undefined ? { description: body.description } : {}), priceMode, unitPrice: priceMode === 'own' ? unitPrice : null,
      ...(body.prorata !== undefined && line.timing !== 'usage' ? { prorata: body.prorata } : {}),
      ...(body.reviewRequired !== undefined ? { reviewRequired: body.reviewRequired } : {}),
      ...(body.costMode !== undefined ? { costMode: body.costMode } : {}),
      ...(body.cost !== undefined ? { cost: body.cost === null ? null : new Decimal(body.cost) } : {}), updatedAt: new Date(),
    });
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
    const ri = await loadRi(scope, params.recurringInvoiceId);
    const line = await loadLine(scope, ri, params.lineId);
    await scope.transaction(async (tx) => {
      await tx.repo(RecurringInvoiceLink).delete({ lineId: line.id });
      await tx.repo(RecurringInvoiceLine).delete({ id: line.id });
    });
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
  async handler({ scope, params, body }) {
    const ri = await loadRi(scope, params.recurringInvoiceId);
    const line = await loadLine(scope, ri, params.lineId);
    const sub = await checkSubscription(scope, ri, body.subscriptionId);
    const links = scope.repo(RecurringInvoiceLink);
    const existing = await links.findOneBy({ lineId: line.id, subscriptionId: sub.id });
    const now = new Date();
    if (existing) {
      await links.update({ id: existing.id }, { freeQuantity: new Decimal(body.freeQuantity), minimumQuantity: new Decimal(body.minimumQuantity), updatedAt: now });
    } else {
      const elsewhere = await links.findOneBy({ subscriptionId: sub.id });
      if (elsewhere) throw new HttpError(409, 'conflict', 'the subscription is already linked to another recurring-invoice line');
      const count = await links.count({ where: { lineId: line.id } });
      await links.insert([{
        id: randomUUID(), recurringInvoiceId: ri.id, lineId: line.id, subscriptionId: sub.id, position: count,
        freeQuantity: new Decimal(body.freeQuantity), minimumQuantity: new Decimal(body.minimumQuantity), createdAt: now, updatedAt: now,
      }]);
    }
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
    const ri = await loadRi(scope, params.recurringInvoiceId);
    let p;
    try {
      p = await previewNextInvoice(scope, tenant, ri.id, tenantToday(tenant, rt.clock ?? systemClock));
    } catch (err) {
      if (err instanceof InvoiceError) throw notFound('recurring invoice not found');
      throw new HttpError(409, 'cannot_preview', `the next invoice cannot be computed yet: ${(err as Error).message}`);
    }
    const inv = p.invoice;
    return {
      date: inv.date, periodStart: inv.periodStart, periodEnd: inv.periodEnd, currency: inv.currency, subtotal: inv.subtotal.toFixed(), tax: inv.tax.toFixed(),
      total: inv.total.toFixed(), review: inv.review,
      lines: inv.lines.map((l) => ({ kind: l.kind, description: l.description, from: l.from, to: l.to, quantity: l.quantity.toFixed(), unitPrice: l.unitPrice.toFixed(), amount: l.amount.toFixed() })),
      historyThrough: p.historyThrough, dailyPassThrough: p.dailyPassThrough, changes: p.changes, problems: p.problems,
    };
  },
});
