import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import type { PageKit } from '../page-kit.js';
import { pager } from '../layout.js';
import { distinctLabels } from '../look-alike.js';
import { clean, customerLookups, type Data } from './shared.js';

/** Usage summaries whose customer, resource group and vendor read the same get their Pax8 subscription to tell them apart. */
function withUsageTwins(items: Data[]): Data[] {
  const plain = (u: Data) => `${u.customerName ?? ''}|${u.resourceGroup ?? ''}|${u.vendorName ?? ''}`;
  const labels = distinctLabels(items, plain, [], (u) => String(u.pax8SubscriptionId ?? u.id));
  return items.map((u, i) => ({ ...u, twin: labels[i] !== plain(u) ? `Pax8 subscription ${labels[i]!.slice(plain(u).length + 2)}` : null }));
}

/**
 * Usage (templates/web/pages/usage.hbs, usage-summary.hbs): a tenant's usage summaries with their customers, and a
 * summary's lines by day for a month with the customer's draft invoices. Built with the main router's page kit
 * (src/http/web/index.ts).
 */
export function usageWebRouter(rt: Runtime, kit: PageKit): Router {
  const { api, render, page } = kit;
  const { customerChoices, namesOf } = customerLookups(kit);
  const router = Router();

  router.get('/t/:tenantId/usage', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({
      q: req.query.q, customerId: req.query.customerId, mismatch: req.query.mismatch, unmapped: req.query.unmapped, sort: req.query.sort,
      page: req.query.page, size: '50',
    });
    const list = await api(req, 'listUsageSummaries', { params: p, query: q });
    const picker = await customerChoices(req, p.tenantId, req.query.customerQ, req.query.customerId);
    const customers = picker.options;
    const names = await namesOf(req, p.tenantId, (list.items as Data[]).map((u) => u.customerId));
    render(req, res, 'usage', {
      title: 'Usage review', tenant: p, query: q, customers, picker, pager: pager(req, list.page),
      items: withUsageTwins((list.items as Data[]).map((u) => ({ ...u, customerName: u.customerId ? names.get(u.customerId) ?? u.customerId : null }))),
    });
  }));
  router.get('/t/:tenantId/usage/:summaryId', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, summaryId: req.params.summaryId };
    const summary = await api(req, 'getUsageSummary', { params: p });
    const months = (summary.months as Data[]).map((m) => m.month);
    const month = typeof req.query.month === 'string' && /^\d{4}-\d{2}$/.test(req.query.month) ? req.query.month : months[months.length - 1];
    const lines = await api(req, 'listUsageLines', { params: p, query: clean({ month, size: '200', sort: 'usageDate,asc' }) });
    // By day, then by product within the day.
    const days = new Map<string, Data[]>();
    for (const l of lines.items as Data[]) days.set(l.usageDate, [...(days.get(l.usageDate) ?? []), l]);
    const names = await namesOf(req, p.tenantId, [summary.customerId]);
    const drafts = summary.customerId
      ? ((await api(req, 'listInvoices', { params: { tenantId: p.tenantId }, query: { status: 'draft', customerId: summary.customerId, size: '20' } })).items as Data[])
      : [];
    render(req, res, 'usage-summary', {
      drafts, canApprove: req.auth!.user.role !== 'client',
      title: 'Usage summary', tenant: { id: p.tenantId }, summary, month, months: months.map((m) => ({ month: m, current: m === month })),
      customerName: summary.customerId ? names.get(summary.customerId) ?? summary.customerId : null,
      days: [...days.entries()].map(([day, ls]) => ({ day, lines: ls.sort((a, b) => String(a.productName).localeCompare(String(b.productName))) })),
      linesTruncated: lines.page.totalPages > 1,
    });
  }));

  return router;
}
