import { Decimal } from 'decimal.js';
import { In, type DataSource } from 'typeorm';
import { addDays, monthBounds } from '../billing/dates.js';
import { UsageLine, UsageMonthlyCharge, UsageSummary, type Tenant } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { previousMonth } from '../reconcile/scheduled.js';
import type { ReconcileReport } from '../reconcile/model.js';
import { reconcileMonth } from '../reconcile/service.js';

/**
 * The figures behind the usage review's charts, as plain series (amounts as decimal text; the page draws them with
 * Chart.js): a summary's usage by day in a month, a customer's usage by month, and billed (recurring revenue) and
 * margin by month from the margin reconciliation.
 */
export interface ChartSeries {
  label: string;
  values: string[];
}

export interface Chart {
  kind: 'bar' | 'line';
  title: string;
  currency: string | null;
  labels: string[];
  series: ChartSeries[];
}

/** `count` months ending with `last`, oldest first. */
export function monthsEnding(last: string, count: number): string[] {
  const out = [last];
  while (out.length < count) out.unshift(previousMonth(out[0]!));
  return out;
}

/** A usage summary's charges per day of a month (every day of the month, zero where nothing was billed). */
export async function dailyUsageChart(scope: TenantScope, summary: UsageSummary, month: string): Promise<Chart> {
  const { from, to } = monthBounds(month);
  const lines = await scope.repo(UsageLine).query('l').select(['l.usageDate', 'l.charges'])
    .andWhere('l.usageSummaryId = :id AND l.usageDate >= :from AND l.usageDate < :to', { id: summary.id, from, to }).getMany();
  const byDay = new Map<string, Decimal>();
  for (const l of lines) byDay.set(l.usageDate, (byDay.get(l.usageDate) ?? new Decimal(0)).plus(l.charges));
  const labels: string[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) labels.push(d);
  return {
    kind: 'bar', title: 'Daily usage', currency: summary.currency, labels,
    series: [{ label: 'Charges', values: labels.map((d) => (byDay.get(d) ?? new Decimal(0)).toString()) }],
  };
}

/** A customer's usage charges per month (all its summaries, in its summaries' main currency), 12 months to `last`. */
export async function customerMonthlyChart(scope: TenantScope, customerId: string, last: string, months = 12): Promise<Chart> {
  const summaries = await scope.repo(UsageSummary).findBy({ customerId });
  const labels = monthsEnding(last, months);
  const currencies = new Map<string, number>();
  for (const s of summaries) currencies.set(s.currency, (currencies.get(s.currency) ?? 0) + 1);
  const currency = [...currencies.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const ids = summaries.filter((s) => s.currency === currency).map((s) => s.id);
  const totals = new Map<string, Decimal>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await scope.repo(UsageMonthlyCharge).findBy({ usageSummaryId: In(ids.slice(i, i + 500)), month: In(labels) });
    for (const r of rows) totals.set(r.month, (totals.get(r.month) ?? new Decimal(0)).plus(r.charges));
  }
  return {
    kind: 'bar', title: 'Usage by month', currency, labels,
    series: [{ label: 'Usage charges', values: labels.map((m) => (totals.get(m) ?? new Decimal(0)).toString()) }],
  };
}

/**
 * Billed (the month's recurring revenue: what invoices billed for subscriptions and usage) and margin per month, from
 * the margin reconciliation of each month, in the tenant's main currency (the one with most billed).
 */
export async function revenueMarginChart(ds: DataSource, tenant: Tenant, last: string, months = 6): Promise<Chart> {
  const labels = monthsEnding(last, months);
  const reports: ReconcileReport[] = [];
  for (const m of labels) reports.push(await reconcileMonth(ds, tenant, m));
  const billedBy = new Map<string, Decimal>();
  for (const r of reports) for (const t of r.totals) billedBy.set(t.currency, (billedBy.get(t.currency) ?? new Decimal(0)).plus(t.billed));
  const currency = [...billedBy.entries()].sort((a, b) => b[1].comparedTo(a[1]))[0]?.[0] ?? null;
  const pick = (i: number, k: 'billed' | 'margin') => (reports[i]!.totals.find((t) => t.currency === currency)?.[k] ?? new Decimal(0)).toString();
  return {
    kind: 'line', title: 'Recurring revenue and margin by month', currency, labels,
    series: [{ label: 'Billed', values: labels.map((_, i) => pick(i, 'billed')) }, { label: 'Margin', values: labels.map((_, i) => pick(i, 'margin')) }],
  };
}
