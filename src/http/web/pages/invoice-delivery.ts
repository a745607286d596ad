import { Router, type Request } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { pageKit } from '../page-kit.js';

/**
 * Invoices by e-mail on the web (issue 27): Send / Resend on an invoice, Send selected, Approve selected and Export
 * selected (issue 24) on the invoice list, a customer's billing contacts, and the tenant's sending settings. Every write is the API's route.
 */

/** Form values: one checkbox gives a string, several an array. */
function many(v: unknown): string[] {
  return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).filter((x): x is string => typeof x === 'string' && x !== '');
}

/** A textarea of addresses, one per line or separated by commas or semicolons. */
function addressList(v: unknown): string[] {
  return typeof v === 'string' ? v.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean) : [];
}

const OUTCOME_WORDS: Record<string, string> = {
  queued: 'queued', already_queued: 'already waiting', already_sent: 'already sent', not_issued: 'drafts (approve first)',
  no_contacts: 'no billing contact', not_found: 'not found',
};

/** "2 queued, 1 already sent (INV-000003)": the outcomes of a send, counted, with the reasons of refusals. */
function summary(results: Array<{ outcome: string; message: string }>): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = [...counts].map(([o, n]) => `${n} ${OUTCOME_WORDS[o] ?? o}`);
  const refused = results.filter((r) => r.outcome === 'no_contacts' || r.outcome === 'not_issued').map((r) => r.message);
  return `Sending: ${parts.join(', ')}.${refused.length ? ` ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? '; …' : ''}.` : ''}`;
}

export function invoiceDeliveryWebRouter(rt: Runtime): Router {
  const { api, page, back } = pageKit(rt);
  const router = Router();
  const tenantOf = (req: Request) => ({ tenantId: String(req.params.tenantId) });
  const backTo = (req: Request, fallback: string) => {
    const b = typeof req.body?.back === 'string' ? req.body.back : '';
    return b.startsWith(`/t/${req.params.tenantId}/`) && !b.startsWith('//') ? b : fallback;
  };

  router.post('/t/:tenantId/invoices/send', page(async (req, res) => {
    const invoiceIds = many(req.body.invoiceIds);
    const to = backTo(req, `/t/${req.params.tenantId}/invoices`);
    if (invoiceIds.length === 0) return back(res, to, 'Choose the invoices to send first.');
    const r = await api(req, 'sendInvoices', { params: tenantOf(req), body: { invoiceIds, ...(req.body.resend === '1' ? { resend: true } : {}) } });
    back(res, to, summary(r.results));
  }));

  router.post('/t/:tenantId/invoices/approve-selected', page(async (req, res) => {
    const invoiceIds = many(req.body.invoiceIds);
    const to = backTo(req, `/t/${req.params.tenantId}/invoices`);
    if (invoiceIds.length === 0) return back(res, to, 'Choose the drafts to approve first.');
    const issued: string[] = [];
    const refused: string[] = [];
    for (const invoiceId of invoiceIds) {
      try {
        issued.push((await api(req, 'approveInvoice', { params: { ...tenantOf(req), invoiceId } })).number);
      } catch (err) {
        refused.push((err as Error).message);
      }
    }
    back(res, to, `Approved ${issued.length}${issued.length ? ` (${issued.join(', ')})` : ''}${refused.length ? `; not approved ${refused.length}: ${refused.slice(0, 3).join('; ')}` : ''}.`);
  }));

  /**
   * Export selected: the chosen invoices as the accounting tool's CSV (the API's export with their ids), downloaded at
   * once. Drafts are never exported: a choice of drafts only goes back with a notice saying so.
   */
  router.post('/t/:tenantId/invoices/export-selected', page(async (req, res) => {
    const invoiceIds = many(req.body.invoiceIds);
    const to = backTo(req, `/t/${req.params.tenantId}/invoices`);
    if (invoiceIds.length === 0) return back(res, to, 'Choose the invoices to export first.');
    const layout = req.body.layout === 'qbo' ? 'qbo' : 'xero';
    const csv = await api(req, 'exportInvoicesCsv', { params: tenantOf(req), query: { layout, invoiceIds: invoiceIds.join(',') } });
    if (csv.split('\n').filter(Boolean).length <= 1) return back(res, to, 'Nothing exported: only issued invoices are exported, and the selected ones are drafts. Approve them first.');
    res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="invoices-selected-${layout}.csv"`);
    res.send(csv);
  }));

  router.post('/t/:tenantId/customers/:customerId/billing-contacts', page(async (req, res) => {
    const p = { ...tenantOf(req), customerId: String(req.params.customerId) };
    const c = await api(req, 'setBillingContacts', { params: p, body: { to: addressList(req.body.to), cc: addressList(req.body.cc) } });
    back(res, `/t/${p.tenantId}/customers/${p.customerId}`, c.to.length ? `Invoices go to ${c.to.join(', ')}${c.cc.length ? `, copy to ${c.cc.join(', ')}` : ''}.` : 'Billing contacts cleared: this customer\'s invoices cannot be sent.');
  }));

  router.post('/t/:tenantId/integration/invoice-delivery', page(async (req, res) => {
    const b = req.body as Record<string, string>;
    await api(req, 'updateTenantSettings', {
      params: tenantOf(req),
      body: { invoiceDelivery: {
        autoSend: b.autoSend === 'on', subjectTemplate: b.subjectTemplate ?? '', bodyTemplate: (b.bodyTemplate ?? '').replace(/\r\n/g, '\n'),
        replyTo: b.replyTo?.trim() ? b.replyTo.trim() : null,
      } },
    });
    back(res, `/t/${req.params.tenantId}/integration`, 'Invoice e-mail settings saved.');
  }));

  return router;
}
