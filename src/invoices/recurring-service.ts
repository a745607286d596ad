import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { AppError, fieldError } from '../common/app-error.js';
import { whereContains } from '../common/like.js';
import {
  Customer, Product, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, type Tenant,
} from '../db/entities/index.js';
import type {
  RecurringFrequency, RecurringInvoiceStatus, RecurringLineCostMode, RecurringLinePriceMode, RecurringLineProrata, RecurringLineTiming,
} from '../db/entities/recurring-invoice.js';
import { inChunks } from '../db/in-chunks.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { CalendarDate } from '../billing/dates.js';
import { previewNextInvoice, type InvoicePreview } from './preview.js';
import { InvoiceError } from './queries.js';

/**
 * Recurring invoices as finance edits them: create, rename/pause/end, add, change and remove lines, link
 * subscriptions, preview the next invoice. The API's routes and the automatic lines (auto-lines.ts, which the
 * import and the reconcile fixes call) go through here; the billing math stays in src/billing and the loader.
 * Inputs are plain values (decimals as text already checked for shape by the caller); the tenant scope and `now`
 * come from the caller.
 */

/** not_found: the recurring invoice or line; invalid: a field at fault (named as the API's body field); conflict. */
export class RecurringInvoiceError extends AppError {
  override name = 'RecurringInvoiceError';
  constructor(override readonly code: 'not_found' | 'invalid' | 'conflict' | 'cannot_preview', message: string, field?: { path: string; message: string }) {
    super(code === 'cannot_preview' ? 'conflict' : code, message, { code, fields: field ? fieldError(field.path, field.message) : undefined });
  }
}

const invalid = (message: string, path: string, fieldMessage: string) => new RecurringInvoiceError('invalid', message, { path, message: fieldMessage });

// --- reading ----------------------------------------------------------------------------------

export interface RecurringInvoiceFilter {
  customerId?: string;
  status?: RecurringInvoiceStatus;
  /** Name or customer name contains (literally). */
  q?: string;
  /** A client's own customer: only its recurring invoices. */
  onlyCustomerId?: string | null;
}

export function listRecurringInvoices(scope: TenantScope, filter: RecurringInvoiceFilter, page: PageRequest): Promise<Paged<RecurringInvoice>> {
  const qb = scope.repo(RecurringInvoice).query('r');
  if (filter.q) qb.leftJoin(Customer, 'c', 'c.tenantId = r.tenantId AND c.id = r.customerId');
  whereContains(qb, ['r.name', 'c.name'], filter.q);
  if (filter.customerId) qb.andWhere('r.customerId = :cid', { cid: filter.customerId });
  if (filter.status) qb.andWhere('r.status = :st', { st: filter.status });
  if (filter.onlyCustomerId) qb.andWhere('r.customerId = :own', { own: filter.onlyCustomerId });
  return pageQuery(qb, 'r', page);
}

export interface RecurringInvoiceSummary {
  invoice: RecurringInvoice;
  /** The customer's name (null when the customer is gone). */
  customerName: string | null;
  lineCount: number;
}

/** Every recurring invoice of the tenant, oldest first, with its customer's name and its number of lines. */
export async function recurringInvoiceSummaries(scope: TenantScope): Promise<RecurringInvoiceSummary[]> {
  const invoices = await scope.repo(RecurringInvoice).find({ order: { createdAt: 'ASC' } });
  const customers = await inChunks(invoices.map((r) => r.customerId), (ids) => scope.repo(Customer).query('c')
    .select('c.id', 'id').addSelect('c.name', 'name').andWhere('c.id IN (:...ids)', { ids }).getRawMany<{ id: string; name: string }>());
  const counts: Array<{ id: string; n: unknown }> = await scope.repo(RecurringInvoiceLine).query('l')
    .select('l.recurringInvoiceId', 'id').addSelect('COUNT(*)', 'n').groupBy('l.recurringInvoiceId').getRawMany();
  const names = new Map(customers.map((c) => [String(c.id), String(c.name)]));
  const lineCounts = new Map(counts.map((c) => [String(c.id), Number(c.n)]));
  return invoices.map((invoice) => ({ invoice, customerName: names.get(invoice.customerId) ?? null, lineCount: lineCounts.get(invoice.id) ?? 0 }));
}

export async function loadRecurringInvoice(scope: TenantScope, id: string, onlyCustomerId: string | null = null): Promise<RecurringInvoice> {
  const ri = await scope.repo(RecurringInvoice).findOneBy({ id });
  if (!ri || (onlyCustomerId && ri.customerId !== onlyCustomerId)) throw new RecurringInvoiceError('not_found', 'recurring invoice not found');
  return ri;
}

export interface RecurringInvoiceDetail {
  invoice: RecurringInvoice;
  lines: Array<RecurringInvoiceLine & { links: RecurringInvoiceLink[] }>;
}

/** One recurring invoice with its lines (by position) and each line's subscription links. */
export async function recurringInvoiceDetail(scope: TenantScope, id: string, onlyCustomerId: string | null = null): Promise<RecurringInvoiceDetail> {
  const invoice = await loadRecurringInvoice(scope, id, onlyCustomerId);
  const lines = await scope.repo(RecurringInvoiceLine).find({ where: { recurringInvoiceId: invoice.id }, order: { position: 'ASC' } });
  const links = await scope.repo(RecurringInvoiceLink).find({ where: { recurringInvoiceId: invoice.id }, order: { position: 'ASC' } });
  return { invoice, lines: lines.map((l) => Object.assign(l, { links: links.filter((k) => k.lineId === l.id) })) };
}

async function loadLine(scope: TenantScope, ri: RecurringInvoice, lineId: string): Promise<RecurringInvoiceLine> {
  const line = await scope.repo(RecurringInvoiceLine).findOneBy({ id: lineId, recurringInvoiceId: ri.id });
  if (!line) throw new RecurringInvoiceError('not_found', 'line not found');
  return line;
}

/** A linked subscription must be the recurring invoice's customer's, in this tenant. */
async function checkSubscription(scope: TenantScope, ri: RecurringInvoice, subscriptionId: string): Promise<Subscription> {
  const s = await scope.repo(Subscription).findOneBy({ id: subscriptionId });
  if (!s) throw invalid('no such subscription', 'body.subscriptionId', 'no such subscription in this tenant');
  if (s.customerId !== ri.customerId) throw invalid('the subscription belongs to another customer', 'body.subscriptionId', 'belongs to another customer');
  return s;
}

// --- recurring invoices -----------------------------------------------------------------------

export interface NewRecurringInvoice {
  customerId: string;
  name: string;
  frequency: RecurringFrequency;
  /** YYYY-MM-DD: anchors the schedule (its day of the month, and its month for quarterly and annual invoices). */
  startDate: CalendarDate;
  currency: string;
  /** A fraction (0.2 for 20 %), at most 1. */
  taxRate: string;
}

export async function createRecurringInvoice(scope: TenantScope, input: NewRecurringInvoice, now: Date): Promise<{ id: string }> {
  if (!(await scope.repo(Customer).findOneBy({ id: input.customerId }))) {
    throw invalid('no such customer', 'body.customerId', 'no such customer in this tenant');
  }
  const tax = new Decimal(input.taxRate);
  if (tax.gt(1)) throw invalid('taxRate is a fraction (0.2 for 20 %)', 'body.taxRate', 'at most 1 (0.2 for 20 %)');
  const id = randomUUID();
  await scope.repo(RecurringInvoice).insert([{
    id, customerId: input.customerId, name: input.name, frequency: input.frequency, anchorDay: Number(input.startDate.slice(8, 10)),
    anchorMonth: Number(input.startDate.slice(5, 7)), startDate: input.startDate, currency: input.currency, taxRate: tax, status: 'active',
    nextInvoiceDate: input.startDate, createdAt: now, updatedAt: now,
  }]);
  return { id };
}

export async function updateRecurringInvoice(
  scope: TenantScope, id: string, patch: { name?: string; status?: RecurringInvoiceStatus }, now: Date,
): Promise<void> {
  const ri = await loadRecurringInvoice(scope, id);
  await scope.repo(RecurringInvoice).update({ id: ri.id }, {
    ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.status !== undefined ? { status: patch.status } : {}), updatedAt: now,
  });
}

// --- lines ------------------------------------------------------------------------------------

/** What a new line is, fully decided (the insert below writes it as given). */
export interface LineSpec {
  description: string;
  productId: string | null;
  timing: RecurringLineTiming;
  priceMode: RecurringLinePriceMode;
  unitPrice: Decimal | null;
  costMode: RecurringLineCostMode;
  cost: Decimal | null;
  prorata: RecurringLineProrata;
  reviewRequired: boolean;
  usageSummaryId: string | null;
}

/**
 * Inserts a line after the recurring invoice's last one, linked (as its primary link) to `link.subscriptionId` when
 * given. The one insert of lines: the API's add-line and the automatic lines both come here. Run it in a transaction
 * when the caller is not in one already.
 */
export async function insertLine(
  scope: TenantScope, ri: Pick<RecurringInvoice, 'id'>, spec: LineSpec, link: { subscriptionId: string; freeQuantity: Decimal; minimumQuantity: Decimal } | null, now: Date,
): Promise<string> {
  const lines = scope.repo(RecurringInvoiceLine);
  const last = await lines.find({ where: { recurringInvoiceId: ri.id }, order: { position: 'DESC' }, take: 1 });
  const id = randomUUID();
  await lines.insert([{
    id, recurringInvoiceId: ri.id, position: last.length ? last[0]!.position + 1 : 0, ...spec,
    currentQuantity: new Decimal(0), quantityDate: null, createdAt: now, updatedAt: now,
  }]);
  if (link) {
    await scope.repo(RecurringInvoiceLink).insert([{
      id: randomUUID(), recurringInvoiceId: ri.id, lineId: id, subscriptionId: link.subscriptionId, position: 0,
      freeQuantity: link.freeQuantity, minimumQuantity: link.minimumQuantity, createdAt: now, updatedAt: now,
    }]);
  }
  return id;
}

export interface NewLine {
  description: string;
  productId?: string | null;
  timing: RecurringLineTiming;
  priceMode: RecurringLinePriceMode;
  /** Required when priceMode is own. */
  unitPrice?: string | null;
  prorata: RecurringLineProrata;
  reviewRequired: boolean;
  /** Default: follow for a line linked to a (non-usage) subscription, else own. */
  costMode?: RecurringLineCostMode;
  /** The own unit cost (default: the linked subscription's cost now). */
  cost?: string | null;
  subscriptionId?: string;
  freeQuantity: string;
  minimumQuantity: string;
}

export async function addRecurringInvoiceLine(scope: TenantScope, recurringInvoiceId: string, input: NewLine, now: Date): Promise<{ id: string }> {
  const ri = await loadRecurringInvoice(scope, recurringInvoiceId);
  if (input.priceMode === 'own' && !input.unitPrice) throw invalid('an own price needs unitPrice', 'body.unitPrice', 'required when priceMode is own');
  if (input.productId && !(await scope.repo(Product).findOneBy({ id: input.productId }))) {
    throw invalid('no such product', 'body.productId', 'no such product in this tenant');
  }
  const sub = input.subscriptionId ? await checkSubscription(scope, ri, input.subscriptionId) : null;
  const usage = input.timing === 'usage';
  if (usage && (!sub || sub.kind !== 'usage_summary')) {
    throw invalid('a usage line links a usage summary subscription', 'body.subscriptionId', 'link a usage summary');
  }
  const spec: LineSpec = {
    description: input.description, productId: input.productId ?? sub?.productId ?? null, timing: input.timing, priceMode: input.priceMode,
    unitPrice: input.priceMode === 'own' ? new Decimal(input.unitPrice!) : null,
    costMode: input.costMode ?? (sub && !usage ? 'follow' : 'own'), cost: input.cost ? new Decimal(input.cost) : sub?.cost ?? null,
    prorata: usage ? 'none' : input.prorata, reviewRequired: input.reviewRequired, usageSummaryId: usage ? sub!.usageSummaryId : null,
  };
  const link = sub ? { subscriptionId: sub.id, freeQuantity: new Decimal(input.freeQuantity), minimumQuantity: new Decimal(input.minimumQuantity) } : null;
  const id = await scope.transaction((tx) => insertLine(tx, ri, spec, link, now));
  return { id };
}

export interface LineChange {
  description?: string;
  priceMode?: RecurringLinePriceMode;
  /** null: no own price (only with priceMode follow). */
  unitPrice?: string | null;
  /** Ignored on usage lines (they never pro-rate). */
  prorata?: RecurringLineProrata;
  reviewRequired?: boolean;
  costMode?: RecurringLineCostMode;
  cost?: string | null;
}

export async function updateRecurringInvoiceLine(scope: TenantScope, recurringInvoiceId: string, lineId: string, input: LineChange, now: Date): Promise<void> {
  const ri = await loadRecurringInvoice(scope, recurringInvoiceId);
  const line = await loadLine(scope, ri, lineId);
  const priceMode = input.priceMode ?? line.priceMode;
  const unitPrice = input.unitPrice === undefined ? line.unitPrice : input.unitPrice === null ? null : new Decimal(input.unitPrice);
  if (priceMode === 'own' && unitPrice === null) throw invalid('an own price needs unitPrice', 'body.unitPrice', 'required when priceMode is own');
  await scope.repo(RecurringInvoiceLine).update({ id: line.id }, {
    ...(input.description !== undefined ? { description: input.description } : {}), priceMode, unitPrice: priceMode === 'own' ? unitPrice : null,
    ...(input.prorata !== undefined && line.timing !== 'usage' ? { prorata: input.prorata } : {}),
    ...(input.reviewRequired !== undefined ? { reviewRequired: input.reviewRequired } : {}),
    ...(input.costMode !== undefined ? { costMode: input.costMode } : {}),
    ...(input.cost !== undefined ? { cost: input.cost === null ? null : new Decimal(input.cost) } : {}), updatedAt: now,
  });
}

/** Removes a line and its subscription links. */
export async function deleteRecurringInvoiceLine(scope: TenantScope, recurringInvoiceId: string, lineId: string): Promise<void> {
  const ri = await loadRecurringInvoice(scope, recurringInvoiceId);
  const line = await loadLine(scope, ri, lineId);
  await scope.transaction(async (tx) => {
    await tx.repo(RecurringInvoiceLink).delete({ lineId: line.id });
    await tx.repo(RecurringInvoiceLine).delete({ id: line.id });
  });
}

/**
 * Links a subscription (the recurring invoice's customer's) to a line, or changes the free and minimum quantities
 * of its link; a subscription is linked to one line at most (conflict).
 */
export async function linkSubscription(
  scope: TenantScope, recurringInvoiceId: string, lineId: string, input: { subscriptionId: string; freeQuantity: string; minimumQuantity: string }, now: Date,
): Promise<void> {
  const ri = await loadRecurringInvoice(scope, recurringInvoiceId);
  const line = await loadLine(scope, ri, lineId);
  const sub = await checkSubscription(scope, ri, input.subscriptionId);
  const links = scope.repo(RecurringInvoiceLink);
  const freeQuantity = new Decimal(input.freeQuantity);
  const minimumQuantity = new Decimal(input.minimumQuantity);
  const existing = await links.findOneBy({ lineId: line.id, subscriptionId: sub.id });
  if (existing) {
    await links.update({ id: existing.id }, { freeQuantity, minimumQuantity, updatedAt: now });
    return;
  }
  if (await links.findOneBy({ subscriptionId: sub.id })) {
    throw new RecurringInvoiceError('conflict', 'the subscription is already linked to another recurring-invoice line');
  }
  const count = await links.count({ where: { lineId: line.id } });
  await links.insert([{
    id: randomUUID(), recurringInvoiceId: ri.id, lineId: line.id, subscriptionId: sub.id, position: count, freeQuantity, minimumQuantity,
    createdAt: now, updatedAt: now,
  }]);
}

// --- preview ----------------------------------------------------------------------------------

/**
 * The next invoice from the history as recorded up to `today` (the tenant's today): not_found for an unknown
 * recurring invoice, cannot_preview (a conflict) when it cannot be computed yet, e.g. a following line without a
 * linked subscription.
 */
export async function previewRecurringInvoice(scope: TenantScope, tenant: Tenant, recurringInvoiceId: string, today: CalendarDate): Promise<InvoicePreview> {
  const ri = await loadRecurringInvoice(scope, recurringInvoiceId);
  try {
    return await previewNextInvoice(scope, tenant, ri.id, today);
  } catch (err) {
    if (err instanceof InvoiceError) throw new RecurringInvoiceError('not_found', 'recurring invoice not found');
    throw new RecurringInvoiceError('cannot_preview', `the next invoice cannot be computed yet: ${(err as Error).message}`);
  }
}
