import { Router, type Request } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { pageKit } from '../page-kit.js';
import { describeChanges } from '../form-state.js';

/**
 * The Tax settings page (templates/web/pages/tax.hbs): tax codes and each product group's code, and the customer
 * page's tax form. Every read and write is the API's own route (invokeRoute): its roles and checks.
 */
export function taxWebRouter(rt: Runtime): Router {
  const pagePath = (req: Request) => `/t/${req.params.tenantId}/tax`;
  const { api, render, page, back: done } = pageKit(rt, { backTo: pagePath, signInTo: pagePath });
  const router = Router();
  const tenantOf = (req: Request) => ({ tenantId: String(req.params.tenantId) });
  const body = (req: Request) => req.body as Record<string, string | undefined>;

  router.get('/t/:tenantId/tax', page(async (req, res) => {
    const params = tenantOf(req);
    const [codes, groups] = await Promise.all([api(req, 'listTaxCodes', { params }), api(req, 'listProductGroupTaxCodes', { params })]);
    const role = req.auth!.user.role;
    render(req, res, 'tax', {
      title: 'Tax', tenant: { id: params.tenantId }, codes: codes.items, groups: groups.items, canEdit: role === 'admin' || role === 'finance',
    });
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
    const before = ((await api(req, 'listTaxCodes', { params: tenantOf(req) })).items as Array<Record<string, unknown>>).find((x) => x.id === params.taxCodeId) ?? {};
    const c = await api(req, 'updateTaxCode', { params, body: { code: b.code, rate: (b.rate ?? '').trim() || '0', kind: b.kind } });
    const changed = describeChanges([['code', 'Code'], ['rate', 'Rate'], ['kind', 'Kind']], before, c as Record<string, unknown>);
    done(res, pagePath(req), `Tax code "${c.code}" saved: ${changed ?? 'nothing changed.'}`);
  }));

  router.post('/t/:tenantId/tax/groups', page(async (req, res) => {
    const b = body(req);
    const g = await api(req, 'setProductGroupTaxCode', { params: tenantOf(req), body: { productGroup: b.productGroup ?? '', taxCodeId: b.taxCodeId ? b.taxCodeId : null } });
    done(res, pagePath(req), `Product group "${g.productGroup}": ${g.taxCode ?? 'the recurring invoice\'s rate'}.`);
  }));

  const customerPage = (req: Request) => `/t/${req.params.tenantId}/customers/${req.params.customerId}`;
  router.post('/t/:tenantId/customers/:customerId/tax', page(async (req, res) => {
    const b = body(req);
    const params = { ...tenantOf(req), customerId: String(req.params.customerId) };
    const codeOf = async () => ({ code: (await api(req, 'getCustomer', { params }) as Record<string, unknown>).taxCode });
    const before = await codeOf();
    await api(req, 'updateCustomer', { params, body: { taxCodeId: b.taxCodeId ? b.taxCodeId : null } });
    const changed = describeChanges([['code', 'Tax code (exemption or reverse charge)']], before, await codeOf());
    done(res, customerPage(req), `Customer tax saved: ${changed ?? 'nothing changed.'}`);
  }, { backTo: customerPage }));

  return router;
}
