import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { systemClock } from '../../../common/clock.js';
import { tenantDate } from '../../../common/tenant-date.js';
import { problemOf } from '../../api/errors.js';
import type { PageKit } from '../page-kit.js';
import { describeChanges, describeValue } from '../form-state.js';
import { pager } from '../layout.js';
import { subscriptionLabels, type SubscriptionLike } from '../look-alike.js';
import { clean, customerLookups, type Data } from './shared.js';

/** The fields of a recurring invoice line's form and of a subscription link's, with their labels, for "what changed". */
const LINE_FIELDS: Array<[string, string]> = [
  ['description', 'Description'], ['priceMode', 'Price'], ['unitPrice', 'Unit price'], ['costMode', 'Cost'], ['cost', 'Own unit cost'],
  ['prorata', 'Pro-rata'], ['reviewRequired', 'Review'],
];
const LINK_FIELDS: Array<[string, string]> = [['freeQuantity', 'Free quantity'], ['minimumQuantity', 'Minimum quantity']];

/** Subscriptions with the label a choice shows them by, look-alikes told apart (term, commitment, start, Pax8 id). */
function withSubscriptionLabels(subs: Data[]): Data[] {
  const labels = subscriptionLabels(subs as SubscriptionLike[]);
  return subs.map((s, i) => ({ ...s, label: labels[i] }));
}

/**
 * Recurring invoices (templates/web/pages/recurring-invoices.hbs, recurring-invoice.hbs): the list, a new one, a
 * recurring invoice with its preview, its lines and their subscription links. Built with the main router's page kit
 * (src/http/web/index.ts).
 */
export function recurringInvoicesWebRouter(rt: Runtime, kit: PageKit): Router {
  const now = rt.clock ?? systemClock;
  const { api, maybe, render, page, back, typed } = kit;
  const { customerChoices, namesOf } = customerLookups(kit);
  const router = Router();

  router.get('/t/:tenantId/recurring-invoices', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({ q: req.query.q, status: req.query.status, sort: req.query.sort, page: req.query.page, customerId: req.query.customerId, size: '50' });
    const list = await api(req, 'listRecurringInvoices', { params: p, query: q });
    const names = await namesOf(req, p.tenantId, (list.items as Data[]).map((r) => r.customerId));
    const role = req.auth!.user.role;
    const canEdit = role === 'admin' || role === 'finance';
    // A refused new recurring invoice comes back with its customer among the choices, whatever their number.
    const picker = await customerChoices(req, p.tenantId, req.query.customerQ, req.query.customerId ?? typed(req).customerId);
    // Only the new-invoice form needs the tenant's today (and clients may not read the tenant).
    const tenant = canEdit ? await api(req, 'getTenant', { params: p }) : null;
    render(req, res, 'recurring-invoices', {
      title: 'Recurring invoices', tenant: p, query: q, pager: pager(req, list.page), picker, customers: picker.options,
      items: (list.items as Data[]).map((r) => ({ ...r, customerName: names.get(r.customerId) ?? r.customerId })),
      canEdit, today: tenant ? tenantDate(now(), tenant.timeZone || 'UTC') : null,
    });
  }));
  router.post('/t/:tenantId/recurring-invoices', page(async (req, res) => {
    const r = await api(req, 'createRecurringInvoice', { params: { tenantId: req.params.tenantId }, body: clean(req.body as Record<string, unknown>) });
    back(res, `/t/${req.params.tenantId}/recurring-invoices/${r.id}`, 'Recurring invoice created: add its lines.');
  }));
  router.post('/t/:tenantId/recurring-invoices/:recurringInvoiceId/lines', page(async (req, res) => {
    const b = clean(req.body as Record<string, unknown>);
    if ('reviewRequired' in b) b.reviewRequired = b.reviewRequired === 'on';
    const p = { tenantId: req.params.tenantId, recurringInvoiceId: req.params.recurringInvoiceId };
    await api(req, 'addRecurringInvoiceLine', { params: p, body: b });
    back(res, `/t/${p.tenantId}/recurring-invoices/${p.recurringInvoiceId}`, 'Line added.');
  }));
  router.post('/t/:tenantId/recurring-invoices/:recurringInvoiceId/lines/:lineId', page(async (req, res) => {
    const b = clean(req.body as Record<string, unknown>);
    b.reviewRequired = b.reviewRequired === 'on';
    if (b.priceMode === 'follow') delete b.unitPrice;
    const p = { tenantId: req.params.tenantId, recurringInvoiceId: req.params.recurringInvoiceId, lineId: req.params.lineId };
    const lineOf = async () => ((await api(req, 'getRecurringInvoice', { params: { tenantId: p.tenantId, recurringInvoiceId: p.recurringInvoiceId } })).lines as Data[])
      .find((l) => l.id === p.lineId) ?? {};
    const before = await lineOf();
    await api(req, 'updateRecurringInvoiceLine', { params: p, body: b });
    const changed = describeChanges(LINE_FIELDS, before, await lineOf());
    back(res, `/t/${p.tenantId}/recurring-invoices/${p.recurringInvoiceId}`, changed ? `Line saved: ${changed}` : 'Line saved: nothing changed.');
  }));
  router.post('/t/:tenantId/recurring-invoices/:recurringInvoiceId/lines/:lineId/delete', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, recurringInvoiceId: req.params.recurringInvoiceId, lineId: req.params.lineId };
    await api(req, 'deleteRecurringInvoiceLine', { params: p });
    back(res, `/t/${p.tenantId}/recurring-invoices/${p.recurringInvoiceId}`, 'Line removed.');
  }));
  router.post('/t/:tenantId/recurring-invoices/:recurringInvoiceId/lines/:lineId/links', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, recurringInvoiceId: req.params.recurringInvoiceId, lineId: req.params.lineId };
    const b = clean(req.body as Record<string, unknown>);
    const linkOf = async () => (((await api(req, 'getRecurringInvoice', { params: { tenantId: p.tenantId, recurringInvoiceId: p.recurringInvoiceId } })).lines as Data[])
      .find((l) => l.id === p.lineId)?.links as Data[] ?? [])
      .find((k) => k.subscriptionId === b.subscriptionId);
    const before = await linkOf();
    await api(req, 'linkSubscription', { params: p, body: b });
    const after = await linkOf() ?? {};
    const changed = before ? describeChanges(LINK_FIELDS, before, after) : null;
    back(res, `/t/${p.tenantId}/recurring-invoices/${p.recurringInvoiceId}`, before
      ? (changed ? `Link saved: ${changed}` : 'Link saved: nothing changed.')
      : `Subscription linked (free quantity ${describeValue(after.freeQuantity)}, minimum quantity ${describeValue(after.minimumQuantity)}).`);
  }));
  router.get('/t/:tenantId/recurring-invoices/:recurringInvoiceId', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, recurringInvoiceId: req.params.recurringInvoiceId };
    const ri = await api(req, 'getRecurringInvoice', { params: p });
    const subs = await maybe(req, 'listSubscriptions', { params: { tenantId: p.tenantId }, query: { customerId: ri.customerId, size: '200' } });
    const subNames = new Map(((subs?.items ?? []) as Data[]).map((s) => [s.id, `${s.name} (qty ${s.quantity}, ${s.status})`]));
    const names = await namesOf(req, p.tenantId, [ri.customerId]);
    let preview: Data | null = null;
    let previewError: string | null = null;
    try {
      preview = await maybe(req, 'previewRecurringInvoice', { params: p });
    } catch (err) {
      const p = problemOf(err);
      if (p?.status !== 409) throw err;
      previewError = p.message;
    }
    const role = req.auth!.user.role;
    render(req, res, 'recurring-invoice', {
      title: ri.name, tenant: { id: p.tenantId }, ri, customerName: names.get(ri.customerId) ?? ri.customerId, preview, previewError,
      canEdit: role === 'admin' || role === 'finance', subscriptions: withSubscriptionLabels((subs?.items ?? []) as Data[]),
      lines: (ri.lines as Data[]).map((l) => ({ ...l, links: (l.links as Data[]).map((k) => ({ ...k, subscriptionName: subNames.get(k.subscriptionId) ?? k.subscriptionId })) })),
    });
  }));

  return router;
}
