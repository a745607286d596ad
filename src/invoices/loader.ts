import { In, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { Decimal } from 'decimal.js';
import { Dec, dec } from '../billing/decimal.js';
import { historyOf, type SubscriptionChange as EngineChange, type SubscriptionHistory } from '../billing/history.js';
import type { BillingContext, LineSpec, UsageSnapshot } from '../billing/model.js';
import type { Schedule } from '../billing/periods.js';
import {
  RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, SubscriptionChange, UsageMonthlyCharge, UsageReview,
} from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { parsedOnce } from '../common/parsed-once.js';
import { inChunks } from '../db/in-chunks.js';
import { resolveLineTax, type LineTaxRule } from '../billing/tax.js';
import { customersTaxCodeIds, loadTaxSettings, productGroupsOf } from '../tax/service.js';

/** A recurring invoice with its rows and the engine context built from them. */
export interface LoadedRecurringInvoice {
  ri: RecurringInvoice;
  /** In position order; line ids are the engine's line ids. */
  lines: RecurringInvoiceLine[];
  links: Map<string, RecurringInvoiceLink[]>;
  ctx: BillingContext;
  /** Each line's tax (rate, code, kind): the customer's exemption or reverse charge, its product group's code, or the recurring invoice's rate. */
  tax: Map<string, LineTaxRule>;
}

export function scheduleOf(ri: RecurringInvoice): Schedule {
  return { frequency: ri.frequency, anchorDay: ri.anchorDay, anchorMonth: ri.anchorMonth };
}

function toDec(value: Decimal): Decimal {
  return value instanceof Dec ? value : dec(String(value));
}

/**
 * A full-state subscription_changes row as an engine change. `active` is what billing uses (it may be an
 * admin's override of the Pax8 status), so an inactive row is never read as 'Active'.
 */
export function engineChange(row: ChangeRow): EngineChange {
  const status = row.active ? 'Active' : row.status === 'Active' ? 'Inactive' : row.status;
  const change: EngineChange = { date: row.effectiveDate, quantity: decOf(row.quantity), status };
  if (row.price !== null) change.price = decOf(row.price);
  if (row.cost !== null && row.cost !== undefined) change.cost = decOf(row.cost);
  return change;
}

/** The fields of a subscription_changes row billing reads. */
export type ChangeRow = Pick<SubscriptionChange, 'subscriptionId' | 'effectiveDate' | 'status' | 'active'> & {
  quantity: Decimal | string;
  price: Decimal | string | null;
  cost?: Decimal | string | null;
};

type Raw = Record<string, unknown>;

function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function textOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : text(v);
}

/**
 * Plain column reads (no entity hydration, which dominates at 100k rows), optionally restricted to `column IN ids`
 * in chunks, in no particular order (callers group and order what they need).
 *
 * Why no ORDER BY, and why the unary plus: without statistics SQLite assumes `tenantId = ?` selects a handful of
 * rows, so for a chunked `IN` it would walk the whole tenant through a tenant-prefixed index (to save a sort, or
 * instead of 500 primary-key seeks) — once per chunk, quadratic in the tenant's size. Without ORDER BY the
 * (tenantId, column) index is the only good plan; a primary-key filter goes through TenantRepository.queryByPrimaryKey,
 * which takes the tenant term out of index selection, so the primary key is used.
 */
async function rawRows(
  scope: TenantScope,
  entity: EntityTarget<ObjectLiteral & { tenantId: string }>,
  columns: readonly string[],
  filter?: { column: string; ids: readonly string[] },
  extend?: (qb: SelectQueryBuilder<ObjectLiteral>) => void,
): Promise<Raw[]> {
  const build = (byPrimaryKey: boolean) => {
    const qb = byPrimaryKey
      ? scope.repo(entity).queryByPrimaryKey('x')
      : scope.repo(entity).query('x');
    qb.select(`x.${columns[0]!}`, columns[0]!);
    for (const c of columns.slice(1)) qb.addSelect(`x.${c}`, c);
    extend?.(qb as SelectQueryBuilder<ObjectLiteral>);
    return qb;
  };
  if (!filter) return build(false).getRawMany<Raw>();
  return inChunks(filter.ids, (chunk) => build(filter.column === 'id').andWhere(`x.${filter.column} IN (:...ids)`, { ids: chunk }).getRawMany<Raw>());
}

/** Orders raw values of one column: strings and numbers as such, dates (MariaDB) by time. */
function compareRaw(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : (a as string | number);
  const y = b instanceof Date ? b.getTime() : (b as string | number);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A decimal column's raw value as the engine's Decimal. The same few values recur across a tenant's rows (quantities,
 * prices, zero), so each text is parsed once and the rows share its Decimal (immutable).
 */
function decOf(v: unknown): Decimal {
  return parsedDecimal(text(v));
}

const parsedDecimal = parsedOnce((t: string) => dec(t), 4096);

function lineSpec(line: RecurringInvoiceLine, links: readonly RecurringInvoiceLink[], tax: LineTaxRule): LineSpec {
  const own = tax.source === 'recurring invoice' ? {} : { taxRate: tax.rate };
  if (line.timing === 'usage') {
    return { id: line.id, description: line.description, timing: 'usage', usageSummary: line.usageSummaryId ?? `none:${line.id}`, ...own };
  }
  return {
    id: line.id,
    ...own,
    description: line.description,
    timing: line.timing,
    prorata: line.prorata,
    price: line.priceMode === 'follow' || line.unitPrice === null ? 'follow' : toDec(line.unitPrice),
    links: links.map((l) => ({ subscription: l.subscriptionId, free: toDec(l.freeQuantity), minimum: toDec(l.minimumQuantity) })),
  };
}

export interface LoadOptions {
  /** Only these recurring invoices; all of the tenant's otherwise. */
  ids?: readonly string[];
  /** Only recurring invoices in these statuses (default: active). */
  statuses?: readonly string[];
  /** Only recurring invoices with nextInvoiceDate on or before this date. */
  dueBy?: string;
  /** Of the recurring invoices read, only those this keeps are loaded further (the daily pass's quiet-day skip). */
  keep?: (ri: RecurringInvoice) => boolean;
}

/** The tenant's recurring invoices with these ids and statuses, by primary key (see rawRows for the unary plus). */
export function recurringInvoicesByIds(scope: TenantScope, ids: readonly string[], statuses: readonly string[]): Promise<RecurringInvoice[]> {
  return inChunks(ids, (chunk) => scope.manager.createQueryBuilder(RecurringInvoice, 'ri')
    .where('+ri.tenantId = :tenantId', { tenantId: scope.tenantId })
    .andWhere('ri.status IN (:...statuses)', { statuses })
    .andWhere('ri.id IN (:...ids)', { ids: chunk })
    .getMany());
}

/**
 * A month's usage snapshot: its imported charges, or what a reviewer adjusted them to (src/usage-review) while the
 * decision was made on the charges imported now (a later import of other charges undoes it: it needs a new look).
 */
function usageSnapshot(u: UsageMonthlyCharge, r: UsageReview | undefined): UsageSnapshot {
  const charges = toDec(u.charges);
  const base = { usageSummary: u.usageSummaryId, month: u.month, charges };
  if (!r || !toDec(r.importedCharges).eq(charges)) return base;
  const review = { decision: r.decision, importedCharges: charges.toString(), note: r.note, by: r.decidedByEmail };
  return r.decision === 'adjusted' && r.adjustedCharges ? { ...base, charges: toDec(r.adjustedCharges), review } : { ...base, review };
}

/** Reads recurring invoices, their lines and links, the linked subscriptions' histories and usage snapshots. */
export async function loadRecurringInvoices(scope: TenantScope, opts: LoadOptions = {}): Promise<LoadedRecurringInvoice[]> {
  const statuses = [...(opts.statuses ?? ['active'])];
  const riQuery = scope.repo(RecurringInvoice).query('ri').andWhere('ri.status IN (:...statuses)', { statuses });
  if (opts.dueBy !== undefined) riQuery.andWhere('ri.nextInvoiceDate <= :dueBy', { dueBy: opts.dueBy });
  if (opts.ids !== undefined && opts.ids.length === 0) return [];
  let ris: RecurringInvoice[];
  if (opts.ids !== undefined) {
    ris = await recurringInvoicesByIds(scope, opts.ids, statuses);
    if (opts.dueBy !== undefined) ris = ris.filter((r) => r.nextInvoiceDate <= opts.dueBy!);
  } else {
    ris = await riQuery.getMany();
  }
  const read = ris.length;
  if (opts.keep) ris = ris.filter(opts.keep);
  if (ris.length === 0) return [];
  const all = opts.ids === undefined && opts.dueBy === undefined && statuses.length === 1 && ris.length === read;
  const riIds = ris.map((r) => r.id);

  const lineRows = await rawRows(scope, RecurringInvoiceLine, [
    'id', 'recurringInvoiceId', 'position', 'description', 'productId', 'timing', 'priceMode', 'unitPrice', 'costMode', 'cost', 'prorata',
    'reviewRequired', 'usageSummaryId', 'currentQuantity', 'quantityDate',
  ], all ? undefined : { column: 'recurringInvoiceId', ids: riIds });
  const lines = lineRows.map((r) => Object.assign(new RecurringInvoiceLine(), {
    id: text(r.id), tenantId: scope.tenantId, recurringInvoiceId: text(r.recurringInvoiceId), position: r.position as number,
    description: text(r.description), productId: textOrNull(r.productId), timing: text(r.timing) as RecurringInvoiceLine['timing'],
    priceMode: text(r.priceMode) as RecurringInvoiceLine['priceMode'], unitPrice: r.unitPrice === null ? null : decOf(r.unitPrice),
    costMode: text(r.costMode) as RecurringInvoiceLine['costMode'], cost: r.cost === null ? null : decOf(r.cost), prorata: text(r.prorata) as RecurringInvoiceLine['prorata'],
    reviewRequired: bool(r.reviewRequired), usageSummaryId: textOrNull(r.usageSummaryId), currentQuantity: decOf(r.currentQuantity),
    quantityDate: textOrNull(r.quantityDate),
  }));
  // Each link with its subscription's currency (joined on the primary key): one read instead of a second pass by id.
  const linkRows = await rawRows(scope, RecurringInvoiceLink, ['id', 'recurringInvoiceId', 'lineId', 'subscriptionId', 'position', 'freeQuantity', 'minimumQuantity'],
    all ? undefined : { column: 'recurringInvoiceId', ids: riIds },
    (qb) => qb.leftJoin(Subscription, 's', 's.id = x.subscriptionId AND s.tenantId = x.tenantId').addSelect('s.currency', 'subscriptionCurrency'));
  const links = linkRows.map((r) => Object.assign(new RecurringInvoiceLink(), {
    id: text(r.id), tenantId: scope.tenantId, recurringInvoiceId: text(r.recurringInvoiceId), lineId: text(r.lineId),
    subscriptionId: text(r.subscriptionId), position: r.position as number, freeQuantity: decOf(r.freeQuantity),
    minimumQuantity: decOf(r.minimumQuantity),
  }));
  const currencyOf = new Map(linkRows.map((r) => [text(r.subscriptionId), textOrNull(r.subscriptionCurrency)]));
  const subscriptionIds = [...currencyOf.keys()];
  const changeRows = await rawRows(scope, SubscriptionChange, ['subscriptionId', 'effectiveDate', 'quantity', 'status', 'active', 'price', 'cost', 'observedAt', 'createdAt', 'id'],
    all ? undefined : { column: 'subscriptionId', ids: subscriptionIds });
  const summaryIds = [...new Set(lines.flatMap((l) => (l.usageSummaryId ? [l.usageSummaryId] : [])))];
  const usage = await inChunks(summaryIds, (chunk) => scope.repo(UsageMonthlyCharge).findBy({ usageSummaryId: In(chunk) }));
  const reviews = new Map((await inChunks(summaryIds, (chunk) => scope.repo(UsageReview).findBy({ usageSummaryId: In(chunk) })))
    .map((r) => [`${r.usageSummaryId}|${r.month}`, r]));

  const rowsBySub = new Map<string, Raw[]>();
  for (const r of changeRows) {
    const id = text(r.subscriptionId);
    const list = rowsBySub.get(id);
    if (list) list.push(r);
    else rowsBySub.set(id, [r]);
  }
  // Per subscription by date; same-date rows in the order they were observed, so the last one gives that date's state.
  const changesBySub = new Map<string, ChangeRow[]>();
  for (const [id, list] of rowsBySub) {
    list.sort((a, b) => compareRaw(a.effectiveDate, b.effectiveDate) || compareRaw(a.observedAt, b.observedAt)
      || compareRaw(a.createdAt, b.createdAt) || compareRaw(a.id, b.id));
    changesBySub.set(id, list.map((r) => ({
      subscriptionId: id, effectiveDate: text(r.effectiveDate), quantity: text(r.quantity), status: text(r.status),
      active: bool(r.active), price: textOrNull(r.price), cost: textOrNull(r.cost),
    })));
  }
  const historyCache = new Map<string, SubscriptionHistory>();
  const historyFor = (id: string): SubscriptionHistory => {
    let h = historyCache.get(id);
    if (!h) {
      h = historyOf(id, (changesBySub.get(id) ?? []).map(engineChange), currencyOf.get(id) ?? undefined);
      historyCache.set(id, h);
    }
    return h;
  };
  // Tax settings: none for most tenants (every line bills its recurring invoice's rate), so nothing more is read then.
  const taxSettings = await loadTaxSettings(scope);
  const customerCodes = taxSettings.codes.size === 0 ? new Map<string, string>() : await customersTaxCodeIds(scope, [...new Set(ris.map((r) => r.customerId))]);
  const productGroups = taxSettings.groups.size === 0 ? new Map<string, string>()
    : await productGroupsOf(scope, lines.flatMap((l) => (l.productId ? [l.productId] : [])));
  const snapshots: UsageSnapshot[] = usage.map((u) => usageSnapshot(u, reviews.get(`${u.usageSummaryId}|${u.month}`)));
  const snapshotsBySummary = new Map<string, UsageSnapshot[]>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const s of snapshots) push(snapshotsBySummary, s.usageSummary, s);

  const linesByRi = new Map<string, RecurringInvoiceLine[]>();
  for (const l of lines) push(linesByRi, l.recurringInvoiceId, l);
  const linksByLine = new Map<string, RecurringInvoiceLink[]>();
  for (const l of links) push(linksByLine, l.lineId, l);
  for (const list of linksByLine.values()) list.sort((a, b) => a.position - b.position);

  return ris
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((ri) => {
      const riLines = (linesByRi.get(ri.id) ?? []).sort((a, b) => a.position - b.position);
      const riLinks = new Map<string, RecurringInvoiceLink[]>();
      const histories = new Map<string, SubscriptionHistory>();
      const summaries = new Set<string>();
      for (const line of riLines) {
        const ls = linksByLine.get(line.id) ?? [];
        riLinks.set(line.id, ls);
        for (const l of ls) histories.set(l.subscriptionId, historyFor(l.subscriptionId));
        if (line.usageSummaryId) summaries.add(line.usageSummaryId);
      }
      const usageFor = [...summaries].flatMap((id) => snapshotsBySummary.get(id) ?? []);
      const fallbackRate = toDec(ri.taxRate);
      const customerCode = taxSettings.codes.get(customerCodes.get(ri.customerId) ?? '');
      // Without product-group codes every line of the recurring invoice bills the same tax (one rule, shared).
      const ownTax = resolveLineTax({ customer: customerCode, productGroup: undefined, fallbackRate });
      const tax = new Map<string, LineTaxRule>();
      for (const l of riLines) {
        tax.set(l.id, l.productId && taxSettings.groups.size > 0
          ? resolveLineTax({ customer: customerCode, productGroup: taxSettings.groups.get(productGroups.get(l.productId) ?? ''), fallbackRate })
          : ownTax);
      }
      const ctx: BillingContext = {
        currency: ri.currency,
        taxRate: fallbackRate,
        schedule: scheduleOf(ri),
        billingStart: ri.startDate,
        lines: riLines.map((l) => lineSpec(l, riLinks.get(l.id) ?? [], tax.get(l.id)!)),
        histories,
        usage: usageFor,
      };
      return { ri, lines: riLines, links: riLinks, ctx, tax };
    });
}
