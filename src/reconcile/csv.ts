import { stringify } from 'csv-stringify/sync';
import { csvSafeRow } from '../common/csv-safe.js';
import type { ReportView } from './service.js';

/** CSV of a month's reconciliation; every cell goes through the invoices' formula-injection guard (csvSafe). */
function csv(header: string[], rows: unknown[][]): string {
  return stringify([header, ...rows.map((r) => csvSafeRow(r.map((v) => (v === null || v === undefined ? null : String(v)))))], { record_delimiter: '\r\n' });
}

export const CSV_PARTS = ['rows', 'findings', 'customers'] as const;
export type CsvPart = (typeof CSV_PARTS)[number];

export function reportCsv(view: ReportView, part: CsvPart): string {
  if (part === 'findings') {
    return csv(
      ['month', 'kind', 'customer', 'subject', 'subscription_id', 'usage_summary_id', 'pax8_company_id', 'currency', 'amount_per_month', 'detail', 'since', 'fix', 'manual'],
      view.findings.map((f) => [view.month, f.kind, f.customerName, f.subject, f.subscriptionId, f.usageSummaryId, f.pax8CompanyId, f.currency, f.amount,
        f.detail, f.since, f.fix?.action ?? '', f.manual]),
    );
  }
  if (part === 'customers') {
    return csv(
      ['month', 'customer_id', 'customer', 'currency', 'cost', 'billed', 'margin', 'margin_percent', 'leakage', 'findings', 'subscriptions'],
      view.customers.map((c) => [view.month, c.customerId, c.customerName, c.currency, c.cost, c.billed, c.margin, c.marginPercent, c.leakage, c.findings, c.subscriptions]),
    );
  }
  return csv(
    ['month', 'customer', 'subscription', 'subscription_id', 'usage_summary_id', 'pax8_subscription_id', 'currency', 'held_quantity', 'free_quantity',
      'billed_quantity', 'cost', 'cost_source', 'billed', 'margin', 'margin_percent', 'explanation'],
    view.rows.map((r) => [view.month, r.customerName, r.name, r.subscriptionId, r.usageSummaryId, r.pax8SubscriptionId, r.currency, r.heldQuantity,
      r.freeQuantity, r.billedQuantity, r.cost, r.costSource, r.billed, r.margin, r.marginPercent, r.explanation.join(' | ')]),
  );
}
