import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { systemClock } from '../../../common/clock.js';
import type { PageKit } from '../page-kit.js';
import { invoiceRunPanel } from '../progress.js';
import { day as formatDay } from '../format.js';
import { pager } from '../layout.js';
import { invoicesInBooks } from './accounting-mapping.js';
import { clean, customerLookups, type Data } from './shared.js';

/**
 * Invoices (templates/web/pages/invoices.hbs, invoice-view.hbs): the list with delivery and books status, queuing an
 * invoice run and its progress panel (also as JSON for public/progress.js), an invoice and its approval. Built with the
 * main router's page kit (src/http/web/index.ts).
 */
export function invoicesWebRouter(rt: Runtime, kit: PageKit): Router {
  const now = rt.clock ?? systemClock;
  const { api, maybe, render, page, back, views } = kit;
  const { namesOf } = customerLookups(kit);
  const router = Router();

  router.get('/t/:tenantId/invoices', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({
      q: req.query.q, status: req.query.status, customerId: req.query.customerId, from: req.query.from, to: req.query.to, sort: req.query.sort,
      page: req.query.page, size: '50',
    });
    const list = await api(req, 'listInvoices', { params: p, query: q });
    const names = await namesOf(req, p.tenantId, (list.items as Data[]).map((i) => i.customerId));
    const role = req.auth!.user.role;
    const ids = (list.items as Data[]).map((i) => i.id as string);
    const sent = ids.length === 0 ? null : await maybe(req, 'listLatestInvoiceDeliveries', { params: p, query: { invoiceIds: ids.join(',') } });
    const delivery = new Map(((sent?.items ?? []) as Data[]).map((d) => [d.invoiceId as string, d]));
    const books = await invoicesInBooks(kit, req, String(p.tenantId), ids);
    // The invoice runs queued from here (or the API), from their records: still shown after a reload.
    const runs = await maybe(req, 'listInvoiceRuns', { params: p, query: { size: 5 } });
    const zone = (res.locals.timeZone as string | null) || 'UTC';
    render(req, res, 'invoices', {
      title: 'Invoices', tenant: p, query: q, pager: pager(req, list.page), canRun: role === 'admin' || role === 'finance',
      progress: runs && runs.items.length > 0 ? invoiceRunPanel(String(p.tenantId), runs.items as Data[], now(), zone) : null,
      canApprove: role !== 'client', back: req.originalUrl, showDelivery: sent !== null, showBooks: books.statuses !== null, pushVendors: books.pushVendors,
      items: (list.items as Data[]).map((i) => ({ ...i, customerName: names.get(i.customerId) ?? i.customerId, delivery: delivery.get(i.id) ?? null, books: books.statuses?.get(i.id) ?? [] })),
    });
  }));
  // Run invoices queues the run through the scheduler and returns at once; the Progress panel follows it (queued,
  // running, then how many invoices or why it failed), read from the run's record, so a reload still shows it.
  router.post('/t/:tenantId/invoices/run', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const r = await api(req, 'queueInvoiceRun', { params: p, body: { ...clean({ date: req.body.date }), ...(req.body.allowFuture === 'on' ? { allowFuture: true } : {}) } });
    back(res, `/t/${p.tenantId}/invoices#progress`,
      `Invoice run for ${formatDay(r.date)} queued. The Progress panel shows how it goes, also after a reload; the list shows the new invoices when it is done.`);
  }));
  /** The Invoices page's progress panel as JSON for its script (public/progress.js), from the invoice runs' records. */
  router.get('/t/:tenantId/invoices/progress', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const runs = await api(req, 'listInvoiceRuns', { params: p, query: { size: 5 } });
    const panel = invoiceRunPanel(String(p.tenantId), runs.items as Data[], now(), (res.locals.timeZone as string | null) || 'UTC');
    res.set('Cache-Control', 'no-store').json({ active: panel.active, running: panel.running, html: views.fragment('progress-panel', panel) });
  }));
  router.get('/t/:tenantId/invoices/:invoiceId', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, invoiceId: req.params.invoiceId };
    const inv = await api(req, 'getInvoice', { params: p });
    const names = await namesOf(req, p.tenantId, [inv.customerId]);
    const role = req.auth!.user.role;
    render(req, res, 'invoice-view', {
      title: `Invoice ${inv.number}`, tenant: { id: p.tenantId }, inv, customerName: names.get(inv.customerId) ?? inv.customerId,
      canApprove: inv.status === 'draft' && role !== 'client',
      canSend: inv.status === 'issued' && (role === 'admin' || role === 'finance'),
      deliveries: (await maybe(req, 'listInvoiceDeliveries', { params: p }))?.items ?? null,
      ...(await (async () => {
        const books = await invoicesInBooks(kit, req, String(p.tenantId), [String(p.invoiceId)]);
        return { books: books.statuses ? books.statuses.get(String(p.invoiceId)) ?? [] : null, pushVendors: inv.status === 'issued' ? books.pushVendors : [] };
      })()),
      htmlUrl: `/api/v1/tenants/${p.tenantId}/invoices/${p.invoiceId}/html`, pdfUrl: `/api/v1/tenants/${p.tenantId}/invoices/${p.invoiceId}/pdf`,
    });
  }));
  router.post('/t/:tenantId/invoices/:invoiceId/approve', page(async (req, res) => {
    const inv = await api(req, 'approveInvoice', { params: { tenantId: req.params.tenantId, invoiceId: req.params.invoiceId } });
    const from = typeof req.body.back === 'string' && req.body.back.startsWith(`/t/${req.params.tenantId}/usage/`) ? req.body.back : `/t/${req.params.tenantId}/invoices/${inv.id}`;
    back(res, from, `Approved: invoice ${inv.number} issued.`);
  }));

  return router;
}
