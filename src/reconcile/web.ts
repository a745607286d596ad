import path from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Runtime } from '../app/runtime.js';
import { HttpError, problemOf } from '../http/api/errors.js';
import { invokeRoute, routeById, type Input } from '../http/api/route.js';
import { clearSessionCookie, csrfOk } from '../http/auth.js';
import { Views, WEB_TEMPLATES } from '../http/web/render.js';
import { layoutContext } from '../http/web/layout.js';
import type { ReportView } from './service.js';
import { kindTitle, SOURCE_TEXT } from './text.js';
import '../http/api/index.js';

/**
 * The reconciliation month view in the web app's layout (page body templates/reconcile/page.hbs): totals,
 * findings newest first with their one-click fixes as plain forms, customers, subscriptions. Every figure comes
 * from the API's own route (invokeRoute), so roles and tenant rules, and the numbers, are the API's.
 */
const pageName = path.relative(path.join(WEB_TEMPLATES, 'pages'), path.resolve(WEB_TEMPLATES, '../reconcile/page'));
const ROWS_SHOWN = 500;

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map((x) => Number.parseInt(x, 10)) as [number, number];
  const i = y * 12 + (m - 1) + by;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

export function reconcileWebRouter(rt: Runtime): Router {
  const views = new Views(undefined, rt.config.env !== 'development');
  const router = Router();
  const api = (req: Request, id: string, input: Input) => invokeRoute(rt, routeById(id), req.auth!, input) as Promise<any>;

  function render(req: Request, res: Response, page: string, data: Record<string, unknown>, status = 200): void {
    res.status(status).type('html').send(views.render(page, { ...data, ...layoutContext(req, String(req.params.tenantId)) }));
  }

  const page = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response, next: NextFunction) => {
    if (!req.auth) {
      if (req.staleSession) clearSessionCookie(rt, req, res);
      return res.redirect(303, `/login?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : `/t/${req.params.tenantId}/reconcile`)}`);
    }
    if (req.auth.user.mustChangePassword) return res.redirect(303, '/account/password');
    try {
      if (req.method === 'POST' && !csrfOk(req)) throw new HttpError(403, 'csrf', 'This form expired or came from another site. Go back, reload and try again.');
      await fn(req, res);
    } catch (err) {
      const p = problemOf(err);
      if (!p) return next(err);
      const month = typeof req.body?.month === 'string' ? req.body.month : '';
      if (req.method === 'POST' && p.status !== 403 && p.status < 500) {
        return res.redirect(303, `/t/${req.params.tenantId}/reconcile?month=${encodeURIComponent(month)}&error=${encodeURIComponent(p.message)}`);
      }
      render(req, res, 'error', { title: p.status === 404 ? 'Not found' : p.status === 403 ? 'Not allowed' : 'Error', message: p.message }, p.status);
    }
  };

  router.get('/t/:tenantId/reconcile', page(async (req, res) => {
    const month = typeof req.query.month === 'string' && req.query.month !== '' ? req.query.month : undefined;
    const view = (await api(req, 'getReconciliation', { params: { tenantId: req.params.tenantId }, query: month ? { month } : {} })) as ReportView;
    const root = `/t/${req.params.tenantId}/reconcile`;
    const csv = (part: string) => `/api/v1/tenants/${req.params.tenantId}/reconcile/csv?month=${view.month}&part=${part}`;
    render(req, res, pageName, {
      title: `Margin and leakage ${view.month}`,
      tenant: { id: req.params.tenantId },
      ...view,
      source: SOURCE_TEXT[view.pax8Source] ?? view.pax8Source,
      canFix: req.auth!.user.role === 'admin',
      findings: view.findings.map((f) => ({ ...f, title: kindTitle(f.kind), mapCompany: f.fix?.action === 'map_company' })),
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
