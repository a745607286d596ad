import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Runtime } from '../../app/runtime.js';
import { HttpError, problemOf } from '../api/errors.js';
import { invokeRoute, routeById, type Input } from '../api/route.js';
import { clearSessionCookie, csrfOk } from '../auth.js';
import { layoutContext } from './layout.js';
import { Views } from './render.js';
import '../api/index.js';

/**
 * The Tax settings page (templates/web/pages/tax.hbs): tax codes and each product group's code, and the customer
 * page's tax form. Every read and write is the API's own route (invokeRoute): its roles and checks.
 */
export function taxWebRouter(rt: Runtime): Router {
  const views = new Views(undefined, rt.config.env !== 'development');
  const router = Router();
  const api = (req: Request, id: string, input: Input) => invokeRoute(rt, routeById(id), req.auth!, input) as Promise<any>;
  const pagePath = (req: Request) => `/t/${req.params.tenantId}/tax`;

  const page = (fn: (req: Request, res: Response) => Promise<void>, backTo: (req: Request) => string = pagePath) =>
    async (req: Request, res: Response, next: NextFunction) => {
      if (!req.auth) {
        if (req.staleSession) clearSessionCookie(rt, req, res);
        return res.redirect(303, `/login?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : pagePath(req))}`);
      }
      if (req.auth.user.mustChangePassword) return res.redirect(303, '/account/password');
      try {
        if (req.method === 'POST' && !csrfOk(req)) throw new HttpError(403, 'csrf', 'This form expired or came from another site. Go back, reload and try again.');
        await fn(req, res);
      } catch (err) {
        const p = problemOf(err);
        if (!p) return next(err);
        if (req.method === 'POST' && p.status !== 403 && p.status < 500) return res.redirect(303, `${backTo(req)}?error=${encodeURIComponent(p.message)}`);
        res.status(p.status).type('html').send(views.render('error', {
          title: p.status === 404 ? 'Not found' : p.status === 403 ? 'Not allowed' : 'Error', message: p.message, ...layoutContext(req, String(req.params.tenantId)),
        }));
      }
    };
  const done = (res: Response, to: string, notice: string) => res.redirect(303, `${to}?notice=${encodeURIComponent(notice)}`);
  const tenantOf = (req: Request) => ({ tenantId: String(req.params.tenantId) });
  const body = (req: Request) => req.body as Record<string, string | undefined>;

  router.get('/t/:tenantId/tax', page(async (req, res) => {
    const params = tenantOf(req);
    const [codes, groups] = await Promise.all([api(req, 'listTaxCodes', { params }), api(req, 'listProductGroupTaxCodes', { params })]);
    const role = req.auth!.user.role;
    res.type('html').send(views.render('tax', {
      title: 'Tax', tenant: { id: params.tenantId }, codes: codes.items, groups: groups.items, canEdit: role === 'admin' || role === 'finance',
      ...layoutContext(req, params.tenantId),
    }));
  }));

  router.post('/t/:tenantId/tax/codes', page(async (req, res) => {
    const b = body(req);
    const c = await api(req, 'createTaxCode', { params: tenantOf(req), body: { code: b.code ?? '', rate: (b.rate ?? '').trim() || '0', kind: b.kind } });
    done(res, pagePath(req), `Tax code "${c.code}" added.`);
  }));

  router.post('/t/:tenantId/tax/codes/:taxCodeId', page(async (req, res) => {
    const b = body(req);
    const params = { ...tenantOf(req), taxCodeId: String(req.params.taxCodeId) };
    if (b.remove !== undefined) {
      await api(req, 'deleteTaxCode', { params });
      return done(res, pagePath(req), 'Tax code removed.');
    }
    const c = await api(req, 'updateTaxCode', { params, body: { code: b.code, rate: (b.rate ?? '').trim() || '0', kind: b.kind } });
    done(res, pagePath(req), `Tax code "${c.code}" saved.`);
  }));

  router.post('/t/:tenantId/tax/groups', page(async (req, res) => {
    const b = body(req);
    const g = await api(req, 'setProductGroupTaxCode', { params: tenantOf(req), body: { productGroup: b.productGroup ?? '', taxCodeId: b.taxCodeId ? b.taxCodeId : null } });
    done(res, pagePath(req), `Product group "${g.productGroup}": ${g.taxCode ?? 'the recurring invoice\'s rate'}.`);
  }));

  const customerPage = (req: Request) => `/t/${req.params.tenantId}/customers/${req.params.customerId}`;
  router.post('/t/:tenantId/customers/:customerId/tax', page(async (req, res) => {
    const b = body(req);
    await api(req, 'updateCustomer', { params: { ...tenantOf(req), customerId: String(req.params.customerId) }, body: { taxCodeId: b.taxCodeId ? b.taxCodeId : null } });
    done(res, customerPage(req), 'Customer tax saved.');
  }, customerPage));

  return router;
}
