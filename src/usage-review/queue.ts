import { Decimal } from 'decimal.js';
import { In } from 'typeorm';
import { monthBounds } from '../billing/dates.js';
import { Customer, UsageLine, UsageMonthlyCharge, UsageReview, UsageSummary, type Tenant } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { previousMonth } from '../reconcile/scheduled.js';
import { tenantSettings } from '../tenants/service.js';
import { changePercent, usageFlags, type FlagKind, type UsageFlag } from './flags.js';

/**
 * The usage review queue of one month: every usage summary with charges that month, its charges beside the month
 * before's, its flags (flags.ts) and the reviewer's decision. Load → flags (pure) → rows; the decision holds only
 * while the month's charges are those it was made on (status `changed` otherwise: the summary needs a new look).
 */
export type ReviewStatus = 'pending' | 'approved' | 'adjusted' | 'changed';

export interface ReviewDecisionView {
  decision: 'approved' | 'adjusted';
  importedCharges: string;
  adjustedCharges: string | null;
  note: string | null;
  decidedBy: string;
  decidedAt: string;
}

export interface QueueRow {
  summaryId: string;
  month: string;
  customerId: string | null;
  customerName: string | null;
  pax8CompanyId: string | null;
  resourceGroup: string | null;
  vendorName: string | null;
  currency: string;
  charges: string;
  previousCharges: string | null;
  changePercent: string | null;
  flags: UsageFlag[];
  status: ReviewStatus;
  decision: ReviewDecisionView | null;
  /** What an invoice of the month bills: the adjusted amount while the adjustment holds, else the charges. */
  billedCharges: string;
}

export interface QueueFilter {
  month?: string;
  status?: 'pending' | 'decided' | 'all';
  flagged?: boolean;
  flag?: FlagKind;
  customerId?: string;
  summaryId?: string;
}

export interface Queue {
  month: string | null;
  previousMonth: string | null;
  spikePercent: string;
  rows: QueueRow[];
  counts: { total: number; pending: number; flagged: number; decided: number };
}

const CHUNK = 500;
async function inChunks<T>(ids: string[], fn: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await fn(ids.slice(i, i + CHUNK))));
  return out;
}

/** The latest month with usage charges, or null when there is none. */
export async function latestUsageMonth(scope: TenantScope): Promise<string | null> {
  const r = await scope.repo(UsageMonthlyCharge).query('c').select('MAX(c.month)', 'm').getRawOne<{ m: string | null }>();
  return r?.m ?? null;
}

const productKey = (l: { productName: string | null; pax8ProductId: string | null }) => l.productName ?? l.pax8ProductId ?? '(no product)';
const ownerKey = (s: { customerId: string | null; pax8CompanyId: string | null }) => s.customerId ?? `company:${s.pax8CompanyId ?? ''}`;

/** Distinct (summary, product) of a month's lines. */
async function productsOf(scope: TenantScope, month: string): Promise<Map<string, string[]>> {
  const { from, to } = monthBounds(month);
  const rows = await scope.repo(UsageLine).query('l').select(['l.usageSummaryId', 'l.productName', 'l.pax8ProductId']).distinct(true)
    .andWhere('l.usageDate >= :from AND l.usageDate < :to', { from, to }).getRawMany<Record<string, string | null>>();
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const id = String(r.l_usageSummaryId);
    const key = productKey({ productName: r.l_productName ?? null, pax8ProductId: r.l_pax8ProductId ?? null });
    out.set(id, [...(out.get(id) ?? []), key]);
  }
  return out;
}

/** The lowest negative daily line charge of each summary in a month (decimal text sorts badly, so compared here). */
async function negativeLines(scope: TenantScope, month: string): Promise<Map<string, Decimal>> {
  const { from, to } = monthBounds(month);
  const rows = await scope.repo(UsageLine).query('l').select(['l.usageSummaryId', 'l.charges'])
    .andWhere('l.usageDate >= :from AND l.usageDate < :to', { from, to })
    // Works on SQLite's decimal text and MariaDB's DECIMAL alike: a negative amount is written with a leading minus.
    .andWhere("l.charges LIKE '-%'").getRawMany<Record<string, unknown>>();
  const out = new Map<string, Decimal>();
  for (const r of rows) {
    const id = String(r.l_usageSummaryId);
    const v = new Decimal(String(r.l_charges));
    const cur = out.get(id);
    if (!cur || v.lt(cur)) out.set(id, v);
  }
  return out;
}

function decisionView(r: UsageReview): ReviewDecisionView {
  return {
    decision: r.decision, importedCharges: r.importedCharges.toString(), adjustedCharges: r.adjustedCharges?.toString() ?? null,
    note: r.note, decidedBy: r.decidedByEmail, decidedAt: r.decidedAt.toISOString(),
  };
}

/** The decision's status against the month's charges now. */
export function statusOf(charges: Decimal, r: UsageReview | null | undefined): ReviewStatus {
  if (!r) return 'pending';
  return r.importedCharges.eq(charges) ? r.decision : 'changed';
}

export async function loadQueue(scope: TenantScope, tenant: Tenant, filter: QueueFilter = {}): Promise<Queue> {
  const spikePercent = tenantSettings(tenant).usageSpikePercent;
  const month = filter.month ?? await latestUsageMonth(scope);
  const empty = { total: 0, pending: 0, flagged: 0, decided: 0 };
  if (!month) return { month: null, previousMonth: null, spikePercent, rows: [], counts: empty };
  const prev = previousMonth(month);

  const charges = await scope.repo(UsageMonthlyCharge).findBy({ month });
  const before = await scope.repo(UsageMonthlyCharge).findBy({ month: prev });
  const ids = [...new Set([...charges, ...before].map((c) => c.usageSummaryId))];
  const summaries = new Map((await inChunks(ids, (chunk) => scope.repo(UsageSummary).findBy({ id: In(chunk) }))).map((s) => [s.id, s]));
  const previousBySummary = new Map(before.map((c) => [c.usageSummaryId, c.charges]));
  // Resource groups each customer (or unmapped company) had charges in the month before.
  const groupsBefore = new Map<string, Set<string>>();
  for (const c of before) {
    const s = summaries.get(c.usageSummaryId);
    if (!s?.resourceGroup) continue;
    const k = ownerKey(s);
    groupsBefore.set(k, (groupsBefore.get(k) ?? new Set()).add(s.resourceGroup.toLowerCase()));
  }
  const [products, productsBefore, negatives] = [await productsOf(scope, month), await productsOf(scope, prev), await negativeLines(scope, month)];
  const reviews = new Map((await scope.repo(UsageReview).findBy({ month })).map((r) => [r.usageSummaryId, r]));
  const customerIds = [...new Set([...summaries.values()].flatMap((s) => (s.customerId ? [s.customerId] : [])))];
  const names = new Map((await inChunks(customerIds, (chunk) => scope.repo(Customer).findBy({ id: In(chunk) }))).map((c) => [c.id, c.name]));
  const spike = new Decimal(spikePercent);

  const all: QueueRow[] = [];
  for (const c of charges) {
    const s = summaries.get(c.usageSummaryId);
    if (!s) continue;
    const previous = previousBySummary.get(s.id) ?? null;
    const flags = usageFlags({
      charges: c.charges, previousCharges: previous, products: products.get(s.id) ?? [], previousProducts: productsBefore.get(s.id) ?? [],
      resourceGroup: s.resourceGroup, previousResourceGroups: groupsBefore.get(ownerKey(s)) ?? new Set(),
      lowestLineCharge: negatives.get(s.id) ?? null, spikePercent: spike,
    });
    const review = reviews.get(s.id);
    const status = statusOf(c.charges, review);
    all.push({
      summaryId: s.id, month, customerId: s.customerId, customerName: s.customerId ? names.get(s.customerId) ?? null : null,
      pax8CompanyId: s.pax8CompanyId, resourceGroup: s.resourceGroup, vendorName: s.vendorName, currency: s.currency,
      charges: c.charges.toString(), previousCharges: previous?.toString() ?? null, changePercent: changePercent(c.charges, previous)?.toString() ?? null,
      flags, status, decision: review ? decisionView(review) : null,
      billedCharges: (status === 'adjusted' && review?.adjustedCharges ? review.adjustedCharges : c.charges).toString(),
    });
  }
  all.sort((a, b) => (a.customerName ?? '\uffff').localeCompare(b.customerName ?? '\uffff') || (a.resourceGroup ?? '').localeCompare(b.resourceGroup ?? '')
    || a.summaryId.localeCompare(b.summaryId));
  const open = (r: QueueRow) => r.status === 'pending' || r.status === 'changed';
  const counts = {
    total: all.length, pending: all.filter(open).length, flagged: all.filter((r) => r.flags.length > 0).length, decided: all.filter((r) => !open(r)).length,
  };
  const rows = all.filter((r) => (filter.status === 'pending' ? open(r) : filter.status === 'decided' ? !open(r) : true)
    && (!filter.flagged || r.flags.length > 0)
    && (!filter.flag || r.flags.some((f) => f.kind === filter.flag))
    && (!filter.customerId || r.customerId === filter.customerId)
    && (!filter.summaryId || r.summaryId === filter.summaryId));
  return { month, previousMonth: prev, spikePercent, rows, counts };
}
