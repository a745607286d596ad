import { Decimal } from 'decimal.js';
import { In, Not, IsNull } from 'typeorm';
import { systemClock } from '../common/clock.js';
import { tenantToday } from '../common/tenant-date.js';
import { AccountingPush, Invoice, Tenant, type AccountingPushStatus } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import type { AccountingDeps } from './access.js';
import { AccountingError, ACCOUNTING_VENDORS, type AccountingVendor, type ExternalDocumentType } from './connector.js';
import { vendorName } from './push-error.js';

/**
 * Payment state read back from the books for pushed invoices (on schedule, and on demand), how each invoice stands
 * (paid, partly paid, overdue, voided, open), and the ageing of what is still owed for the finance dashboard.
 * "Overdue" is Recurra's reading: open or partly paid, and the due date before today in the tenant's zone.
 */

const CHUNK = 50;

export interface PaymentRefreshOutcome {
  checked: number;
  changed: number;
  /** Documents the vendor no longer has. */
  missing: number;
  /** Vendors that could not be read, with why. */
  problems: string[];
}

export async function refreshPayments(
  deps: AccountingDeps, tenantId: string, opts: { vendor?: AccountingVendor; invoiceIds?: readonly string[] } = {},
): Promise<PaymentRefreshOutcome> {
  const now = (deps.clock ?? systemClock)();
  const scope = new TenantScope(deps.ds.manager, tenantId);
  const repo = scope.repo(AccountingPush);
  const out: PaymentRefreshOutcome = { checked: 0, changed: 0, missing: 0, problems: [] };
  const rows = await repo.find({
    where: {
      status: In(['pushed', 'refused']), externalId: Not(IsNull()),
      ...(opts.vendor ? { vendor: opts.vendor } : {}), ...(opts.invoiceIds ? { invoiceId: In([...opts.invoiceIds]) } : {}),
    },
    order: { id: 'ASC' },
  });
  for (const vendor of ACCOUNTING_VENDORS) {
    const mine = rows.filter((r) => r.vendor === vendor);
    if (mine.length === 0) continue;
    try {
      const { connector, session } = await deps.open(tenantId, vendor, now);
      for (let i = 0; i < mine.length; i += CHUNK) {
        const chunk = mine.slice(i, i + CHUNK);
        const docs = await connector.documents(session, chunk.map((r) => ({ type: r.externalType as ExternalDocumentType, id: r.externalId! })));
        const byId = new Map(docs.map((d) => [`${d.type}|${d.id}`, d]));
        for (const r of chunk) {
          out.checked++;
          const d = byId.get(`${r.externalType}|${r.externalId}`);
          if (!d) {
            out.missing++;
            await repo.update({ id: r.id }, { externalStatus: 'voided', paymentCheckedAt: now, updatedAt: now, lastError: `${vendorName(vendor)} no longer has this document` });
            continue;
          }
          const paid = new Decimal(d.amountPaid.toString());
          const dueAmount = new Decimal(d.amountDue.toString());
          const changed = r.externalStatus !== d.status || !r.amountPaid || !r.amountPaid.eq(paid) || !r.amountDue || !r.amountDue.eq(dueAmount) || r.dueDate !== d.dueDate;
          if (changed) out.changed++;
          await repo.update({ id: r.id }, {
            externalStatus: d.status, amountPaid: paid, amountDue: dueAmount, dueDate: d.dueDate, paymentCheckedAt: now, updatedAt: now,
            ...(d.url ? { externalUrl: d.url.slice(0, 500) } : {}),
          });
        }
      }
    } catch (err) {
      if (!(err instanceof AccountingError) && !(err instanceof Error && 'kind' in err)) throw err;
      out.problems.push(`${vendorName(vendor)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Refreshes every tenant that has pushed documents (the scheduled job); a tenant's failure does not stop the others. */
export async function refreshAllPayments(deps: AccountingDeps, tenantId: string | null): Promise<{ tenants: number; checked: number; changed: number; problems: string[] }> {
  const tenants = tenantId ? [tenantId] : (await deps.ds.manager.find(Tenant, { where: { enabled: true } })).map((t) => t.id);
  const total = { tenants: 0, checked: 0, changed: 0, problems: [] as string[] };
  for (const id of tenants) {
    const any = await new TenantScope(deps.ds.manager, id).repo(AccountingPush).count({ where: { externalId: Not(IsNull()) } });
    if (any === 0) continue;
    total.tenants++;
    const r = await refreshPayments(deps, id);
    total.checked += r.checked;
    total.changed += r.changed;
    total.problems.push(...r.problems);
  }
  return total;
}

export type PaymentState = 'draft' | 'open' | 'overdue' | 'partly_paid' | 'paid' | 'voided';

/** One invoice's accounting status as the pages, the API and the CLI show it. */
export interface AccountingStatusView {
  invoiceId: string;
  vendor: AccountingVendor;
  push: AccountingPushStatus;
  attempts: number;
  /** Why the last attempt failed or was refused. */
  lastError: string | null;
  externalNumber: string | null;
  externalType: string | null;
  externalUrl: string | null;
  pushedAt: string | null;
  /** Null until pushed. */
  payment: PaymentState | null;
  amountPaid: string | null;
  amountDue: string | null;
  dueDate: string | null;
  paymentCheckedAt: string | null;
  /** In words: "paid in Xero", "overdue in Xero (due 2026-02-01, 100.00 owed)", "push failed: …". */
  label: string;
}

export function paymentState(p: Pick<AccountingPush, 'externalStatus' | 'dueDate' | 'amountPaid'>, today: string): PaymentState | null {
  const s = p.externalStatus;
  if (!s) return null;
  if (s === 'open' || s === 'partly_paid') {
    if (p.dueDate && p.dueDate < today) return 'overdue';
    return s === 'open' && p.amountPaid && p.amountPaid.gt(0) ? 'partly_paid' : (s as PaymentState);
  }
  return s as PaymentState;
}

const STATE_WORDS: Record<PaymentState, string> = { draft: 'a draft', open: 'open', overdue: 'overdue', partly_paid: 'partly paid', paid: 'paid', voided: 'voided' };

export function statusView(p: AccountingPush, today: string): AccountingStatusView {
  const vendor = p.vendor as AccountingVendor;
  const v = vendorName(vendor);
  const payment = paymentState(p, today);
  let label: string;
  if (p.status === 'queued') label = p.lastError ? `waiting to be pushed to ${v} again (${p.lastError})` : `waiting to be pushed to ${v}`;
  else if (p.status === 'pushing') label = `being pushed to ${v}`;
  else if (p.status === 'failed') label = `push to ${v} failed: ${p.lastError ?? 'no reason given'}`;
  else if (p.status === 'refused') label = `refused: ${p.lastError ?? ''}`;
  else if (payment === 'overdue') label = `overdue in ${v} (due ${p.dueDate}, ${p.amountDue?.toFixed(2) ?? '?'} owed)`;
  else if (payment === 'partly_paid') label = `partly paid in ${v} (${p.amountPaid?.toFixed(2)} paid, ${p.amountDue?.toFixed(2)} owed)`;
  else label = `${payment ? STATE_WORDS[payment] : 'pushed'} in ${v}`;
  return {
    invoiceId: p.invoiceId, vendor, push: p.status, attempts: p.attempts, lastError: p.lastError, externalNumber: p.externalNumber,
    externalType: p.externalType, externalUrl: p.externalUrl, pushedAt: p.pushedAt?.toISOString() ?? null, payment,
    amountPaid: p.amountPaid?.toFixed() ?? null, amountDue: p.amountDue?.toFixed() ?? null, dueDate: p.dueDate,
    paymentCheckedAt: p.paymentCheckedAt?.toISOString() ?? null, label,
  };
}

/** Every push of each of the given invoices (one per vendor), as views. */
export async function accountingStatuses(scope: TenantScope, tenant: Pick<Tenant, 'timeZone'>, invoiceIds: readonly string[], now: Date): Promise<Map<string, AccountingStatusView[]>> {
  const out = new Map<string, AccountingStatusView[]>();
  const ids = [...new Set(invoiceIds)];
  if (ids.length === 0) return out;
  const today = tenantToday(tenant, () => now);
  for (let i = 0; i < ids.length; i += 500) {
    for (const p of await scope.repo(AccountingPush).find({ where: { invoiceId: In(ids.slice(i, i + 500)) }, order: { vendor: 'ASC' } })) {
      out.set(p.invoiceId, [...(out.get(p.invoiceId) ?? []), statusView(p, today)]);
    }
  }
  return out;
}

/** The pushes to one vendor as views: of the given invoices, or of every invoice pushed to it (oldest first) when none are given. */
export async function vendorStatuses(
  scope: TenantScope, tenant: Pick<Tenant, 'timeZone'>, vendor: AccountingVendor, invoiceIds: readonly string[], now: Date,
): Promise<AccountingStatusView[]> {
  if (invoiceIds.length > 0) return [...(await accountingStatuses(scope, tenant, invoiceIds, now)).values()].flat().filter((v) => v.vendor === vendor);
  const today = tenantToday(tenant, () => now);
  return (await scope.repo(AccountingPush).find({ where: { vendor }, order: { createdAt: 'ASC' } })).map((p) => statusView(p, today));
}

export const AGEING_BUCKETS = ['current', 'days1to30', 'days31to60', 'days61to90', 'over90'] as const;
export type AgeingBucket = (typeof AGEING_BUCKETS)[number];

export interface AgeingRow {
  currency: string;
  /** Amount owed by days past due (current: not yet due). */
  buckets: Record<AgeingBucket, string>;
  total: string;
  /** Invoices with something owed. */
  invoices: number;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function bucketOf(dueDate: string | null, today: string): AgeingBucket {
  if (!dueDate) return 'current';
  const late = daysBetween(dueDate, today);
  if (late <= 0) return 'current';
  if (late <= 30) return 'days1to30';
  if (late <= 60) return 'days31to60';
  if (late <= 90) return 'days61to90';
  return 'over90';
}

/**
 * What customers still owe on invoices in the books, by currency and days past due, as last read back. An invoice
 * pushed to two vendors counts once (the copy read back last).
 */
export async function ageingSummary(scope: TenantScope, tenant: Pick<Tenant, 'timeZone'>, now: Date): Promise<{ asOf: string; rows: AgeingRow[] }> {
  const today = tenantToday(tenant, () => now);
  const rows = await scope.repo(AccountingPush).find({ where: { externalStatus: In(['open', 'partly_paid']), status: In(['pushed', 'refused']) } });
  const latest = new Map<string, AccountingPush>();
  for (const r of rows) {
    const seen = latest.get(r.invoiceId);
    if (!seen || (r.paymentCheckedAt?.getTime() ?? 0) > (seen.paymentCheckedAt?.getTime() ?? 0)) latest.set(r.invoiceId, r);
  }
  const ids = [...latest.keys()];
  const currency = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const inv of await scope.repo(Invoice).findBy({ id: In(ids.slice(i, i + 500)) })) currency.set(inv.id, inv.currency);
  }
  const by = new Map<string, { buckets: Record<AgeingBucket, Decimal>; invoices: number }>();
  for (const r of latest.values()) {
    if (!r.amountDue || !r.amountDue.gt(0)) continue;
    const cur = currency.get(r.invoiceId) ?? '?';
    let acc = by.get(cur);
    if (!acc) {
      acc = { buckets: Object.fromEntries(AGEING_BUCKETS.map((b) => [b, new Decimal(0)])) as Record<AgeingBucket, Decimal>, invoices: 0 };
      by.set(cur, acc);
    }
    const b = bucketOf(r.dueDate, today);
    acc.buckets[b] = acc.buckets[b].plus(r.amountDue.toString());
    acc.invoices++;
  }
  return {
    asOf: today,
    rows: [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cur, acc]) => ({
      currency: cur,
      buckets: Object.fromEntries(AGEING_BUCKETS.map((b) => [b, acc.buckets[b].toFixed(2)])) as Record<AgeingBucket, string>,
      total: AGEING_BUCKETS.reduce((s, b) => s.plus(acc.buckets[b]), new Decimal(0)).toFixed(2),
      invoices: acc.invoices,
    })),
  };
}
