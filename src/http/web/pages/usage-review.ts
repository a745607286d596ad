import express, { Router, type Request } from 'express';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../../../app/runtime.js';
import { previousMonth } from '../../../reconcile/scheduled.js';
import { flagText, type UsageFlag } from '../../../usage-review/flags.js';
import { money, monthName } from '../format.js';
import { pageKit, withParam } from '../page-kit.js';
import { withUsageTwins } from '../look-alike.js';

/**
 * The usage review pages (templates/web/pages/usage-review*.hbs): the month's queue with last month beside this one,
 * flags and a decision form per summary; a summary's month with its daily usage and its customer's months charted; and
 * billed and margin by month. Every figure and decision goes through the API's routes (roles and tenant rules are
 * theirs). Charts: Chart.js from node_modules served under /static/vendor/chartjs (our origin, no CDN) and drawn by
 * public/usage-charts.js from each canvas's data-chart attribute (JSON, HTML-escaped like every other value), so no
 * inline script is needed under the app's CSP.
 */
const CHARTJS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../node_modules/chart.js/dist');
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** A flag for people, amounts as money. */
function flagView(f: UsageFlag, currency: string): { kind: string; text: string } {
  return { kind: f.kind, text: f.kind === 'negative' ? `negative charge ${money(f.amount, currency)}` : flagText(f) };
}

const STATUS_TEXT: Record<string, string> = { pending: 'to review', approved: 'approved', adjusted: 'adjusted', changed: 'charges changed since the decision' };

export function usageReviewWebRouter(rt: Runtime): Router {
  /** Where a form returns to: the page it came from (this tenant's usage review only). */
  const backOf = (req: Request) => {
    const b = typeof req.body?.back === 'string' ? req.body.back : '';
    return b.startsWith(`/t/${req.params.tenantId}/usage-review`) && !b.startsWith('//') ? b : `/t/${req.params.tenantId}/usage-review`;
  };
  const { api, render, page } = pageKit(rt, { backTo: backOf, signInTo: (req) => `/t/${req.params.tenantId}/usage-review` });
  const router = Router();
  router.use('/static/vendor/chartjs', express.static(CHARTJS_DIR, { maxAge: '1h', index: false }));
  const rowView = (r: any, req: Request) => ({
    ...r, flags: (r.flags as UsageFlag[]).map((f) => flagView(f, r.currency)), statusText: STATUS_TEXT[r.status] ?? r.status,
    open: r.status === 'pending' || r.status === 'changed', adjusted: r.billedCharges !== r.charges,
    chartUrl: `/t/${req.params.tenantId}/usage-review/${r.summaryId}?month=${r.month}`,
  });

  router.get('/t/:tenantId/usage-review', page(async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const query: Record<string, string> = { status: ['pending', 'decided', 'all'].includes(q.status ?? '') ? q.status! : 'pending', size: '200' };
    if (q.month && MONTH.test(q.month)) query.month = q.month;
    if (q.flag) query.flag = q.flag;
    if (q.flagged === 'true') query.flagged = 'true';
    if (q.page && /^\d+$/.test(q.page)) query.page = q.page;
    const list = await api(req, 'listUsageReview', { params: { tenantId: req.params.tenantId }, query });
    const role = req.auth!.user.role;
    const root = `/t/${req.params.tenantId}/usage-review`;
    render(req, res, 'usage-review', {
      title: `Usage review ${monthName(list.month)}`, tenant: { id: req.params.tenantId }, list, query,
      monthText: monthName(list.month), previousMonthText: monthName(list.previousMonth),
      // Rows that would read the same (two customers of one name, two summaries of one customer) are told apart.
      items: withUsageTwins(list.items as any[], (r) => String(r.summaryId), 'usage summary').map((r) => rowView(r, req)),
      canDecide: role === 'admin' || role === 'reviewer', canSet: role === 'admin',
      back: req.originalUrl,
      links: list.month ? {
        previous: `${root}?month=${previousMonth(list.month)}&status=${query.status}`, previousText: monthName(previousMonth(list.month)),
        next: `${root}?month=${nextMonth(list.month)}&status=${query.status}`, nextText: monthName(nextMonth(list.month)),
        trends: `${root}/trends?month=${list.month}`,
      } : null,
      statuses: [['pending', 'to review'], ['decided', 'decided'], ['all', 'all']].map(([value, text]) => ({ value, text, selected: value === query.status })),
      flagKinds: [['spike', 'spike'], ['new_resource_group', 'new resource group'], ['new_product', 'new product'], ['negative', 'negative charge'], ['first_month', 'first month']]
        .map(([value, text]) => ({ value, text, selected: value === q.flag })),
      pageInfo: { ...list.page, prev: list.page.number > 0 ? withParam(req.originalUrl, 'page', String(list.page.number - 1)) : null,
        next: list.page.number + 1 < list.page.totalPages ? withParam(req.originalUrl, 'page', String(list.page.number + 1)) : null },
    });
  }));

  router.post('/t/:tenantId/usage-review/decide', page(async (req, res) => {
    const b = req.body as Record<string, string>;
    const decision = b.decision === 'adjusted' ? 'adjusted' : 'approved';
    const r = await api(req, 'decideUsageReview', {
      params: { tenantId: req.params.tenantId, summaryId: b.summaryId },
      body: { month: b.month, decision, ...(decision === 'adjusted' ? { adjustedCharges: (b.adjustedCharges ?? '').trim().replace(/,/g, '') } : {}), note: b.note || null },
    });
    const what = r.decision === 'adjusted' ? `adjusted to ${money(r.adjustedCharges, b.currency)} (imported ${money(r.importedCharges, b.currency)})` : `approved at ${money(r.importedCharges, b.currency)}`;
    res.redirect(303, withParam(backOf(req), 'notice', `${b.label || 'Usage'} ${monthName(r.month)} ${what}.`));
  }));

  router.post('/t/:tenantId/usage-review/settings', page(async (req, res) => {
    const r = await api(req, 'setUsageSpikePercent', { params: { tenantId: req.params.tenantId }, body: { spikePercent: String(req.body.spikePercent ?? '').trim() } });
    res.redirect(303, withParam(backOf(req), 'notice', `Spikes are now months up by more than ${r.spikePercent}% on the month before.`));
  }));

  router.get('/t/:tenantId/usage-review/trends', page(async (req, res) => {
    const month = typeof req.query.month === 'string' && MONTH.test(req.query.month) ? req.query.month : undefined;
    // Six months of reconciliation take seconds: the page answers at once and public/usage-charts.js fetches the figures
    // from the API (same origin, the session's cookie), so the refusal for other roles is the API's.
    const latest = await api(req, 'getUsageCharts', { params: { tenantId: req.params.tenantId }, query: month ? { month } : {} });
    render(req, res, 'usage-review-trends', {
      title: 'Recurring revenue and margin', tenant: { id: req.params.tenantId }, monthText: monthName(latest.month), hasUsage: latest.month !== null,
      src: `/api/v1/tenants/${req.params.tenantId}/usage-review/charts?trends=true${month ? `&month=${month}` : ''}`,
    });
  }));

  router.get('/t/:tenantId/usage-review/:summaryId', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const month = typeof req.query.month === 'string' && MONTH.test(req.query.month) ? req.query.month : undefined;
    const summaryId = String(req.params.summaryId);
    const list = await api(req, 'listUsageReview', { params: p, query: { summaryId, status: 'all', ...(month ? { month } : {}) } });
    const row = list.items[0];
    const charts = await api(req, 'getUsageCharts', { params: p, query: { summaryId, ...(list.month ? { month: list.month } : {}) } });
    const role = req.auth!.user.role;
    render(req, res, 'usage-review-summary', {
      title: `Usage ${row?.customerName ?? 'unmapped'} ${monthName(list.month)}`, tenant: { id: p.tenantId }, row: row ? rowView(row, req) : null,
      monthText: monthName(list.month), previousMonthText: monthName(list.previousMonth), charts, canDecide: role === 'admin' || role === 'reviewer',
      back: req.originalUrl, queueUrl: `/t/${p.tenantId}/usage-review?month=${list.month ?? ''}&status=all`, usageUrl: `/t/${p.tenantId}/usage/${summaryId}?month=${list.month ?? ''}`,
    });
  }));

  return router;
}
