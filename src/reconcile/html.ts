import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { ReportView } from './service.js';
import { kindTitle, SOURCE_TEXT } from './text.js';

const TEMPLATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/reconcile/month.hbs');
let compiled: Handlebars.TemplateDelegate | null = null;

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map((x) => Number.parseInt(x, 10)) as [number, number];
  const i = y * 12 + (m - 1) + by;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The month view of the web app (HTML, escaped by Handlebars): the same JSON the API answers, laid out. */
export function reportHtml(view: ReportView, tenant: { id: string; name: string }, page: { csrf: string; nonce: string }, base = '/api/v1'): string {
  compiled ??= Handlebars.create().compile(readFileSync(TEMPLATE, 'utf8'), { strict: false });
  const root = `${base}/tenants/${encodeURIComponent(tenant.id)}/reconcile`;
  const prev = shiftMonth(view.month, -1);
  const next = shiftMonth(view.month, 1);
  return compiled({
    ...view,
    tenant: tenant.name,
    csrf: page.csrf,
    nonce: page.nonce,
    // JSON inside a script: < escaped so no value can close the script element.
    monthJson: JSON.stringify(view.month).replace(/</g, '\\u003c'),
    fixUrlJson: JSON.stringify(`${root}/fix`).replace(/</g, '\\u003c'),
    source: SOURCE_TEXT[view.pax8Source] ?? view.pax8Source,
    findings: view.findings.map((f) => ({ ...f, title: kindTitle(f.kind) })),
    links: {
      previous: `${root}/view?month=${prev}`, previousMonth: prev, next: `${root}/view?month=${next}`, nextMonth: next,
      csvRows: `${root}/csv?month=${view.month}&part=rows`, csvFindings: `${root}/csv?month=${view.month}&part=findings`,
      csvCustomers: `${root}/csv?month=${view.month}&part=customers`,
    },
  });
}
