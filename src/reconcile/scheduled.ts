import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { Pax8InvoiceItem } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { importPax8Billing, type Pax8BillingImportResult } from '../pax8-billing/import.js';
import { pax8ClientFor, type ClientOverrides } from '../tenants/pax8-client.js';
import { TenantService } from '../tenants/service.js';
import { notifyLeakage, reconcileMonth, type NoticeResult } from './service.js';
import type { Pax8Source } from './model.js';

/**
 * The last day of a month (tenant-local) on which the previous month is still reconciled while Pax8 has
 * not published its invoice for it. Pax8 publishes a month's invoice around the 5th of the next month
 * (due the 15th); a later invoice is not waited for beyond this.
 */
export const PREVIOUS_MONTH_UNTIL_DAY = 15;

/** 'YYYY-MM' of the month before `month` ('YYYY-MM'). */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * The months the nightly reconciliation covers on `today` ('YYYY-MM-DD', tenant-local), oldest first:
 * always the current month; the previous month as well through the 15th, while its published Pax8
 * invoice had not been imported before this night's import (so it is reconciled once more, with Pax8's
 * final figures, on the night the invoice arrives, and not after that).
 */
export function monthsToReconcile(today: string, previousPublishedBefore: boolean): string[] {
  const current = today.slice(0, 7);
  const day = Number(today.slice(8, 10));
  return day <= PREVIOUS_MONTH_UNTIL_DAY && !previousPublishedBefore ? [previousMonth(current), current] : [current];
}

export interface ScheduledReconcileDeps {
  ds: DataSource;
  secrets: SecretBox;
  /** Pax8 client settings (tests: fast retries). */
  pax8Client?: ClientOverrides;
}

export interface ReconciledMonth {
  month: string;
  pax8Source: Pax8Source;
  /** Leakage per currency (decimal strings). */
  leakage: Record<string, string>;
  findings: number;
  notices: NoticeResult[];
}

export interface ScheduledReconcileResult {
  import: Omit<Pax8BillingImportResult, 'errors'> & { errors: number };
  months: ReconciledMonth[];
}

/**
 * The scheduled job's work (src/jobs, 'reconcile:month'): imports Pax8's bill to the partner (invoices and
 * the current draft items), then reconciles the month(s) of `today` and raises the leakage notice once per
 * month, currency and threshold crossing (notifyLeakage with repeat 'crossing'). A Pax8 failure of the
 * invoice list or the draft items throws (the job is retried); per-record problems are returned and logged.
 */
export async function runScheduledReconciliation(
  deps: ScheduledReconcileDeps, tenantId: string, today: string, opts: { signal?: AbortSignal; now?: Date } = {},
): Promise<ScheduledReconcileResult & { importErrors: string[] }> {
  const tenants = new TenantService(deps.ds, deps.secrets);
  const tenant = await tenants.byId(tenantId);
  const scope = new TenantScope(deps.ds.manager, tenantId);
  const previous = previousMonth(today.slice(0, 7));
  const previousPublishedBefore = (await scope.repo(Pax8InvoiceItem).count({ where: { month: previous, draft: false } })) > 0;
  const client = pax8ClientFor(tenants, tenant, deps.pax8Client);
  const imported = await importPax8Billing(scope, client, { today, signal: opts.signal });
  const months: ReconciledMonth[] = [];
  for (const month of monthsToReconcile(today, previousPublishedBefore)) {
    opts.signal?.throwIfAborted();
    const report = await reconcileMonth(deps.ds, tenant, month);
    const notices = await notifyLeakage(deps.ds, tenant, report, { repeat: 'crossing', now: opts.now });
    months.push({
      month, pax8Source: report.pax8Source, leakage: Object.fromEntries(report.totals.map((t) => [t.currency, t.leakage.toString()])),
      findings: report.findings.length, notices,
    });
  }
  return { import: { ...imported, errors: imported.errors.length }, importErrors: imported.errors, months };
}
