import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import type { Runtime } from '../../../app/runtime.js';
import { Tenant } from '../../../db/entities/index.js';
import { HttpError } from '../../api/errors.js';
import { pageKit } from '../page-kit.js';
import { describeChanges } from '../form-state.js';
import { WEB_TEMPLATES } from '../render.js';
import { pager } from '../layout.js';
import { withCatalogTwins } from '../look-alike.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * Licensing pages of the web app, in the web app's layout (templates/web/layout.hbs) with the
 * page bodies in templates/licensing/. Plain forms (no script needed) posting to these routes, which
 * call the JSON API's routes through invokeRoute, so roles, tenant and customer rules are the API's.
 *
 * Admin (manage_licensing): /t/:tenantId/licensing/settings?tab=approval|catalog|self-service, /approvals.
 * Client (write_licensing): /t/:tenantId/licensing/my.
 */
const LICENSING_TEMPLATES = path.resolve(WEB_TEMPLATES, '../licensing');
/** Views resolves pages under <web>/pages/; ours live in templates/licensing/. */
const pageName = (name: string) => path.relative(path.join(WEB_TEMPLATES, 'pages'), path.join(LICENSING_TEMPLATES, name));

type Data = Record<string, any>;
const TABS = ['approval', 'catalog', 'self-service'] as const;

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== '' && v !== undefined && k !== '_csrf' && k !== 'back'));
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const orNull = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** The settings forms' fields with their labels, for "what changed". */
const APPROVAL_FIELDS: Array<[string, string]> = [
  ['requireApprovalByDefault', 'Require approval by default'], ['autoApproveThresholdPercent', 'Auto-approve threshold (%)'], ['alwaysApproveVendors', 'Always approve vendors'],
];
const SELF_SERVICE_FIELDS: Array<[string, string]> = [
  ['allowSelfService', 'Allow self-service by default'], ['defaultMinQuantity', 'Default min quantity'], ['defaultMaxQuantity', 'Default max quantity'],
];

export function licensingWebRouter(rt: Runtime): Router {
  const router = Router();
  const { api, page: kitPage, render: kitRender, redirect } = pageKit(rt, { backTo: () => null, signInTo: (req) => `/t/${req.params.tenantId}/licensing` });
  const render = (req: Request, res: Response, page: string, data: Data, status = 200) => kitRender(req, res, pageName(page), data, status);
  /** A refused form goes back to `back` with the API's message (a 404 shows the error page). */
  const page = (fn: (req: Request, res: Response) => Promise<void>, back?: (req: Request) => string) =>
    kitPage(fn, back ? { backTo: (req, status) => (status === 404 ? null : back(req)) } : {});

  /** Where a form goes back to: a page of this tenant's licensing section, else `fallback`. */
  function backTo(req: Request, fallback: string): string {
    const b = str((req.body as Record<string, unknown> | undefined)?.back);
    const root = `/t/${req.params.tenantId}/licensing/`;
    return b && b.startsWith(root) && /^[\w\-/?=&.%+]*$/.test(b) ? b : fallback;
  }
  const base = (req: Request) => `/t/${req.params.tenantId}/licensing`;
  const local = (iso: string | null, zone: string) => (iso ? dayjs.utc(iso).tz(zone).format('YYYY-MM-DD HH:mm') : null);
  /** The tenant's zone for showing times (the page's API calls have already checked access). */
  async function zoneOf(req: Request): Promise<string> {
    return (await rt.ds.manager.findOneBy(Tenant, { id: String(req.params.tenantId).slice(0, 36) }))?.timeZone ?? 'UTC';
  }

  router.get('/t/:tenantId/licensing', page(async (req, res) => {
    res.redirect(303, `${base(req)}/${req.auth!.user.role === 'client' ? 'my' : 'settings'}`);
  }));

  // --- admin: settings ----------------------------------------------------------------------------

  router.get('/t/:tenantId/licensing/settings', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const tab = (TABS as readonly string[]).includes(String(req.query.tab)) ? String(req.query.tab) : 'approval';
    const filter = { q: str(req.query.q) ?? '', vendor: str(req.query.vendor) ?? '', category: str(req.query.category) ?? '', visible: str(req.query.visible) ?? '' };
    const settings = await api(req, 'getLicensingSettings', { params: p });
    const data: Data = {
      title: 'Licensing settings', tenantId: p.tenantId, filter, backUrl: req.originalUrl,
      tabs: TABS.map((t) => ({ id: t, href: `${base(req)}/settings?tab=${t}`, label: t === 'self-service' ? 'Self-Service' : t[0]!.toUpperCase() + t.slice(1), on: t === tab })),
    };
    if (tab === 'approval') {
      const chosen = new Set((settings.approval.alwaysApproveVendors as string[]).map((v) => v.toLowerCase()));
      const names = [...new Map([...settings.vendors, ...settings.approval.alwaysApproveVendors].map((v: string) => [v.toLowerCase(), v])).values()] as string[];
      data.approval = settings.approval;
      data.vendorBadges = names.sort((a, b) => a.localeCompare(b)).map((name) => ({ name, on: chosen.has(name.toLowerCase()) }));
    } else if (tab === 'catalog') {
      data.catalog = true;
      data.facets = await api(req, 'licensingCatalogFacets', { params: p });
      const products = await api(req, 'listLicensingCatalog', { params: p, query: clean({ ...filter, page: req.query.page, size: '100' }) });
      data.products = { ...products, items: withCatalogTwins(products.items) };
      data.pager = pager(req, products.page);
    } else {
      data.selfService = settings.selfService;
      const subs = await api(req, 'listLicensingSubscriptions', { params: p, query: clean({ q: filter.q, page: req.query.page, size: '100' }) });
      data.subscriptions = {
        ...subs,
        items: (subs.items as Data[]).map((s) => ({ ...s, allowSel: s.rule?.allowQuantityChanges === true ? 'true' : s.rule?.allowQuantityChanges === false ? 'false' : '' })),
      };
      data.pager = pager(req, subs.page);
    }
    render(req, res, 'settings', data);
  }));

  const settingsTab = (tab: string) => (req: Request) => `${base(req)}/settings?tab=${tab}`;

  router.post('/t/:tenantId/licensing/settings/approval', page(async (req, res) => {
    const b = req.body as Record<string, unknown>;
    const before = (await api(req, 'getLicensingSettings', { params: { tenantId: req.params.tenantId } })).approval as Data;
    const after = await api(req, 'updateLicensingApproval', {
      params: { tenantId: req.params.tenantId },
      body: { requireApprovalByDefault: b.requireApprovalByDefault === 'on', autoApproveThresholdPercent: str(b.autoApproveThresholdPercent)?.trim() ?? '', alwaysApproveVendors: list(b.alwaysApproveVendors) },
    });
    const changed = describeChanges(APPROVAL_FIELDS, before, (after as Data).approval as Data);
    redirect(res, settingsTab('approval')(req), 'notice', `Approval settings saved: ${changed ?? 'nothing changed.'}`);
  }, settingsTab('approval')));

  router.post('/t/:tenantId/licensing/settings/self-service', page(async (req, res) => {
    const b = req.body as Record<string, unknown>;
    const before = (await api(req, 'getLicensingSettings', { params: { tenantId: req.params.tenantId } })).selfService as Data;
    const after = await api(req, 'updateLicensingSelfService', {
      params: { tenantId: req.params.tenantId },
      body: { allowSelfService: b.allowSelfService === 'on', defaultMinQuantity: orNull(b.defaultMinQuantity), defaultMaxQuantity: orNull(b.defaultMaxQuantity) },
    });
    const changed = describeChanges(SELF_SERVICE_FIELDS, before, (after as Data).selfService as Data);
    redirect(res, settingsTab('self-service')(req), 'notice', `Self-service defaults saved: ${changed ?? 'nothing changed.'}`);
  }, settingsTab('self-service')));

  router.post('/t/:tenantId/licensing/catalog', page(async (req, res) => {
    const b = req.body as Record<string, unknown>;
    const one = str(b.one);
    const [action, productIds] = one ? [one.split(':')[0], [one.split(':')[1] ?? '']] : [str(b.action), list(b.productIds)];
    if (productIds.length === 0) throw new HttpError(400, 'validation_failed', 'Select at least one product.');
    const r = await api(req, 'updateLicensingCatalog', { params: { tenantId: req.params.tenantId }, body: { action, productIds } });
    redirect(res, backTo(req, settingsTab('catalog')(req)), 'notice', `${r.changed} product${r.changed === 1 ? '' : 's'} changed (${action}).`);
  }, (req) => backTo(req, settingsTab('catalog')(req))));

  router.post('/t/:tenantId/licensing/subscriptions/:subscriptionId/rule', page(async (req, res) => {
    const b = req.body as Record<string, unknown>;
    const allow = str(b.allowQuantityChanges);
    const r = await api(req, 'setLicensingRule', {
      params: { tenantId: req.params.tenantId, subscriptionId: req.params.subscriptionId },
      body: {
        allowQuantityChanges: allow === 'true' ? true : allow === 'false' ? false : null, alwaysRequireApproval: b.alwaysRequireApproval === 'on',
        minQuantity: orNull(b.minQuantity), maxQuantity: orNull(b.maxQuantity),
      },
    });
    redirect(res, backTo(req, settingsTab('self-service')(req)), 'notice', `Rule saved for ${r.name} (${r.customerName ?? ''}).`);
  }, (req) => backTo(req, settingsTab('self-service')(req))));

  router.post('/t/:tenantId/licensing/subscriptions/:subscriptionId/rule/delete', page(async (req, res) => {
    await api(req, 'clearLicensingRule', { params: { tenantId: req.params.tenantId, subscriptionId: req.params.subscriptionId } });
    redirect(res, backTo(req, settingsTab('self-service')(req)), 'notice', 'The defaults apply again.');
  }, (req) => backTo(req, settingsTab('self-service')(req))));

  // --- admin: approvals -----------------------------------------------------------------------------

  router.get('/t/:tenantId/licensing/approvals', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const pending = await api(req, 'listLicensingRequests', { params: p, query: { status: 'pending', size: '200', sort: 'requestedAt,asc' } });
    const zone = await zoneOf(req);
    const recent = await api(req, 'listLicensingRequests', { params: p, query: { size: '50', sort: 'requestedAt,desc' } });
    const when = (r: Data) => ({ ...r, requestedAt: local(r.requestedAt, zone) });
    render(req, res, 'approvals', {
      title: 'Licence approvals', tenantId: p.tenantId,
      pending: (pending.items as Data[]).map(when), recent: (recent.items as Data[]).filter((r) => r.status !== 'pending').map(when),
    });
  }));

  const approvals = (req: Request) => `${base(req)}/approvals`;

  router.post('/t/:tenantId/licensing/requests/:requestId/approve', page(async (req, res) => {
    const r = await api(req, 'approveLicensingRequest', { params: { tenantId: req.params.tenantId, requestId: req.params.requestId } });
    if (r.status === 'failed') return redirect(res, approvals(req), 'error', `Pax8 refused the change: ${r.failureReason}`);
    redirect(res, approvals(req), 'notice', `Applied: ${r.productName} for ${r.customerName ?? 'the client'} is now ${r.requestedQuantity}.`);
  }, approvals));

  router.post('/t/:tenantId/licensing/requests/:requestId/reject', page(async (req, res) => {
    const reason = orNull((req.body as Record<string, unknown>).reason);
    const r = await api(req, 'rejectLicensingRequest', { params: { tenantId: req.params.tenantId, requestId: req.params.requestId }, body: reason ? { reason } : {} });
    redirect(res, approvals(req), 'notice', `Rejected: ${r.productName} ${r.currentQuantity} → ${r.requestedQuantity}.`);
  }, approvals));

  router.post('/t/:tenantId/licensing/sync', page(async (req, res) => {
    const r = await api(req, 'syncLicensing', { params: { tenantId: req.params.tenantId } });
    const names = (r.jobs as Array<{ entity: string }>).map((j) => j.entity).join(', ');
    redirect(res, approvals(req), 'notice', `Sync queued (${names}); the Integration page's Jobs table shows its progress.`);
  }, approvals));

  // --- client: my licences --------------------------------------------------------------------------

  router.get('/t/:tenantId/licensing/my', page(async (req, res) => {
    const p = { tenantId: req.params.tenantId };
    const subs = await api(req, 'listMyLicensingSubscriptions', { params: p, query: { size: '200' } });
    const zone = await zoneOf(req);
    const requests = await api(req, 'listMyLicensingRequests', { params: p, query: { size: '50' } });
    const notices = await api(req, 'listMyLicensingNotices', { params: p, query: { size: '50' } });
    const catalogQuery = { q: str(req.query.q) ?? '' };
    const catalog = await api(req, 'listMyLicensingCatalog', { params: p, query: clean({ ...catalogQuery, page: req.query.page, size: '50' }) });
    render(req, res, 'my', {
      title: 'My licences', tenantId: p.tenantId, subscriptions: subs.items,
      requests: (requests.items as Data[]).map((r) => ({ ...r, requestedAt: local(r.requestedAt, zone) })),
      notices: (notices.items as Data[]).map((n) => ({ ...n, createdAt: local(n.createdAt, zone) })),
      catalog: withCatalogTwins(catalog.items), catalogQuery, catalogTotal: catalog.page.totalElements, pager: pager(req, catalog.page),
    });
  }));

  const my = (req: Request) => `${base(req)}/my`;

  router.post('/t/:tenantId/licensing/my/:subscriptionId/request', page(async (req, res) => {
    const q = str((req.body as Record<string, unknown>).quantity)?.trim() ?? '';
    if (!/^\d{1,9}$/.test(q)) throw new HttpError(400, 'validation_failed', 'Enter the new quantity as a whole number.');
    const r = await api(req, 'requestLicensingChange', { params: { tenantId: req.params.tenantId, subscriptionId: req.params.subscriptionId }, body: { quantity: q } });
    if (r.status === 'applied') return redirect(res, my(req), 'notice', `Done: ${r.productName} now has ${r.requestedQuantity} licences.`);
    if (r.status === 'failed') return redirect(res, my(req), 'error', `The change could not be applied: ${r.failureReason}`);
    if (r.status === 'provisioning') return redirect(res, my(req), 'notice', `Pax8 accepted ${r.requestedQuantity} licences of ${r.productName} and is provisioning them; you keep ${r.currentQuantity} until it is done.`);
    redirect(res, my(req), 'notice', `Requested ${r.requestedQuantity} licences of ${r.productName}: waiting for approval.`);
  }, my));

  router.post('/t/:tenantId/licensing/my/notices/:noticeId/read', page(async (req, res) => {
    await api(req, 'readMyLicensingNotice', { params: { tenantId: req.params.tenantId, noticeId: req.params.noticeId } });
    res.redirect(303, my(req));
  }, my));

  return router;
}
