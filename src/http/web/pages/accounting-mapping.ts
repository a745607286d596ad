import { Router, type Request } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { notFound } from '../../api/errors.js';
import { pageKit, type PageKit } from '../page-kit.js';

/**
 * The Accounting page's sections after the connections (issue 27): per connected vendor, its contacts (suggestions,
 * Match, Link, Create missing), where lines post and which tax codes they carry, and the pushes' settings and the
 * ageing of what customers owe (payments read back). Also "Push selected" from the invoice list and Push / Refresh
 * payments on an invoice. Every read and write is the API's own route (admin and finance; settings admin only).
 */

type Data = Record<string, unknown>;
const VENDORS = ['xero', 'quickbooks'] as const;
type Vendor = (typeof VENDORS)[number];
const VENDOR_NAMES: Record<Vendor, string> = { xero: 'Xero', quickbooks: 'QuickBooks Online' };

function vendorOf(value: unknown): Vendor {
  if (!VENDORS.includes(value as Vendor)) throw notFound('no such accounting vendor');
  return value as Vendor;
}

/** Form values: one checkbox gives a string, several an array. */
function many(v: unknown): string[] {
  return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).filter((x): x is string => typeof x === 'string' && x !== '');
}

const KIND_WORDS: Record<string, string> = {
  product_group: 'product group', line_kind: 'line kind', default_ledger: 'every other line', tax_code: 'tax code', tax_rate: 'rate without a code', default_tax: 'every other taxed line',
};

/** Section "books": for each connected vendor, its contacts and mappings; the push settings and the ageing. */
export async function booksSection({ api, maybe }: PageKit, req: Request, tenantId: string): Promise<Data> {
  const connections = await maybe(req, 'listAccountingConnections', { params: { tenantId } });
  const connected = (connections?.items ?? []).filter((c) => c.status === 'connected').map((c) => c.vendor as Vendor);
  const books = [];
  for (const vendor of connected) {
    const params = { tenantId, vendor };
    const contacts = await api(req, 'listAccountingContacts', { params });
    const mappings = await api(req, 'getAccountingMappings', { params });
    const open = contacts.items.filter((i) => i.match !== 'linked');
    books.push({
      vendor, vendorName: VENDOR_NAMES[vendor],
      linkedCount: contacts.items.length - open.length, openContacts: open.slice(0, 200), moreOpen: Math.max(0, open.length - 200),
      linked: contacts.items.filter((i) => i.match === 'linked').slice(0, 200),
      mappings: mappings.mappings.map((m) => ({ ...m, kindWords: KIND_WORDS[m.kind] ?? m.kind })),
      ledgerTargets: mappings.ledgerTargets, taxRates: mappings.taxRates,
      keys: [...mappings.productGroups, ...mappings.lineKinds, ...mappings.taxCodes.map((c) => c.code)],
    });
  }
  const tenant = await maybe(req, 'getTenant', { params: { tenantId } });
  const ageing = await maybe(req, 'getAccountingAgeing', { params: { tenantId } });
  return {
    books, anyConnected: connected.length > 0, ageing,
    accountingSettings: req.auth?.user.role !== 'admin' ? null : (tenant?.settings as { accounting?: { autoPush: boolean; postAs: string } } | undefined)?.accounting ?? null,
  };
}

/**
 * The accounting status of invoices for the invoice list and an invoice's page: each invoice's pushes (one per vendor),
 * and the connected vendors invoices can be pushed to (none for roles that may not push).
 */
export async function invoicesInBooks(kit: PageKit, req: Request, tenantId: string, invoiceIds: string[]): Promise<{ statuses: Map<string, Data[]> | null; pushVendors: Array<{ vendor: string; vendorName: string }> }> {
  const found = invoiceIds.length === 0 ? null : await kit.maybe(req, 'listAccountingStatuses', { params: { tenantId }, query: { invoiceIds: invoiceIds.join(',') } });
  const statuses = found ? new Map<string, Data[]>() : null;
  for (const s of found?.items ?? []) statuses!.set(s.invoiceId, [...(statuses!.get(s.invoiceId) ?? []), { ...s, vendorName: VENDOR_NAMES[s.vendor as Vendor], tag: s.payment ?? s.push }]);
  const connections = req.auth && (req.auth.user.role === 'admin' || req.auth.user.role === 'finance') ? await kit.maybe(req, 'listAccountingConnections', { params: { tenantId } }) : null;
  const pushVendors = (connections?.items ?? []).filter((c) => c.status === 'connected').map((c) => ({ vendor: c.vendor, vendorName: VENDOR_NAMES[c.vendor as Vendor] }));
  return { statuses, pushVendors };
}

const OUTCOME_WORDS: Record<string, string> = { queued: 'queued', already_queued: 'already waiting', not_issued: 'drafts (approve first)', not_found: 'not found' };

export function accountingBooksWebRouter(rt: Runtime): Router {
  const pagePath = (req: Request) => `/t/${req.params.tenantId}/accounting`;
  const { api, page, back } = pageKit(rt, { backTo: pagePath, signInTo: pagePath });
  const router = Router();
  const b = (req: Request) => req.body as Record<string, string | undefined>;
  const params = (req: Request) => ({ tenantId: String(req.params.tenantId), vendor: vendorOf(req.params.vendor) });
  const backTo = (req: Request, fallback: string) => {
    const to = b(req).back ?? '';
    return to.startsWith(`/t/${req.params.tenantId}/`) && !to.startsWith('//') ? to : fallback;
  };
  const section = (req: Request) => `${pagePath(req)}#books-${req.params.vendor}`;

  router.post('/t/:tenantId/accounting/:vendor/contacts/match', page(async (req, res) => {
    const r = await api(req, 'matchAccountingContacts', { params: params(req) });
    const ambiguous = r.items.filter((i) => i.match === 'ambiguous').length;
    back(res, section(req), `Linked ${r.linked} customer${r.linked === 1 ? '' : 's'} by name.${ambiguous ? ` ${ambiguous} with ambiguous names wait for you to choose.` : ''}`);
  }));

  router.post('/t/:tenantId/accounting/:vendor/contacts/create-missing', page(async (req, res) => {
    const ids = many(req.body.customerIds);
    const r = await api(req, 'createAccountingContacts', { params: params(req), body: ids.length ? { customerIds: ids } : {} });
    const created = r.results.filter((x) => x.outcome === 'created').length;
    const left = r.results.filter((x) => x.outcome === 'ambiguous').map((x) => x.message);
    back(res, section(req), `Created ${created} contact${created === 1 ? '' : 's'}.${left.length ? ` ${left.slice(0, 3).join('; ')}.` : ''}${r.remaining ? ` ${r.remaining} more to create: press again.` : ''}`);
  }));

  router.post('/t/:tenantId/accounting/:vendor/contacts/link', page(async (req, res) => {
    const contactId = (b(req).otherContactId ?? '').trim() || (b(req).contactId ?? '');
    const v = await api(req, 'linkAccountingContact', { params: { ...params(req), customerId: b(req).customerId ?? '' }, body: { contactId } });
    back(res, section(req), `${v.customerName}: ${v.note}.`);
  }));

  router.post('/t/:tenantId/accounting/:vendor/contacts/unlink', page(async (req, res) => {
    await api(req, 'unlinkAccountingContact', { params: { ...params(req), customerId: b(req).customerId ?? '' } });
    back(res, section(req), 'Link removed.');
  }));

  router.post('/t/:tenantId/accounting/:vendor/mappings', page(async (req, res) => {
    const kind = b(req).kind ?? '';
    const r = await api(req, 'setAccountingMapping', {
      params: params(req),
      body: { kind, key: kind.startsWith('default') ? '' : (b(req).key ?? '').trim(), target: b(req).target ? b(req).target : null },
    });
    back(res, section(req), r.mapping ? `${KIND_WORDS[r.mapping.kind] ?? r.mapping.kind} ${r.mapping.key} → ${r.mapping.targetName ?? r.mapping.target}.` : 'Mapping removed.');
  }));

  router.post('/t/:tenantId/accounting/settings', page(async (req, res) => {
    await api(req, 'updateTenantSettings', {
      params: { tenantId: String(req.params.tenantId) },
      body: { accounting: { autoPush: b(req).autoPush === 'on', postAs: b(req).postAs === 'draft' ? 'draft' : 'approved' } },
    });
    back(res, `${pagePath(req)}#accounting-pushes`, 'Push settings saved.');
  }));

  router.post('/t/:tenantId/accounting/payments/refresh', page(async (req, res) => {
    const ids = many(req.body.invoiceIds);
    const r = await api(req, 'refreshAccountingPayments', { params: { tenantId: String(req.params.tenantId) }, body: ids.length ? { invoiceIds: ids } : {} });
    back(res, backTo(req, `${pagePath(req)}#accounting-pushes`), `Payments read back: ${r.checked} checked, ${r.changed} changed.${r.problems.length ? ` ${r.problems.join('; ')}` : ''}`);
  }));

  // "Push selected" on the invoice list (the button names the vendor) and "Push" on an invoice.
  router.post('/t/:tenantId/accounting/push', page(async (req, res) => {
    const to = backTo(req, `/t/${req.params.tenantId}/invoices`);
    const vendor = vendorOf(b(req).vendor);
    const invoiceIds = many(req.body.invoiceIds);
    if (invoiceIds.length === 0) return back(res, to, 'Choose the invoices to push first.');
    const r = await api(req, 'pushInvoices', { params: { tenantId: String(req.params.tenantId), vendor }, body: { invoiceIds, ...(b(req).now === '1' ? { now: true } : {}) } });
    const counts = new Map<string, number>();
    for (const x of r.results) counts.set(x.outcome, (counts.get(x.outcome) ?? 0) + 1);
    const refused = r.results.filter((x) => x.outcome === 'not_issued').map((x) => x.message);
    const ran = r.run ? ` Pushed ${r.run.pushed}, unchanged ${r.run.unchanged}, refused ${r.run.refused}, failed ${r.run.failed}.` : '';
    back(res, to, `${VENDOR_NAMES[vendor]}: ${[...counts].map(([o, n]) => `${n} ${OUTCOME_WORDS[o] ?? o}`).join(', ')}.${ran}${refused.length ? ` ${refused.slice(0, 3).join('; ')}.` : ''}`);
  }));

  return router;
}
