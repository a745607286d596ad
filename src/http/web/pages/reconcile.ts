import path from 'node:path';
import { Router, type Request } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { validationError, zodFields } from '../../api/errors.js';
import { findingsPage, findingsQuery } from '../../api/routes/reconcile.js';
import { pager } from '../layout.js';
import { pageKit } from '../page-kit.js';
import { WEB_TEMPLATES } from '../render.js';
import { FINDING_KINDS } from '../../../reconcile/model.js';
import { kindTitle, SOURCE_TEXT } from '../../../reconcile/text.js';

/**
 * The reconciliation month view in the web app's layout (page body templates/reconcile/page.hbs): totals,
 * findings (50 a page, by kind and customer, newest first or by amount) with their one-click fixes as plain forms, customers, subscriptions. Every figure comes
 * from the API's own route (invokeRoute), so roles and tenant rules, and the numbers, are the API's.
 */
const pageName = path.relative(path.join(WEB_TEMPLATES, 'pages'), path.resolve(WEB_TEMPLATES, '../reconcile/page'));
const ROWS_SHOWN = 500;

const FINDINGS_PER_PAGE = 50;

/** The page's non-empty string query parameters among `keys` (what the filter form and the pager carry). */
function pick(query: Request['query'], keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((k) => (typeof query[k] === 'string' && query[k] !== '' ? [[k, query[k] as string]] : [])));
}

/** The customers that have findings this month, by name, for the customer filter. */
function findingCustomers(findings: readonly { customerId: string | null; customerName: string }[]) {
  const byId = new Map<string, string>();
  for (const f of findings) if (f.customerId) byId.set(f.customerId, f.customerName);
  return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map((x) => Number.parseInt(x, 10)) as [number, number];
  const i = y * 12 + (m - 1) + by;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

export function reconcileWebRouter(rt: Runtime): Router {
  const home = (req: Request) => `/t/${req.params.tenantId}/reconcile`;
  /** A refused fix goes back to its month. */
  const monthPage = (req: Request) => `${home(req)}?month=${encodeURIComponent(typeof req.body?.month === 'string' ? req.body.month : '')}`;
  const { api, render, page } = pageKit(rt, { backTo: monthPage, signInTo: home });
  const router = Router();

  router.get('/t/:tenantId/reconcile', page(async (req, res) => {
    const month = typeof req.query.month === 'string' && req.query.month !== '' ? req.query.month : undefined;
    const view = await api(req, 'getReconciliation', { params: { tenantId: req.params.tenantId }, query: month ? { month } : {} });
    // Findings come a page at a time, by kind and customer; the totals above them stay the whole month's.
    const filters = pick(req.query, ['kind', 'customerId', 'sort', 'page', 'size']);
    // The page of findings comes from the report above (the findings route's own query and paging): one reconcile a view.
    const parsed = findingsQuery.safeParse({ size: String(FINDINGS_PER_PAGE), ...filters, month: view.month });
    if (!parsed.success) throw validationError(zodFields(parsed.error, 'query'));
    const list = findingsPage(view.findings, parsed.data);
    const root = `/t/${req.params.tenantId}/reconcile`;
    const csv = (part: string) => `/api/v1/tenants/${req.params.tenantId}/reconcile/csv?month=${view.month}&part=${part}`;
    render(req, res, pageName, {
      title: `Margin and leakage ${view.month}`,
      tenant: { id: req.params.tenantId },
      ...view,
      source: SOURCE_TEXT[view.pax8Source] ?? view.pax8Source,
      canFix: req.auth!.user.role === 'admin',
      findings: list.items.map((f) => ({ ...f, title: kindTitle(f.kind), mapCompany: f.fix?.action === 'map_company' })),
      findingCount: view.findings.length, shownCount: list.page.totalElements, filtered: filters.kind !== undefined || filters.customerId !== undefined,
      query: filters, pager: pager(req, list.page),
      kinds: FINDING_KINDS.map((k) => ({ value: k, title: kindTitle(k) })),
      findingCustomers: findingCustomers(view.findings),
      sorts: [{ value: 'since,desc', title: 'newest first' }, { value: 'amount,desc', title: 'largest amount' }, { value: 'amount,asc', title: 'smallest amount' }, { value: 'customer,asc', title: 'customer' }],
      rows: view.rows.slice(0, ROWS_SHOWN),
      rowsTruncated: view.rows.length > ROWS_SHOWN,
      rowCount: view.rows.length,
      links: {
        previous: `${root}?month=${shiftMonth(view.month, -1)}`, previousMonth: shiftMonth(view.month, -1),
        next: `${root}?month=${shiftMonth(view.month, 1)}`, nextMonth: shiftMonth(view.month, 1),
        csvRows: csv('rows'), csvFindings: csv('findings'), csvCustomers: csv('customers'), fix: `${root}/fix`,
      },
    });
  }));

  router.post('/t/:tenantId/reconcile/fix', page(async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const month = typeof body.month === 'string' ? body.month : undefined;
    const customerId = typeof body.customerId === 'string' && body.customerId.trim() !== '' ? body.customerId.trim() : undefined;
    const r = await api(req, 'fixReconciliationFinding', {
      params: { tenantId: req.params.tenantId },
      body: { key: String(body.key ?? ''), ...(month ? { month } : {}), ...(customerId ? { customerId } : {}) },
    });
    const key = r.applied ? 'notice' : 'error';
    res.redirect(303, `/t/${req.params.tenantId}/reconcile?month=${encodeURIComponent(month ?? '')}&${key}=${encodeURIComponent(r.message)}`);
  }));

  return router;
}
