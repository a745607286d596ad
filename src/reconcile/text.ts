import type { ReportView } from './service.js';

const KIND_TITLES: Record<string, string> = {
  unbilled: 'Unbilled',
  under_quantity: 'Fewer licences billed than held',
  below_cost: 'Priced below cost',
  unmapped_usage: 'Usage mapped to no customer',
  unmapped_company: 'Pax8 company mapped to no customer',
  cancelled_billed: 'Cancelled in Pax8, still billed',
};

export function kindTitle(kind: string): string {
  return KIND_TITLES[kind] ?? kind;
}

export const SOURCE_TEXT: Record<string, string> = {
  invoice: 'Pax8 invoice',
  draft: 'Pax8 draft items (month not invoiced yet)',
  none: 'no Pax8 bill yet: cost estimated from partner costs and usage partner totals',
};

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The month as plain text (the CLI without --json); the same figures as the JSON and the web view. */
export function reportText(view: ReportView, tenantName: string): string {
  const out: string[] = [];
  out.push(`Reconciliation ${view.month} for ${tenantName} — cost from ${SOURCE_TEXT[view.pax8Source] ?? view.pax8Source}`);
  out.push('');
  const head = `${pad('', 34)}${pad('cost', 14, true)}${pad('billed', 14, true)}${pad('margin', 14, true)}${pad('margin %', 10, true)}${pad('leakage', 14, true)}`;
  out.push(head);
  for (const t of view.totals) {
    out.push(`${pad(`TOTAL ${t.currency}`, 34)}${pad(t.cost, 14, true)}${pad(t.billed, 14, true)}${pad(t.margin, 14, true)}${pad(t.marginPercent ?? '—', 10, true)}${pad(t.leakage, 14, true)}`);
  }
  out.push('');
  for (const c of view.customers) {
    out.push(`${pad(`${c.customerName.slice(0, 28)} ${c.currency}`, 34)}${pad(c.cost, 14, true)}${pad(c.billed, 14, true)}${pad(c.margin, 14, true)}${pad(c.marginPercent ?? '—', 10, true)}${pad(c.leakage, 14, true)}`);
  }
  out.push('');
  out.push(view.findings.length === 0 ? 'No leakage findings.' : `Findings (${view.findings.length}, newest first):`);
  for (const f of view.findings) {
    out.push(`- ${kindTitle(f.kind)}: ${f.subject} — ${f.customerName} — ${f.amount} ${f.currency} a month`);
    out.push(`    ${f.detail}`);
    out.push(`    ${f.fix ? `fix: ${f.fix.label} (recurra reconcile fix --tenant … --month ${view.month} --finding ${f.key})` : `manual: ${f.manual ?? ''}`}`);
  }
  return `${out.join('\n')}\n`;
}
