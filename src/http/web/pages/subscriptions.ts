import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import type { PageKit } from '../page-kit.js';
import { describeValue } from '../form-state.js';
import { pager } from '../layout.js';
import { clean, customerLookups, type Data } from './shared.js';

/**
 * The Subscriptions page (templates/web/pages/subscriptions.hbs): a tenant's subscriptions with their customers, and
 * an admin's quantity change. Built with the main router's page kit (src/http/web/index.ts).
 */
export function subscriptionsWebRouter(rt: Runtime, kit: PageKit): Router {
  const { api, render, page, back } = kit;
  const { customerChoices, namesOf } = customerLookups(kit);
  const router = Router();

  router.get('/t/:tenantId/subscriptions', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({ q: req.query.q, status: req.query.status, active: req.query.active, customerId: req.query.customerId, kind: req.query.kind, page: req.query.page, sort: req.query.sort, size: '50' });
    const subs = await api(req, 'listSubscriptions', { params: p, query: q });
    const picker = await customerChoices(req, p.tenantId, req.query.customerQ, req.query.customerId);
    const customers = picker.options;
    const names = await namesOf(req, p.tenantId, (subs.items as Data[]).map((s) => s.customerId));
    const role = req.auth!.user.role;
    render(req, res, 'subscriptions', {
      title: 'Subscriptions', tenant: p, query: q, customers, picker, page: subs.page, pager: pager(req, subs.page),
      items: (subs.items as Data[]).map((s) => ({ ...s, customerName: s.customerId ? names.get(s.customerId) ?? s.customerId : null })),
      // Only admins set quantities directly; clients ask through licensing requests (My licences).
      canIncrease: role === 'admin',
    });
  }));
  router.post('/t/:tenantId/subscriptions/:subscriptionId/quantity', page(async (req, res) => {
    const params = { tenantId: req.params.tenantId, subscriptionId: req.params.subscriptionId };
    const was = (await api(req, 'getSubscription', { params }) as Data).quantity;
    const s = await api(req, 'setSubscriptionQuantity', { params, body: { quantity: String(req.body.quantity ?? '') } });
    back(res, `/t/${req.params.tenantId}/subscriptions`, s.pendingQuantity !== null
      ? `Pax8 is provisioning "${s.name}" to ${s.pendingQuantity}; it stays billed at ${s.quantity} until Pax8 confirms.`
      : `"${s.name}": quantity changed from ${describeValue(was)} to ${describeValue(s.quantity)}.`);
  }));

  return router;
}
