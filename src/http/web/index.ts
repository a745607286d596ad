import express, { Router, type Request, type Response } from 'express';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../../app/runtime.js';
import { UserService } from '../../users/service.js';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth.js';
import { Tenant } from '../../db/entities/index.js';
import { tenantDate } from '../../common/tenant-date.js';
import { systemClock } from '../../common/clock.js';
import { HttpError, problemOf, validationError } from '../api/errors.js';
import { pageKit } from './page-kit.js';
import { describeChanges, describeValue } from './form-state.js';
import { invoiceRunPanel, isStale, progressPanel } from './progress.js';
import { day as formatDay } from './format.js';

/** The fields of a recurring invoice line's form and of a subscription link's, with their labels, for "what changed". */
const LINE_FIELDS: Array<[string, string]> = [
  ['description', 'Description'], ['priceMode', 'Price'], ['unitPrice', 'Unit price'], ['costMode', 'Cost'], ['cost', 'Own unit cost'],
  ['prorata', 'Pro-rata'], ['reviewRequired', 'Review'],
];
const LINK_FIELDS: Array<[string, string]> = [['freeQuantity', 'Free quantity'], ['minimumQuantity', 'Minimum quantity']];
const IMPORT_SETTING_FIELDS: Array<[string, string]> = [
  ['topLevelForNewCustomers', 'Top level for new customers'], ['updateSiteAddress', 'Update site address on import'],
  ['importInactiveCompanies', 'Import inactive companies'], ['includeOwnCompany', 'Import our own company\'s subscriptions and usage'],
  ['productImportMode', 'Product import'], ['productGroupForNewProducts', 'Product group for new products'],
  ['deactivateDeletedSubscriptions', 'Deactivate subscriptions deleted in Pax8'], ['allowQuantityIncrease', 'Allow quantity increases from Recurra'],
  ['usageExcludePattern', 'Exclude usage products'], ['usageProductPattern', 'Usage product pattern'],
  ['reviewUsageLines', 'Hold invoices with usage lines for review'], ['leakageNoticeThreshold', 'Leakage notice threshold'],
];
const INVOICING_FIELDS: Array<[string, string]> = [
  ['sellerName', 'Seller name'], ['sellerAddress', 'Seller address'], ['sellerTaxNumber', 'Tax number'], ['sellerBankDetails', 'Bank details'],
  ['paymentTermsDays', 'Payment terms in days'],
];
const CONNECTION_FIELDS: Array<[string, string]> = [
  ['displayName', 'Display name'], ['timeZone', 'Time zone'], ['pax8ClientId', 'Client id'], ['pax8ApiUrl', 'API URL'], ['pax8TokenUrl', 'Token URL'],
  ['pax8Audience', 'Audience'],
];
const CUSTOMER_SETTING_FIELDS: Array<[string, string]> = [
  ['monthly', 'Monthly recurring invoice for automatic lines'], ['annual', 'Annual recurring invoice for automatic lines'],
  ['noAutomaticInvoiceLines', 'No automatic lines'], ['paymentTermsDays', 'Payment terms in days'],
];
import { fromThisSite } from '../same-origin.js';
import { pager } from './layout.js';
import { distinctLabels, distinctNames, subscriptionLabels, withCatalogTwins, type SubscriptionLike } from './look-alike.js';
import { licensingWebRouter } from './pages/licensing.js';
import { SYNC_ENTITIES } from '../../tenants/settings.js';
import { schedulePatchFromForm, scheduleRows, withScheduleWords } from './sync-settings.js';
import { reconcileWebRouter } from './pages/reconcile.js';
import { taxWebRouter } from './pages/tax.js';
import { accountingWebRouter } from './pages/accounting.js';
import { usageReviewWebRouter } from './pages/usage-review.js';
import { invoiceDeliveryWebRouter } from './pages/invoice-delivery.js';
import { invoicesInBooks } from './pages/accounting-mapping.js';
import { accountWebRouter } from './pages/account.js';
import { dashboardWebRouter } from './pages/dashboard.js';
import { clean, customerLookups, rememberTenant, type Data } from './pages/shared.js';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../public');

/** Only same-site relative paths are followed after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-/?=&.%]*$/.test(next) ? next : '/';
}

/** Subscriptions with the label a choice shows them by, look-alikes told apart (term, commitment, start, Pax8 id). */
function withSubscriptionLabels(subs: Data[]): Data[] {
  const labels = subscriptionLabels(subs as SubscriptionLike[]);
  return subs.map((s, i) => ({ ...s, label: labels[i] }));
}

/** Usage summaries whose customer, resource group and vendor read the same get their Pax8 subscription to tell them apart. */
function withUsageTwins(items: Data[]): Data[] {
  const plain = (u: Data) => `${u.customerName ?? ''}|${u.resourceGroup ?? ''}|${u.vendorName ?? ''}`;
  const labels = distinctLabels(items, plain, [], (u) => String(u.pax8SubscriptionId ?? u.id));
  return items.map((u, i) => ({ ...u, twin: labels[i] !== plain(u) ? `Pax8 subscription ${labels[i]!.slice(plain(u).length + 2)}` : null }));
}

export function webRouter(rt: Runtime): Router {
  const now = rt.clock ?? systemClock;
  const users = new UserService(rt.ds);
  const router = Router();
  router.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  router.use(express.urlencoded({ extended: false, limit: '200kb' }));

  const kit = pageKit(rt, { beforePage: rememberTenant(rt) });
  const { customerChoices, namesOf } = customerLookups(kit);
  const { api, maybe, render, page, back, views, typed } = kit;

  // --- sign-in ----------------------------------------------------------------------------------

  router.get('/login', (req, res) => {
    if (req.auth) return res.redirect(303, '/');
    render(req, res, 'login', { title: 'Sign in', next: safeNext(req.query.next) });
  });

  router.post('/login', async (req, res) => {
    // Login CSRF: a cross-site form post is refused (the cookie is SameSite=Lax as well).
    if (!fromThisSite(req.get('origin'), req.get('host'))) {
      return render(req, res, 'login', { title: 'Sign in', error: 'Sign-in from another site refused.' }, 403);
    }
    const email = String(req.body?.email ?? '');
    const password = String(req.body?.password ?? '');
    const next = safeNext(req.body?.next);
    const r = await users.login(email, password, req.ip ?? 'unknown');
    if (!r.ok) {
      if (r.reason === 'invalid') await new Promise((ok) => setTimeout(ok, r.delayMs));
      const error = r.reason === 'locked' ? `Too many failed sign-ins. Try again in ${Math.ceil(r.retryAfterMs / 1000)} seconds.` : 'Wrong e-mail or password.';
      return render(req, res, 'login', { title: 'Sign in', email, next, error }, r.reason === 'locked' ? 429 : 401);
    }
    setSessionCookie(rt, req, res, r.session.token, r.session.expiresAt);
    res.redirect(303, r.user.mustChangePassword ? '/account/password' : next);
  });

  router.post('/logout', page(async (req, res) => {
    const token = (req.cookies as Record<string, string>)[SESSION_COOKIE];
    if (token) await users.logout(token);
    clearSessionCookie(rt, req, res);
    res.redirect(303, '/login');
  }));

  // --- integrations -------------------------------------------------------------------------------

  router.get('/integrations', page(async (req, res) => {
    render(req, res, 'integrations', { title: 'Integrations', tenants: (await api(req, 'listTenants')).items, canAdd: !req.auth!.user.tenantId && req.auth!.user.role === 'admin' });
  }));
  router.post('/integrations', page(async (req, res) => {
    const b = clean(req.body as Record<string, unknown>);
    const t = await api(req, 'createTenant', { body: b });
    back(res, `/t/${t.id}/integration`, `Tenant "${t.name}" added. Choose the partner's own company (imports wait for it), test the connection, then sync.`);
  }));

  const settingsView = (s: Data) => ({
    ...s,
    productModes: ['none', 'products', 'products_and_lines'].map((m) => ({ value: m, selected: s.imports.productImportMode === m })),
  });

  router.get('/t/:tenantId/integration', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const tenant = await api(req, 'getTenant', { params: p });
    const runs = await maybe(req, 'listImportRuns', { params: p, query: { size: '20' } });
    const jobs = await maybe(req, 'listJobs', { params: p, query: { size: '50' } });
    render(req, res, 'integration', {
      title: `Integration ${tenant.displayName}`, tenant, settings: settingsView(tenant.settings), runs: runs?.items ?? [], jobs: withScheduleWords(jobs?.items ?? []),
      progress: progressPanel(tenant.id, (runs?.items ?? []) as Data[], (jobs?.items ?? []) as Data[], now(), tenant.timeZone || 'UTC'),
      partnerCompany: await partnerCompanyView(req, tenant), sync: await syncView(req, tenant),
    });
  }));
  /**
   * Sync choices: the regular schedule per entity (in words), whose subscriptions the syncs import, and the customers
   * *Sync now* and that setting can choose from (found by part of a name with ?syncQ=, the chosen ones always listed).
   */
  const syncView = async (req: Request, tenant: Data) => {
    const chosenIds = (tenant.settings.imports.subscriptionCustomers ?? []) as string[];
    const picker = await customerChoices(req, tenant.id, (req.query as Data).syncQ);
    const names = await namesOf(req, tenant.id, chosenIds);
    const chosen = chosenIds.map((id) => ({ id, name: names.get(id) ?? `${id} (no longer a customer)` }));
    const others = (picker.options as Data[]).filter((o) => !chosenIds.includes(o.id));
    return {
      rows: scheduleRows(tenant.settings, tenant.timeZone, now()), entities: SYNC_ENTITIES,
      allCustomers: chosenIds.length === 0, chosen, others, picker,
    };
  };
  router.post('/t/:tenantId/integration/schedule', page(async (req, res) => {
    const body = schedulePatchFromForm(req.body as Record<string, unknown>);
    await api(req, 'updateTenantSettings', { params: { tenantId: req.params.tenantId }, body });
    const off = SYNC_ENTITIES.filter((e) => !body.imports.scheduledEntities.includes(e));
    back(res, `/t/${req.params.tenantId}/integration`, `Schedule saved.${off.length ? ` Not in the regular sync (sync now only): ${off.join(', ')}.` : ''}`);
  }));
  router.post('/t/:tenantId/integration/subscription-customers', page(async (req, res) => {
    const b = req.body as Record<string, string | string[]>;
    const ids = ([] as string[]).concat(b.customers ?? []).filter(Boolean);
    const all = b.which !== 'chosen';
    if (!all && ids.length === 0) throw validationError([{ path: 'customers', message: 'Choose at least one customer, or "every mapped customer".' }]);
    await api(req, 'updateTenantSettings', { params: { tenantId: req.params.tenantId }, body: { imports: { subscriptionCustomers: all ? null : ids } } });
    back(res, `/t/${req.params.tenantId}/integration`,
      all ? 'The syncs import the subscriptions of every mapped customer.' : `The syncs import the subscriptions and usage of ${ids.length} chosen customer${ids.length === 1 ? '' : 's'}.`);
  }));
  /** The partner's own company: its state, and for admins the Pax8 companies to choose from (read from Pax8 while not chosen, or on ?partnerCompany=change). */
  const partnerCompanyView = async (req: Request, tenant: Data) => {
    const imports = tenant.settings.imports as Data;
    const state = imports.ownCompanyPax8Id ? 'chosen' : imports.ownCompanyDeclined ? 'declined' : 'not_chosen';
    const view: Data = { state, chosen: state === 'chosen', declined: state === 'declined', notChosen: state === 'not_chosen', pax8CompanyId: imports.ownCompanyPax8Id };
    const q = req.query as Record<string, unknown>;
    const match = typeof q.match === 'string' && q.match.trim() ? q.match.trim().slice(0, 200) : undefined;
    if (req.auth!.user.role !== 'admin' || (state !== 'not_chosen' && q.partnerCompany !== 'change' && !match)) return view;
    const found = await maybe(req, 'getTenantPartnerCompany', { params: { tenantId: tenant.id }, query: match ? { match } : {} });
    return found ? { ...view, form: true, match, candidates: found.candidates, candidatesError: found.candidatesError } : view;
  };
  router.post('/t/:tenantId/integration/partner-company', page(async (req, res) => {
    const b = req.body as Record<string, string>;
    const other = (b.otherPax8CompanyId ?? '').trim();
    const choice = other || (b.pax8CompanyId ?? '');
    const to = `/t/${req.params.tenantId}/integration`;
    if (!choice) throw validationError([{ path: 'pax8CompanyId', message: 'Choose a company, enter its Pax8 id, or choose "none".' }]);
    const r = await api(req, 'setTenantPartnerCompany', { params: { tenantId: req.params.tenantId }, body: { pax8CompanyId: choice === 'none' ? null : choice } });
    back(res, to, r.state === 'chosen' ? `Partner company set (${r.pax8CompanyId}): it is never imported as a customer.` : 'Declined: every Pax8 company of this account is imported as a customer.');
  }));
  router.post('/t/:tenantId/integration/settings', page(async (req, res) => {
    const b = req.body as Record<string, string>;
    const bool = (k: string) => b[k] === 'on' || b[k] === 'true';
    const text = (k: string) => (b[k] === undefined || b[k] === '' ? null : b[k]);
    const body = {
      imports: {
        topLevelForNewCustomers: text('topLevelForNewCustomers'), updateSiteAddress: bool('updateSiteAddress'),
        importInactiveCompanies: bool('importInactiveCompanies'), includeOwnCompany: bool('includeOwnCompany'),
        productImportMode: b.productImportMode, productGroupForNewProducts: b.productGroupForNewProducts,
        deactivateDeletedSubscriptions: bool('deactivateDeletedSubscriptions'), allowQuantityIncrease: bool('allowQuantityIncrease'),
        usageExcludePattern: text('usageExcludePattern'), usageProductPattern: text('usageProductPattern'), reviewUsageLines: bool('reviewUsageLines'),
      },
      leakageNoticeThreshold: text('leakageNoticeThreshold'),
    };
    const before = (await api(req, 'getTenant', { params: { tenantId: req.params.tenantId } })).settings as Data;
    const after = await api(req, 'updateTenantSettings', { params: { tenantId: req.params.tenantId }, body }) as Data;
    const flat = (st: Data) => ({ ...st.imports, leakageNoticeThreshold: st.leakageNoticeThreshold });
    const changed = describeChanges(IMPORT_SETTING_FIELDS, flat(before), flat(after));
    back(res, `/t/${req.params.tenantId}/integration`, changed ? `Settings saved: ${changed}` : 'Settings saved: nothing changed.');
  }));
  // Seller details and default payment terms on invoices (settings `invoicing`), a form of its own on the Integration page.
  router.post('/t/:tenantId/integration/invoicing', page(async (req, res) => {
    const b = req.body as Record<string, string>;
    const body = {
      invoicing: {
        sellerName: b.sellerName ?? null, sellerAddress: b.sellerAddress ?? null, sellerTaxNumber: b.sellerTaxNumber ?? null,
        sellerBankDetails: b.sellerBankDetails ?? null, paymentTermsDays: Number((b.paymentTermsDays ?? '').trim() || 'NaN'),
      },
    };
    const before = (await api(req, 'getTenant', { params: { tenantId: req.params.tenantId } })).settings as Data;
    const after = await api(req, 'updateTenantSettings', { params: { tenantId: req.params.tenantId }, body }) as Data;
    const changed = describeChanges(INVOICING_FIELDS, before.invoicing ?? {}, after.invoicing ?? {});
    back(res, `/t/${req.params.tenantId}/integration#invoicing`, changed ? `Invoicing settings saved: ${changed}` : 'Invoicing settings saved: nothing changed.');
  }));
  router.post('/t/:tenantId/integration/connection', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const b = clean(req.body as Record<string, unknown>);
    const before = await api(req, 'getTenant', { params: p }) as Data;
    await api(req, 'updateTenantConnection', { params: p, body: b });
    const changed = describeChanges(CONNECTION_FIELDS, before, await api(req, 'getTenant', { params: p }) as Data);
    const said = [changed, b.clientSecret ? 'The client secret was replaced.' : null].filter(Boolean);
    back(res, `/t/${p.tenantId}/integration`, `Connection saved: ${said.length ? said.join(' ') : 'nothing changed.'}`);
  }));
  router.post('/t/:tenantId/integration/test', page(async (req, res) => {
    const r = await api(req, 'testTenantConnection', { params: { tenantId: req.params.tenantId } });
    const to = `/t/${req.params.tenantId}/integration`;
    if (r.ok) return back(res, to, 'Connection OK: Pax8 accepted the credentials.');
    res.redirect(303, `${to}?error=${encodeURIComponent(`Connection failed (${r.reason}): ${r.message}`)}`);
  }));
  // Sync now queues the syncs through the scheduler (the Jobs table shows them); a preview runs a dry run at once.
  router.post('/t/:tenantId/integration/sync', page(async (req, res) => {
    const to = `/t/${req.params.tenantId}/integration`;
    const b = req.body as Record<string, string | string[]>;
    const entities = ([] as string[]).concat(b.entities ?? []);
    const customers = ([] as string[]).concat(b.customers ?? []).filter(Boolean);
    try {
      const r = await api(req, 'syncNow', {
        params: { tenantId: req.params.tenantId }, body: { ...(entities.length ? { entities } : {}), ...(customers.length ? { customers } : {}) },
      });
      const names = (r.jobs as Array<{ entity: string }>).map((j) => j.entity).join(', ');
      const whose = customers.length ? ` for ${customers.length} chosen customer${customers.length === 1 ? '' : 's'}` : '';
      const notice = `Sync queued (${names})${whose}. The Progress panel shows how it goes, also after a reload; each finished sync appears in the import history.`;
      res.redirect(303, `${to}?notice=${encodeURIComponent(notice)}#progress`);
    } catch (err) {
      const p = problemOf(err);
      if (p?.status !== 409) throw err;
      res.redirect(303, `${to}?error=${encodeURIComponent(`Not queued: ${p.message}`)}#jobs`);
    }
  }));
  /**
   * The progress panel of the Integration page, as JSON for its script (public/progress.js): whether something still
   * runs or waits, and the panel's HTML, read from the import runs (their step and counts so far) and the jobs.
   */
  router.get('/t/:tenantId/integration/progress', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const tenant = await api(req, 'getTenant', { params: p });
    const runs = await maybe(req, 'listImportRuns', { params: p, query: { size: '20' } });
    const jobs = await maybe(req, 'listJobs', { params: p, query: { size: '50' } });
    const panel = progressPanel(tenant.id, (runs?.items ?? []) as Data[], (jobs?.items ?? []) as Data[], now(), tenant.timeZone || 'UTC');
    res.set('Cache-Control', 'no-store').json({ active: panel.active, running: panel.running, html: views.fragment('progress-panel', panel as unknown as Data) });
  }));
  /**
   * Preview import: a dry run that takes a while (it reads everything from Pax8), so it runs in the background of this
   * process and the page returns at once; the run's record (import_runs, written as it goes) is what the progress panel
   * shows, across reloads, and its result page when it is done. One preview per tenant at a time.
   */
  router.post('/t/:tenantId/integration/preview', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const to = `/t/${p.tenantId}/integration`;
    const entities = ([] as string[]).concat((req.body as Record<string, string | string[]>).entities ?? []);
    const running = await api(req, 'listImportRuns', { params: p, query: { status: 'running', size: '20' } });
    if ((running.items as Data[]).some((r) => r.dryRun && !isStale(r, now()))) return back(res, `${to}#progress`, 'A preview is already running: its progress is shown below.');
    // Checked before it starts, so that a preview that cannot run says why at once (no credentials, partner company not chosen).
    const tenant = await api(req, 'getTenant', { params: p });
    if (!tenant.hasClientSecret) throw new HttpError(400, 'validation_failed', 'This tenant has no Pax8 credentials yet: enter its client id and secret under Connection, then preview.');
    let outcome: { run?: Data; error?: unknown } | null = null;
    api(req, 'previewImport', { params: p, body: entities.length ? { entities } : {} }).then(
      (run) => { outcome = { run }; },
      (error: unknown) => {
        outcome = { error };
        rt.logger.warn({ err: error, tenantId: p.tenantId }, 'preview import failed');
      },
    );
    // The run's record exists once the import has started: wait a moment for it, so the panel shows it at once.
    const settled = () => outcome as { run?: Data; error?: unknown } | null;
    for (let i = 0; i < 40 && !settled(); i++) {
      const list = await api(req, 'listImportRuns', { params: p, query: { status: 'running', size: '20' } });
      if ((list.items as Data[]).some((r) => r.dryRun && !isStale(r, now()))) break;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    const done = settled();
    if (done?.error) throw done.error; // refused before it ran: the form says why
    if (done?.run) return back(res, `/t/${p.tenantId}/imports/${done.run.id}`, `Preview ${done.run.status}: nothing was written.`);
    back(res, `${to}#progress`, 'Preview started: it reads everything from Pax8 and writes nothing. Its progress is shown below; you may leave this page and come back.');
  }));
  router.get('/t/:tenantId/imports/:runId', page(async (req, res) => {
    const run = await api(req, 'getImportRun', { params: { tenantId: req.params.tenantId, runId: req.params.runId } });
    const counts = Object.entries(run.counts as Record<string, Data>).map(([entity, c]) => ({ entity, ...c }));
    // The run's findings are its `message` (JSON); usage that belongs to no customer is listed with its amount.
    let details: Data = {};
    try { details = JSON.parse(typeof run.message === 'string' ? run.message : '{}') as Data; } catch { /* no findings */ }
    const unmappedUsage = Array.isArray(details.unmappedUsage) ? details.unmappedUsage as Data[] : [];
    // While it runs, the progress panel follows it and the page shows the result when it ends.
    let progress = null;
    if (run.status === 'running') {
      const p = { tenantId: req.params.tenantId };
      const [tenant, runs, jobs] = await Promise.all([api(req, 'getTenant', { params: p }), maybe(req, 'listImportRuns', { params: p, query: { size: '20' } }), maybe(req, 'listJobs', { params: p, query: { size: '50' } })]);
      progress = progressPanel(tenant.id, (runs?.items ?? []) as Data[], (jobs?.items ?? []) as Data[], now(), tenant.timeZone || 'UTC');
    }
    render(req, res, 'import-run', { title: 'Import run', run, counts, unmappedUsage, tenant: { id: req.params.tenantId }, progress });
  }));

  // --- customers and mappings ---------------------------------------------------------------------

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

  // --- subscriptions and products -----------------------------------------------------------------

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

  router.get('/t/:tenantId/products', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({ q: req.query.q, vendorName: req.query.vendorName, page: req.query.page, sort: req.query.sort, size: '50' });
    const products = await api(req, 'listProducts', { params: p, query: q });
    // Same-name products of one vendor (one per term and billing) say their term and billing in words.
    render(req, res, 'products', { title: 'Products', tenant: p, query: q, items: withCatalogTwins(products.items), page: products.page, pager: pager(req, products.page) });
  }));

  // --- recurring invoices and invoices ------------------------------------------------------------

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
    res.set('Cache-Control', 'no-store').json({ active: panel.active, running: panel.running, html: views.fragment('progress-panel', panel as unknown as Data) });
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

  // --- usage review -------------------------------------------------------------------------------

  router.get('/t/:tenantId/usage', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const q = clean({
      q: req.query.q, customerId: req.query.customerId, mismatch: req.query.mismatch, unmapped: req.query.unmapped, sort: req.query.sort,
      page: req.query.page, size: '50',
    });
    const list = await api(req, 'listUsageSummaries', { params: p, query: q });
    const picker = await customerChoices(req, p.tenantId, req.query.customerQ, req.query.customerId);
    const customers = picker.options;
    const names = await namesOf(req, p.tenantId, (list.items as Data[]).map((u) => u.customerId));
    render(req, res, 'usage', {
      title: 'Usage review', tenant: p, query: q, customers, picker, pager: pager(req, list.page),
      items: withUsageTwins((list.items as Data[]).map((u) => ({ ...u, customerName: u.customerId ? names.get(u.customerId) ?? u.customerId : null }))),
    });
  }));
  router.get('/t/:tenantId/usage/:summaryId', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId, summaryId: req.params.summaryId };
    const summary = await api(req, 'getUsageSummary', { params: p });
    const months = (summary.months as Data[]).map((m) => m.month);
    const month = typeof req.query.month === 'string' && /^\d{4}-\d{2}$/.test(req.query.month) ? req.query.month : months[months.length - 1];
    const lines = await api(req, 'listUsageLines', { params: p, query: clean({ month, size: '200', sort: 'usageDate,asc' }) });
    // By day, then by product within the day.
    const days = new Map<string, Data[]>();
    for (const l of lines.items as Data[]) days.set(l.usageDate, [...(days.get(l.usageDate) ?? []), l]);
    const names = await namesOf(req, p.tenantId, [summary.customerId]);
    const drafts = summary.customerId
      ? ((await api(req, 'listInvoices', { params: { tenantId: p.tenantId }, query: { status: 'draft', customerId: summary.customerId, size: '20' } })).items as Data[])
      : [];
    render(req, res, 'usage-summary', {
      drafts, canApprove: req.auth!.user.role !== 'client',
      title: 'Usage summary', tenant: { id: p.tenantId }, summary, month, months: months.map((m) => ({ month: m, current: m === month })),
      customerName: summary.customerId ? names.get(summary.customerId) ?? summary.customerId : null,
      days: [...days.entries()].map(([day, ls]) => ({ day, lines: ls.sort((a, b) => String(a.productName).localeCompare(String(b.productName))) })),
      linesTruncated: lines.page.totalPages > 1,
    });
  }));

  router.use(accountWebRouter(rt, kit));
  router.use(dashboardWebRouter(rt, kit));
  router.use(licensingWebRouter(rt));
  router.use(reconcileWebRouter(rt));
  router.use(taxWebRouter(rt));
  router.use(accountingWebRouter(rt));
  router.use(usageReviewWebRouter(rt));
  router.use(invoiceDeliveryWebRouter(rt));

  return router;
}
