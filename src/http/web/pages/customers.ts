import { Router, type Request, type Response } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { HttpError } from '../../api/errors.js';
import type { PageKit } from '../page-kit.js';
import { describeChanges } from '../form-state.js';
import { pager } from '../layout.js';
import { distinctNames } from '../look-alike.js';
import { clean, customerLookups, type Data } from './shared.js';

/** The customer settings form's fields with their labels, for "what changed". */
const CUSTOMER_SETTING_FIELDS: Array<[string, string]> = [
  ['monthly', 'Monthly recurring invoice for automatic lines'], ['annual', 'Annual recurring invoice for automatic lines'],
  ['noAutomaticInvoiceLines', 'No automatic lines'], ['paymentTermsDays', 'Payment terms in days'],
];

/**
 * Customers and mappings (templates/web/pages/customers.hbs, customer-list.hbs): Pax8 companies and their customers,
 * the list of every customer, a customer's page and settings (customer.hbs), new customers and mappings. Built with the
 * main router's page kit (src/http/web/index.ts).
 */
export function customersWebRouter(rt: Runtime, kit: PageKit): Router {
  const { api, maybe, render, page, back, typed } = kit;
  const { customerChoices, namesOf } = customerLookups(kit);
  const router = Router();

  /**
   * Every customer of the tenant (also those with no Pax8 company), found by name, active or not, in a chosen order and
   * a page at a time: the Customers page's second view (`?view=customers`). Staff only, like the companies view.
   */
  const customerListPage = async (req: Request, res: Response) => {
    const p = { tenantId: req.params.tenantId };
    if (req.auth!.user.role === 'client') throw new HttpError(403, 'forbidden', 'Clients see their own customer\'s page, not the list of customers.');
    const sorts = ['name,asc', 'name,desc', 'createdAt,desc', 'updatedAt,desc'];
    const sort = typeof req.query.sort === 'string' && sorts.includes(req.query.sort) ? req.query.sort : 'name,asc';
    const q = clean({ q: req.query.q, active: req.query.active, page: req.query.page, sort, size: '50' });
    const list = await api(req, 'listCustomers', { params: p, query: q });
    const names = distinctNames(new Map((list.items as Data[]).map((c) => [c.id as string, c.name as string])));
    render(req, res, 'customer-list', {
      title: 'Customers', tenant: p, query: q, page: list.page, pager: pager(req, list.page),
      items: (list.items as Data[]).map((c) => ({ ...c, label: names.get(c.id) ?? c.name, fromPax8: c.source === 'pax8_import' })),
    });
  };

  router.get('/t/:tenantId/customers', page(async (req, res) => {
    if (req.query.view === 'customers') return customerListPage(req, res);
    const p = { tenantId: req.params.tenantId };
    const sorts = ['name,asc', 'name,desc', 'status,asc', 'createdAt,desc'];
    const sort = typeof req.query.sort === 'string' && sorts.includes(req.query.sort) ? req.query.sort : undefined;
    const q = clean({ q: req.query.q, mapped: req.query.mapped, page: req.query.page, sort, size: '50' });
    const companies = await api(req, 'listPax8Companies', { params: p, query: q });
    const picker = await customerChoices(req, p.tenantId, req.query.customerQ, typed(req).customerId);
    const customers = picker.options;
    const names = await namesOf(req, p.tenantId, (companies.items as Data[]).map((c) => c.customerId));
    const unmappedUsage = await maybe(req, 'listUsageSummaries', { params: p, query: { unmapped: 'true', size: '50' } });
    render(req, res, 'customers', {
      title: 'Customers and mappings', tenant: p, query: q, customers, picker,
      companies: (companies.items as Data[]).map((c) => ({ ...c, customerName: c.customerId ? names.get(c.customerId) ?? c.customerId : null })),
      page: companies.page, pager: pager(req, companies.page), unmappedUsage: unmappedUsage?.items ?? [], canEdit: req.auth!.user.role === 'admin',
    });
  }));
  router.get('/t/:tenantId/customers/:customerId', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, customerId: req.params.customerId };
    const customer = await api(req, 'getCustomer', { params: p });
    const role = req.auth!.user.role;
    const canEdit = role === 'admin' || role === 'finance';
    const ris = canEdit
      ? ((await api(req, 'listRecurringInvoices', { params: { tenantId: p.tenantId }, query: { customerId: p.customerId, size: '200' } })).items as Data[])
        .filter((r) => r.status !== 'ended')
      : [];
    // Its latest rows of each kind, read through the API as this user: a list the role may not read is not shown.
    const own = { params: { tenantId: p.tenantId } };
    const latest = { customerId: p.customerId, size: '10' };
    const [mappings, subscriptions, recurring, invoices, usage] = await Promise.all([
      maybe(req, 'listMappings', { ...own, query: { customerId: p.customerId, size: '50' } }),
      maybe(req, 'listSubscriptions', { ...own, query: { ...latest, sort: 'name,asc' } }),
      maybe(req, 'listRecurringInvoices', { ...own, query: latest }),
      maybe(req, 'listInvoices', { ...own, query: latest }),
      maybe(req, 'listUsageSummaries', { ...own, query: latest }),
    ]);
    render(req, res, 'customer', {
      title: customer.name, tenant: { id: p.tenantId }, customer, canEdit, mappings, subscriptions, recurring, invoices, usage,
      contacts: await maybe(req, 'getBillingContacts', { params: p }),
      monthly: ris.filter((r) => r.frequency === 'monthly'), annual: ris.filter((r) => r.frequency === 'annual'),
      // A customer's tax code is an exemption or a reverse charge (src/tax).
      taxCodes: canEdit ? ((await api(req, 'listTaxCodes', { params: { tenantId: p.tenantId } })).items as Data[]).filter((c) => c.kind !== 'standard') : [],
    });
  }));
  router.post('/t/:tenantId/customers/:customerId/settings', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, customerId: req.params.customerId };
    const b = req.body as Record<string, string>;
    const id = (v: string | undefined) => (v ? v : null);
    // What changed, with recurring invoices by name.
    const ris = new Map(((await api(req, 'listRecurringInvoices', { params: { tenantId: p.tenantId }, query: { customerId: p.customerId, size: '200' } })).items as Data[])
      .map((r) => [r.id as string, r.name as string]));
    const view = (c: Data) => ({
      monthly: c.monthlyRecurringInvoiceId ? ris.get(c.monthlyRecurringInvoiceId) ?? c.monthlyRecurringInvoiceId : null,
      annual: c.annualRecurringInvoiceId ? ris.get(c.annualRecurringInvoiceId) ?? c.annualRecurringInvoiceId : null,
      noAutomaticInvoiceLines: c.noAutomaticInvoiceLines, paymentTermsDays: c.paymentTermsDays,
    });
    const before = view(await api(req, 'getCustomer', { params: p }) as Data);
    await api(req, 'updateCustomer', {
      params: p,
      body: {
        monthlyRecurringInvoiceId: id(b.monthlyRecurringInvoiceId), annualRecurringInvoiceId: id(b.annualRecurringInvoiceId), noAutomaticInvoiceLines: b.noAutomaticInvoiceLines === 'on',
        // Blank: the tenant's default terms; anything else goes to the API as a number, which checks it.
        ...(b.paymentTermsDays !== undefined ? { paymentTermsDays: b.paymentTermsDays.trim() === '' ? null : Number(b.paymentTermsDays) } : {}),
      },
    });
    const changed = describeChanges(CUSTOMER_SETTING_FIELDS, before, view(await api(req, 'getCustomer', { params: p }) as Data));
    back(res, `/t/${p.tenantId}/customers/${p.customerId}`, changed ? `Customer settings saved: ${changed}` : 'Customer settings saved: nothing changed.');
  }));
  router.post('/t/:tenantId/customers', page(async (req, res) => {
    const c = await api(req, 'createCustomer', { params: { tenantId: req.params.tenantId }, body: clean({ name: req.body.name, topLevel: req.body.topLevel }) });
    back(res, `/t/${req.params.tenantId}/customers`, `Customer "${c.name}" created: map it to its Pax8 company below.`);
  }));
  router.post('/t/:tenantId/mappings/generate', page(async (req, res) => {
    const r = await api(req, 'generateMappings', { params: { tenantId: req.params.tenantId }, body: { dryRun: req.body.dryRun === 'on' } });
    render(req, res, 'mappings-generated', { title: 'Generated mappings', tenant: { id: req.params.tenantId }, result: r });
  }));
  router.post('/t/:tenantId/mappings', page(async (req, res) => {
    const b = req.body as Record<string, string>;
    await api(req, 'setMapping', {
      params: { tenantId: req.params.tenantId },
      body: { pax8CompanyId: b.pax8CompanyId, customerId: b.customerId, ...(b.resourceGroup !== undefined ? { resourceGroup: b.resourceGroup || null } : {}) },
    });
    const name = (await namesOf(req, req.params.tenantId, [b.customerId])).get(b.customerId) ?? b.customerId;
    const rg = b.resourceGroup ? ` (resource group ${b.resourceGroup})` : '';
    back(res, `/t/${req.params.tenantId}/customers`, `Mapping saved: Pax8 company ${b.pax8CompanyId}${rg} is now billed to "${name}".`);
  }));
  router.post('/t/:tenantId/mappings/:pax8CompanyId/delete', page(async (req, res) => {
    await api(req, 'unsetMapping', { params: { tenantId: req.params.tenantId, pax8CompanyId: req.params.pax8CompanyId } });
    back(res, `/t/${req.params.tenantId}/customers`, 'Mapping removed.');
  }));

  return router;
}
