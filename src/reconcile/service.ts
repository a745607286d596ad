import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { IsNull, type DataSource } from 'typeorm';
import { formatMoney } from '../billing/index.js';
import { AppError, fieldError } from '../common/app-error.js';
import { fmtMoney, fmtQuantity as formatQuantity } from './format.js';
import { LeakageNotice, LicensingNotice, Subscription, User, type Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { addLineForNewSubscription } from '../invoices/auto-lines.js';
import { MappingError, setMapping } from '../mapping/service.js';
import { tenantSettings } from '../tenants/service.js';
import { loadReconcileInput } from './load.js';
import type { CustomerTotals, Finding, MonthTotals, ReconcileReport, SubscriptionRow } from './model.js';
import { reconcile } from './reconcile.js';

/** One month's reconciliation for a tenant, read from the database. */
export async function reconcileMonth(ds: DataSource, tenant: Tenant, month: string): Promise<ReconcileReport> {
  const scope = new TenantScope(ds.manager, tenant.id);
  return reconcile(await loadReconcileInput(scope, tenant, month));
}

// --- the one JSON shape the API, the CLI (--json) and the web view share -------------------------

const pct = (v: Decimal | null) => (v === null ? null : v.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toString());

function totalsView(t: MonthTotals | CustomerTotals, currency: string) {
  return {
    currency, cost: fmtMoney(t.cost, currency), billed: fmtMoney(t.billed, currency), margin: fmtMoney(t.margin, currency),
    marginPercent: pct(t.marginPercent), leakage: fmtMoney(t.leakage, currency), findings: t.findings, subscriptions: t.subscriptions,
  };
}

export function viewFinding(f: Finding) {
  return {
    key: f.key, kind: f.kind, subscriptionId: f.subscriptionId, usageSummaryId: f.usageSummaryId, pax8CompanyId: f.pax8CompanyId,
    customerId: f.customerId, customerName: f.customerName, subject: f.subject, currency: f.currency, amount: fmtMoney(f.amount, f.currency),
    detail: f.detail, since: f.since, fix: f.fix, manual: f.manual,
  };
}

export function viewRow(r: SubscriptionRow) {
  return {
    key: r.key, subscriptionId: r.subscriptionId, usageSummaryId: r.usageSummaryId, pax8SubscriptionId: r.pax8SubscriptionId,
    customerId: r.customerId, customerName: r.customerName, name: r.name, currency: r.currency,
    heldQuantity: r.heldQuantity === null ? null : formatQuantity(r.heldQuantity), freeQuantity: formatQuantity(r.freeQuantity),
    billedQuantity: formatQuantity(r.billedQuantity), cost: fmtMoney(r.cost, r.currency), costSource: r.costSource,
    billed: fmtMoney(r.billed, r.currency), margin: fmtMoney(r.margin, r.currency), marginPercent: pct(r.marginPercent),
    explanation: r.explanation,
  };
}

export function viewReport(r: ReconcileReport) {
  return {
    month: r.month,
    pax8Source: r.pax8Source,
    totals: r.totals.map((t) => totalsView(t, t.currency)),
    customers: r.customers.map((c) => ({ customerId: c.customerId, customerName: c.customerName, ...totalsView(c, c.currency) })),
    findings: r.findings.map(viewFinding),
    rows: r.rows.map(viewRow),
  };
}

export type ReportView = ReturnType<typeof viewReport>;

// --- leakage notices -------------------------------------------------------------------------------

export interface NoticeResult {
  currency: string;
  leakage: string;
  threshold: string;
  recipients: number;
}

export interface NotifyOptions {
  now?: Date;
  /**
   * When a month and currency already had a notice and its leakage is still above the threshold:
   * - 'growth' (default; `recurra reconcile`, `POST …/reconcile/run`): notify again if the leakage grew past the amount last notified;
   * - 'crossing' (the nightly scheduled reconciliation): never again until the leakage has fallen back to or below
   *   the threshold (or the threshold was raised above it) and then crosses it again. So a month whose leakage
   *   creeps up night after night is notified once, not every night.
   */
  repeat?: 'growth' | 'crossing';
}

/**
 * When a month's leakage (per currency) exceeds the tenant's leakageNoticeThreshold, every admin who
 * can see the tenant gets an in-app notice (the licensing notices table, kind 'leakage_threshold').
 * `leakage_notices` keeps one row per month and currency: the leakage and threshold last notified. When a
 * run finds the leakage at or below the threshold, the row is lowered to the current leakage and threshold
 * (re-armed), so the next crossing notifies again in either mode (see NotifyOptions.repeat).
 */
export async function notifyLeakage(ds: DataSource, tenant: Tenant, report: ReconcileReport, options: NotifyOptions = {}): Promise<NoticeResult[]> {
  const raw = tenantSettings(tenant).leakageNoticeThreshold;
  if (raw === null) return [];
  const now = options.now ?? new Date();
  const repeat = options.repeat ?? 'growth';
  const threshold = new Decimal(raw);
  const scope = new TenantScope(ds.manager, tenant.id);
  const out: NoticeResult[] = [];
  const previousRows = new Map((await scope.repo(LeakageNotice).findBy({ month: report.month })).map((r) => [r.currency, r]));
  const above = new Set<string>();
  for (const t of report.totals) {
    if (!t.leakage.greaterThan(threshold)) continue;
    above.add(t.currency);
    const previous = previousRows.get(t.currency);
    if (previous) {
      const stillNotified = previous.leakage.greaterThan(previous.threshold);
      if (repeat === 'crossing' ? stillNotified : !t.leakage.greaterThan(previous.leakage)) continue;
    }
    const admins = await ds.manager.find(User, { where: [{ role: 'admin', tenantId: tenant.id }, { role: 'admin', tenantId: IsNull() }] });
    const message = `Leakage for ${tenant.displayName ?? tenant.name} in ${report.month}: ${formatMoney(t.leakage, t.currency)} ${t.currency} `
      + `in ${t.findings} finding(s), above the threshold of ${formatMoney(threshold, t.currency)}. See Reconciliation for ${report.month}.`;
    await scope.transaction(async (tx) => {
      if (admins.length > 0) {
        await tx.repo(LicensingNotice).insert(admins.map((u) => ({
          id: randomUUID(), userId: u.id, customerId: null, requestId: null, kind: 'leakage_threshold', message: message.slice(0, 1000),
          readAt: null, createdAt: now, updatedAt: now,
        })));
      }
      const row = { leakage: t.leakage, threshold, findings: t.findings, recipients: admins.length, notifiedAt: now, updatedAt: now };
      if (previous) await tx.repo(LeakageNotice).update({ id: previous.id }, row);
      else await tx.repo(LeakageNotice).insert([{ id: randomUUID(), month: report.month, currency: t.currency, ...row, createdAt: now }]);
    });
    out.push({ currency: t.currency, leakage: formatMoney(t.leakage, t.currency), threshold: formatMoney(threshold, t.currency), recipients: admins.length });
  }
  // Re-arm: a notified month and currency whose leakage is back at or below the threshold notifies again on its next crossing.
  for (const [currency, previous] of previousRows) {
    if (above.has(currency) || !previous.leakage.greaterThan(previous.threshold)) continue;
    const leakage = report.totals.find((t) => t.currency === currency)?.leakage ?? new Decimal(0);
    await scope.repo(LeakageNotice).update({ id: previous.id }, { leakage, threshold, updatedAt: now });
  }
  return out;
}

// --- one-click fixes -----------------------------------------------------------------------------

export type FixResult =
  | { applied: true; message: string; recurringInvoiceId?: string; lineId?: string; mappingId?: string }
  | { applied: false; message: string };

/** invalid: the customer chosen for the fix (body.customerId); no_fix: a conflict with its own code. */
export class FixError extends AppError {
  override name = 'FixError';
  constructor(override readonly code: 'not_found' | 'no_fix' | 'invalid', message: string) {
    super(code === 'no_fix' ? 'conflict' : code, message, { code, fields: code === 'invalid' ? fieldError('body.customerId', message) : undefined });
  }
}

/**
 * Applies a finding's one-click fix through the owning service (invoices' automatic lines, the mapping
 * service); the finding is looked up again first, so a stale key is refused.
 */
export async function applyFix(ds: DataSource, tenant: Tenant, month: string, key: string, input: { customerId?: string } = {}): Promise<FixResult> {
  const report = await reconcileMonth(ds, tenant, month);
  const finding = report.findings.find((f) => f.key === key);
  if (!finding) throw new FixError('not_found', `no finding ${key} in ${month} (it may be fixed already)`);
  if (!finding.fix) throw new FixError('no_fix', `finding ${key} has no one-click fix: ${finding.manual ?? 'fix it by hand'}`);
  const scope = new TenantScope(ds.manager, tenant.id);
  if (finding.fix.action === 'map_company') {
    const customerId = input.customerId ?? finding.fix.suggestedCustomerId;
    if (!customerId) throw new FixError('invalid', 'choose the customer to map the Pax8 company to (customerId)');
    try {
      const m = await setMapping(scope, { pax8CompanyId: finding.fix.pax8CompanyId, customerId });
      return { applied: true, message: `Pax8 company ${m.pax8CompanyId} mapped to customer ${m.customerId}; import its subscriptions next`, mappingId: m.id };
    } catch (err) {
      if (err instanceof MappingError) return { applied: false, message: err.message };
      throw err;
    }
  }
  if (!finding.subscriptionId) throw new FixError('no_fix', `finding ${key} names no subscription`);
  const sub = await scope.repo(Subscription).findOneBy({ id: finding.subscriptionId });
  if (!sub) throw new FixError('not_found', `subscription ${finding.subscriptionId} not found`);
  const r = await addLineForNewSubscription(scope, sub);
  if (!r.added) return { applied: false, message: r.reason };
  return { applied: true, message: `added to recurring invoice ${r.recurringInvoiceId}`, recurringInvoiceId: r.recurringInvoiceId, lineId: r.lineId };
}
