import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Pax8Invoice, Pax8InvoiceItem } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { Pax8Client } from '../pax8/client/index.js';
import type { Invoice, InvoiceItem } from '../pax8/schemas/invoice.js';

/**
 * Imports what Pax8 bills the partner: every listed invoice with its items (an invoice is fetched
 * again only when its status, total or balance changed, or its items were never stored), and the
 * current month's draft items, which replace the previous draft items as a whole.
 */
export interface Pax8BillingImportResult {
  invoicesSeen: number;
  invoicesImported: number;
  items: number;
  draftItems: number;
  /** Months (YYYY-MM) the draft items cover. */
  draftMonths: string[];
  /** Per-record or per-invoice problems; the rest of the import goes on. */
  errors: string[];
}

export interface Pax8BillingImportOptions {
  /** Today in the tenant's zone (YYYY-MM-DD): the month of draft items without a start date. */
  today: string;
  signal?: AbortSignal;
  /** Skip the draft items (default false). */
  skipDrafts?: boolean;
}

const ZERO = new Decimal(0);
const CHUNK = 300;

function day(v: string | null | undefined): string | null {
  return v ? v.slice(0, 10) : null;
}

function cut(v: string | null | undefined, n: number): string | null {
  return v === null || v === undefined ? null : v.slice(0, n);
}

function sameDecimal(a: Decimal | null, b: Decimal | null | undefined): boolean {
  if (a === null || b === null || b === undefined) return a === null && (b === null || b === undefined);
  return new Decimal(a.toString()).equals(b);
}

/** The stored row of one Pax8 item (pure; shared with tests and the benchmark). */
export function itemRow(
  item: InvoiceItem,
  where: { invoiceId: string | null; pax8InvoiceId: string | null; currency: string | null; today: string },
): Omit<Pax8InvoiceItem, 'tenantId'> {
  const start = day(item.startPeriod);
  const now = new Date();
  const amountDue = item.amountDue ?? item.costTotal ?? ZERO;
  return {
    id: randomUUID(), invoiceId: where.invoiceId, pax8InvoiceId: where.pax8InvoiceId, draft: where.invoiceId === null,
    month: (start ?? where.today).slice(0, 7), pax8ItemId: cut(item.id, 64), type: cut(item.type, 40),
    pax8CompanyId: cut(item.companyId, 64), companyName: cut(item.companyName, 255), pax8SubscriptionId: cut(item.subscriptionId, 64),
    pax8ProductId: cut(item.productId, 64), productName: cut(item.productName, 255), description: cut(item.description, 255),
    sku: cut(item.sku, 80), term: cut(item.term, 40), startPeriod: start, endPeriod: day(item.endPeriod),
    quantity: item.quantity ?? ZERO, unitCost: item.cost ?? null, costTotal: item.costTotal ?? null, amountDue,
    currency: (item.currencyCode ?? where.currency ?? 'XXX').slice(0, 3), createdAt: now, updatedAt: now,
  };
}

async function collect<T>(list: AsyncIterable<{ record?: T; error?: Error }>, errors: string[], what: string): Promise<T[]> {
  const out: T[] = [];
  for await (const x of list) {
    if (x.record !== undefined) out.push(x.record);
    else errors.push(`${what}: ${x.error?.message ?? 'invalid record'}`);
  }
  return out;
}

async function insertChunks(scope: TenantScope, rows: Omit<Pax8InvoiceItem, 'tenantId'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await scope.repo(Pax8InvoiceItem).insert(rows.slice(i, i + CHUNK));
}

export async function importPax8Billing(scope: TenantScope, client: Pax8Client, opts: Pax8BillingImportOptions): Promise<Pax8BillingImportResult> {
  const result: Pax8BillingImportResult = { invoicesSeen: 0, invoicesImported: 0, items: 0, draftItems: 0, draftMonths: [], errors: [] };
  const stored = new Map((await scope.repo(Pax8Invoice).find()).map((i) => [i.pax8Id, i]));
  const invoices = await collect<Invoice>(client.invoices({ signal: opts.signal }), result.errors, 'invoice');
  for (const inv of invoices) {
    result.invoicesSeen++;
    const old = stored.get(inv.id);
    const unchanged = old && old.status === (inv.status ?? null) && sameDecimal(old.total, inv.total) && sameDecimal(old.balance, inv.balance)
      && old.itemCount > 0;
    if (unchanged) continue;
    const itemErrors: string[] = [];
    let items: InvoiceItem[];
    try {
      items = await collect<InvoiceItem>(client.invoiceItems(inv.id, { signal: opts.signal }), itemErrors, `invoice ${inv.id} item`);
    } catch (err) {
      result.errors.push(`invoice ${inv.id}: ${(err as Error).message}`);
      continue;
    }
    result.errors.push(...itemErrors);
    const localId = old?.id ?? randomUUID();
    const rows = items.map((it) => itemRow(it, { invoiceId: localId, pax8InvoiceId: inv.id, currency: inv.currencyCode ?? null, today: opts.today }));
    const now = new Date();
    await scope.transaction(async (tx) => {
      await tx.repo(Pax8InvoiceItem).delete({ invoiceId: localId });
      await insertChunks(tx, rows);
      const row = {
        id: localId, pax8Id: inv.id, invoiceDate: day(inv.invoiceDate), dueDate: day(inv.dueDate), status: cut(inv.status, 40),
        total: inv.total ?? null, balance: inv.balance ?? null, currency: cut(inv.currencyCode, 3), itemCount: rows.length, importedAt: now, updatedAt: now,
      };
      if (old) await tx.repo(Pax8Invoice).update({ id: localId }, row);
      else await tx.repo(Pax8Invoice).insert([{ ...row, createdAt: now }]);
    });
    result.invoicesImported++;
    result.items += rows.length;
  }

  if (!opts.skipDrafts) {
    const drafts = await collect<InvoiceItem>(client.draftInvoiceItems({ monthOffset: 0, signal: opts.signal }), result.errors, 'draft item');
    const rows = drafts.map((it) => itemRow(it, { invoiceId: null, pax8InvoiceId: null, currency: null, today: opts.today }));
    await scope.transaction(async (tx) => {
      await tx.repo(Pax8InvoiceItem).delete({ draft: true });
      await insertChunks(tx, rows);
    });
    result.draftItems = rows.length;
    result.draftMonths = [...new Set(rows.map((r) => r.month))].sort();
  }
  return result;
}
