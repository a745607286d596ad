import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LICENSING_PERMISSIONS } from '../../../licensing/permissions.js';
import { localTime, pageCsp, renderPage, type PageFrame } from '../../../licensing/pages.js';
import { allRoutes, defineRoute, invokeRoute, tenantParams, type RouteContext, type RouteDef } from '../route.js';
import './licensing.js';

/**
 * The licensing pages of the web app (HTML): admin settings (Approval / Catalog / Self-Service tabs),
 * the approvals queue, and the client's subscriptions, requests and notices. Each page reads through
 * the JSON routes (invokeRoute), so the same roles, tenant and customer rules apply; forms call the
 * JSON API with the session's CSRF token.
 */
const MANAGE = LICENSING_PERMISSIONS.manage_licensing;
const WRITE = LICENSING_PERMISSIONS.write_licensing;
const TAG = 'Licensing pages';

function route(id: string): RouteDef {
  const def = allRoutes().find((r) => r.id === id);
  if (!def) throw new Error(`licensing pages need route ${id}`);
  return def;
}

type Ctx = RouteContext<{ tenantId: string }, unknown, unknown>;

async function read<T>(ctx: Ctx, id: string, query: Record<string, unknown> = {}): Promise<T> {
  const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''));
  return (await invokeRoute(ctx.rt, route(id), ctx.auth, { params: { tenantId: ctx.tenant.id }, query: clean })) as T;
}

function frame(ctx: Ctx, title: string, nonce: string, current: string): PageFrame {
  const base = `/api/v1/tenants/${encodeURIComponent(ctx.tenant.id)}/licensing/view`;
  const nav = ctx.auth.user.role === 'client'
    ? [{ href: `${base}/my`, label: 'My licences', on: current === 'my' }]
    : [
      { href: `${base}/settings`, label: 'Licensing settings', on: current === 'settings' },
      { href: `${base}/approvals`, label: 'Approvals', on: current === 'approvals' },
    ];
  return { title, tenantName: ctx.tenant.displayName || ctx.tenant.name, csrf: ctx.auth.session?.csrfToken ?? '', nonce, nav };
}

function send(ctx: Ctx, html: string, nonce: string): string {
  ctx.res?.type('html').setHeader('Content-Security-Policy', pageCsp(nonce));
  ctx.res?.setHeader('Cache-Control', 'no-store');
  ctx.res?.send(html);
  return html;
}

const api = (ctx: Ctx) => `/api/v1/tenants/${encodeURIComponent(ctx.tenant.id)}/licensing`;
const maybe = z.string().max(120).optional();
const TABS = ['approval', 'catalog', 'self-service'] as const;

interface Page<T> { items: T[]; page: { totalElements: number } }
interface Req { requestedAt: string; [k: string]: unknown }
const withLocal = <T extends Req>(items: T[], zone: string) => items.map((r) => ({ ...r, requestedAt: localTime(r.requestedAt, zone) }));

defineRoute({
  id: 'licensingSettingsPage', method: 'get', path: '/tenants/:tenantId/licensing/view/settings', tag: TAG, roles: MANAGE,
  summary: 'Licensing settings page (HTML): Approval, Catalog and Self-Service tabs',
  params: tenantParams,
  query: z.strictObject({
    tab: z.enum(TABS).default('approval'), q: z.string().max(100).optional(), vendor: maybe, category: maybe,
    visible: z.enum(['', 'true', 'false']).optional(), page: z.coerce.number().int().min(0).default(0),
  }),
  produces: 'text/html',
  response: z.string(),
  async handler(c) {
    const ctx = c as unknown as Ctx;
    const q = c.query;
    const nonce = randomBytes(16).toString('base64');
    const base = `/api/v1/tenants/${encodeURIComponent(ctx.tenant.id)}/licensing/view/settings`;
    const data: Record<string, unknown> = {
      api: api(ctx), filter: { q: q.q ?? '', vendor: q.vendor ?? '', category: q.category ?? '', visible: q.visible ?? '' },
      tabs: TABS.map((t) => ({ id: t, href: `${base}?tab=${t}`, label: t === 'self-service' ? 'Self-Service' : t[0]!.toUpperCase() + t.slice(1), on: q.tab === t })),
    };
    const settings = await read<{ approval: { alwaysApproveVendors: string[] }; selfService: unknown; vendors: string[] }>(ctx, 'getLicensingSettings');
    if (q.tab === 'approval') {
      const chosen = new Set(settings.approval.alwaysApproveVendors.map((v) => v.toLowerCase()));
      const names = [...new Map([...settings.vendors, ...settings.approval.alwaysApproveVendors].map((v) => [v.toLowerCase(), v])).values()];
      data.approval = settings.approval;
      data.vendorBadges = names.sort((a, b) => a.localeCompare(b)).map((name) => ({ name, on: chosen.has(name.toLowerCase()) }));
    } else if (q.tab === 'catalog') {
      data.catalog = true;
      data.facets = await read(ctx, 'licensingCatalogFacets');
      data.products = await read(ctx, 'listLicensingCatalog', { q: q.q, vendor: q.vendor, category: q.category, visible: q.visible, page: q.page, size: 200 });
    } else {
      data.selfService = settings.selfService;
      const subs = await read<Page<{ rule: { allowQuantityChanges: boolean | null } | null }>>(ctx, 'listLicensingSubscriptions', { q: q.q, page: q.page, size: 200 });
      data.subscriptions = {
        ...subs,
        items: subs.items.map((s) => ({ ...s, allowSel: s.rule?.allowQuantityChanges === true ? 'true' : s.rule?.allowQuantityChanges === false ? 'false' : '' })),
      };
    }
    return send(ctx, renderPage('settings', data, frame(ctx, 'Licensing settings', nonce, 'settings')), nonce);
  },
});

defineRoute({
  id: 'licensingApprovalsPage', method: 'get', path: '/tenants/:tenantId/licensing/view/approvals', tag: TAG, roles: MANAGE,
  summary: 'Approvals queue page (HTML): pending requests with approve / reject, recent decisions, sync',
  params: tenantParams,
  produces: 'text/html',
  response: z.string(),
  async handler(c) {
    const ctx = c as unknown as Ctx;
    const nonce = randomBytes(16).toString('base64');
    const zone = ctx.tenant.timeZone;
    const pending = await read<Page<Req>>(ctx, 'listLicensingRequests', { status: 'pending', size: 200, sort: 'requestedAt,asc' });
    const all = await read<Page<Req & { status: string }>>(ctx, 'listLicensingRequests', { size: 50, sort: 'requestedAt,desc' });
    const data = {
      api: api(ctx),
      pending: { ...pending, items: withLocal(pending.items, zone) },
      recent: withLocal(all.items.filter((r) => r.status !== 'pending'), zone),
    };
    return send(ctx, renderPage('approvals', data, frame(ctx, 'Licence approvals', nonce, 'approvals')), nonce);
  },
});

defineRoute({
  id: 'licensingMyPage', method: 'get', path: '/tenants/:tenantId/licensing/view/my', tag: TAG, roles: WRITE, customerScoped: true,
  summary: 'My licences page (HTML): my company\'s subscriptions, change requests, notices and catalog',
  params: tenantParams,
  produces: 'text/html',
  response: z.string(),
  async handler(c) {
    const ctx = c as unknown as Ctx;
    const nonce = randomBytes(16).toString('base64');
    const zone = ctx.tenant.timeZone;
    const requests = await read<Page<Req>>(ctx, 'listMyLicensingRequests', { size: 50 });
    const notices = await read<Page<{ createdAt: string }>>(ctx, 'listMyLicensingNotices', { size: 50 });
    const data = {
      api: api(ctx),
      subscriptions: await read(ctx, 'listMyLicensingSubscriptions', { size: 200 }),
      requests: { ...requests, items: withLocal(requests.items, zone) },
      notices: { ...notices, items: notices.items.map((n) => ({ ...n, createdAt: localTime(n.createdAt, zone) })) },
      catalog: await read(ctx, 'listMyLicensingCatalog', { size: 200 }),
    };
    return send(ctx, renderPage('my', data, frame(ctx, 'My licences', nonce, 'my')), nonce);
  },
});
