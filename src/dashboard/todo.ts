import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import type { Clock } from '../common/clock.js';
import { ImportRun, Invoice, LicensingChangeRequest, RecurringInvoice, type Role, type Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantDate } from '../common/tenant-date.js';
import { reconcileMonth } from '../reconcile/service.js';
import { SYNC_ENTITIES } from '../tenants/settings.js';
import { loadQueue } from '../usage-review/queue.js';

/**
 * What needs doing in one tenant, for one role: the dashboard's panels, each a count (with amounts where money is at
 * stake) and the page where it is done. Unmapped companies, unmapped usage and leakage come from this month's margin
 * reconciliation (the figures the Margin page shows); usage to review from the usage review queue of the latest month.
 */
export const TODO_KEYS = ['drafts', 'usage_review', 'unmapped_companies', 'unmapped_usage', 'leakage', 'syncs', 'client_requests', 'next_run'] as const;
export type TodoKey = (typeof TODO_KEYS)[number];

/** Which panels each role sees, in its order of work. Clients have no dashboard. */
export const ROLE_TODO: Record<Exclude<Role, 'client'>, readonly TodoKey[]> = {
  admin: ['drafts', 'usage_review', 'unmapped_companies', 'unmapped_usage', 'leakage', 'syncs', 'client_requests', 'next_run'],
  finance: ['drafts', 'next_run', 'leakage', 'unmapped_companies', 'unmapped_usage', 'usage_review', 'syncs'],
  reviewer: ['usage_review', 'drafts', 'unmapped_usage', 'syncs'],
};

/** A successful sync of an entity older than this is late (every default schedule runs each entity at least daily). */
export const LATE_AFTER_MS = 26 * 3600_000;

export interface Amount {
  currency: string;
  amount: string;
}

export interface TodoItem {
  key: TodoKey;
  label: string;
  count: number;
  amounts: Amount[];
  /** Needs doing (count above zero, or a problem). */
  attention: boolean;
  detail: string | null;
  /** The month the item is about ('YYYY-MM'), when it is about one. */
  month: string | null;
  href: string;
}

export interface SyncState {
  entity: string;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastSuccessAt: string | null;
  failed: boolean;
  late: boolean;
}

export interface TenantTodo {
  tenantId: string;
  today: string;
  month: string;
  items: TodoItem[];
  syncs: SyncState[];
  nextRunDate: string | null;
}

function sumBy(rows: Array<{ currency: string; amount: Decimal }>): Amount[] {
  const by = new Map<string, Decimal>();
  for (const r of rows) by.set(r.currency, (by.get(r.currency) ?? new Decimal(0)).plus(r.amount));
  return [...by.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([currency, amount]) => ({ currency, amount: amount.toString() }));
}

/** The latest run and latest success of each sync entity (dry runs are previews, not syncs). */
export async function syncStates(scope: TenantScope, now: Date): Promise<SyncState[]> {
  const runs = await scope.repo(ImportRun).find({ where: { dryRun: false }, order: { startedAt: 'DESC' }, take: 200 });
  return SYNC_ENTITIES.map((entity) => {
    const mine = runs.filter((r) => r.entities.split(',').map((e) => e.trim()).includes(entity));
    const last = mine[0] ?? null;
    const success = mine.find((r) => r.status === 'succeeded' || r.status === 'partial') ?? null;
    const at = success ? (success.finishedAt ?? success.startedAt) : null;
    return {
      entity, lastRunAt: last?.startedAt.toISOString() ?? null, lastStatus: last?.status ?? null, lastSuccessAt: at?.toISOString() ?? null,
      failed: last?.status === 'failed', late: at === null ? last !== null : now.getTime() - at.getTime() > LATE_AFTER_MS,
    };
  });
}

export async function whatNeedsDoing(ds: DataSource, tenant: Tenant, role: Exclude<Role, 'client'>, clock: Clock): Promise<TenantTodo> {
  const keys = new Set(ROLE_TODO[role]);
  const scope = new TenantScope(ds.manager, tenant.id);
  const now = clock();
  const today = tenantDate(now, tenant.timeZone || 'UTC');
  const month = today.slice(0, 7);
  const base = `/t/${tenant.id}`;
  const items = new Map<TodoKey, TodoItem>();
  const item = (key: TodoKey, label: string, count: number, href: string, amounts: Amount[] = [], detail: string | null = null, attention = count > 0, about: string | null = null) => {
    items.set(key, { key, label, count, amounts, attention, detail, month: about, href });
  };

  if (keys.has('drafts')) {
    const drafts = await scope.repo(Invoice).find({ where: { status: 'draft' }, select: { id: true, currency: true, total: true } });
    item('drafts', 'Draft invoices waiting for approval', drafts.length, `${base}/invoices?status=draft`, sumBy(drafts.map((d) => ({ currency: d.currency, amount: d.total }))));
  }
  if (keys.has('usage_review')) {
    const q = await loadQueue(scope, tenant, { status: 'pending' });
    item('usage_review', 'Usage to review', q.counts.pending, `${base}/usage-review${q.month ? `?month=${q.month}` : ''}`,
      sumBy(q.rows.map((r) => ({ currency: r.currency, amount: new Decimal(r.charges) }))),
      q.month ? `${q.counts.flagged} flagged of ${q.counts.total}` : null, q.counts.pending > 0, q.month);
  }
  if (keys.has('unmapped_companies') || keys.has('unmapped_usage') || keys.has('leakage')) {
    const report = await reconcileMonth(ds, tenant, month);
    const of = (kind: string) => report.findings.filter((f) => f.kind === kind);
    const companies = of('unmapped_company');
    const usage = of('unmapped_usage');
    if (keys.has('unmapped_companies')) {
      item('unmapped_companies', 'Pax8 companies not mapped to a customer', companies.length, `${base}/customers`, sumBy(companies.map((f) => ({ currency: f.currency, amount: f.amount }))), 'a month at stake');
    }
    if (keys.has('unmapped_usage')) {
      item('unmapped_usage', 'Usage without a customer', usage.length, `${base}/usage?unmapped=true`, sumBy(usage.map((f) => ({ currency: f.currency, amount: f.amount }))));
    }
    if (keys.has('leakage')) {
      const leaks = report.totals.filter((t) => !t.leakage.isZero());
      item('leakage', 'Leakage found this month', report.findings.length, `${base}/reconcile?month=${month}`,
        leaks.map((t) => ({ currency: t.currency, amount: t.leakage.toString() })), null, leaks.length > 0, month);
    }
  }
  const syncs = keys.has('syncs') ? await syncStates(scope, now) : [];
  if (keys.has('syncs')) {
    const bad = syncs.filter((s) => s.failed || s.late);
    item('syncs', 'Failed or late syncs', bad.length, `${base}/integration`, [],
      bad.length ? bad.map((s) => `${s.entity}: ${s.failed ? 'failed' : 'late'}`).join(', ') : null);
  }
  if (keys.has('client_requests')) {
    const pending = await scope.repo(LicensingChangeRequest).count({ where: { status: 'pending' } });
    item('client_requests', 'Client licence requests waiting', pending, `${base}/licensing`);
  }
  let nextRunDate: string | null = null;
  if (keys.has('next_run')) {
    const next = await scope.repo(RecurringInvoice).query('r').select('MIN(r.nextInvoiceDate)', 'd').andWhere("r.status = 'active'").getRawOne<{ d: string | null }>();
    nextRunDate = next?.d ?? null;
    const due = nextRunDate !== null && nextRunDate <= today;
    item('next_run', 'Next invoice run', due ? 1 : 0, `${base}/invoices`, [], nextRunDate, due);
  }
  return { tenantId: tenant.id, today, month, items: ROLE_TODO[role].flatMap((k) => (items.has(k) ? [items.get(k)!] : [])), syncs, nextRunDate };
}
