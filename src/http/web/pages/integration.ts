import { Router, type Request } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { systemClock } from '../../../common/clock.js';
import { HttpError, problemOf, validationError } from '../../api/errors.js';
import type { PageKit } from '../page-kit.js';
import { describeChanges } from '../form-state.js';
import { isStale, progressPanel } from '../progress.js';
import { SYNC_ENTITIES } from '../../../tenants/settings.js';
import { schedulePatchFromForm, scheduleRows, withScheduleWords } from '../sync-settings.js';
import { clean, customerLookups, type Data } from './shared.js';

/** The Integration page's settings forms' fields with their labels, for "what changed". */
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

/**
 * The Integrations list and each tenant's Integration page (templates/web/pages/integrations.hbs, integration.hbs):
 * connection, import and invoicing settings, sync choices and schedule, the partner's own company, Sync now, Preview
 * import, the progress panel (also as JSON for public/progress.js) and an import run's result (import-run.hbs).
 * Built with the main router's page kit (src/http/web/index.ts).
 */
export function integrationWebRouter(rt: Runtime, kit: PageKit): Router {
  const now = rt.clock ?? systemClock;
  const { api, maybe, render, page, back, views } = kit;
  const { customerChoices, namesOf } = customerLookups(kit);
  const router = Router();

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
    res.set('Cache-Control', 'no-store').json({ active: panel.active, running: panel.running, html: views.fragment('progress-panel', panel) });
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

  return router;
}
