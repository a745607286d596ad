import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { In } from 'typeorm';
import type { Runtime } from '../../../app/runtime.js';
import { Customer, Subscription } from '../../../db/entities/index.js';
import { TenantScope } from '../../../db/tenant-scope.js';
import { ALL_EVENT_COLUMNS, DEFAULT_EVENT_COLUMNS, EVENT_COLUMNS } from '../../../events/query.js';
import { HttpError, problemOf } from '../../api/errors.js';
import { pageKit } from '../page-kit.js';
import { WEB_TEMPLATES } from '../render.js';
import { quantity, when, words } from '../format.js';
import { whereContains } from '../../../common/like.js';
import { distinctNames, subscriptionLabels } from '../look-alike.js';

/**
 * Licence management pages (issue 9), in the web app's layout with bodies in templates/operations and
 * templates/events. Plain forms posting here; every action goes through the JSON API's routes
 * (invokeRoute), so roles and tenant rules are the API's.
 *   /t/:tenantId/licences         purchase / decrease / transfer forms, preview, complete, recent operations
 *   /t/:tenantId/licences/events  the event log: search, sort by header, chosen and ordered columns, CSV links
 *   /t/:tenantId/licences/notices my in-app notices, "Mark read" per notice and "Mark all read"
 */
const pageName = (dir: string, name: string) => path.relative(path.join(WEB_TEMPLATES, 'pages'), path.resolve(WEB_TEMPLATES, '..', dir, name));
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
type Data = Record<string, any>;

/**
 * The event log's columns from its form: the ticked boxes (`col`, one per column, named in words on the page) in the
 * order the view had (`columns`, which the header arrows reorder), newly ticked ones after them; a link that names
 * `columns` alone (an exported view, a bookmark) keeps its order. Nothing ticked: the default view.
 */
export function eventColumnsFromForm(columns: unknown, col: unknown): string[] {
  const order = (typeof columns === 'string' ? columns : DEFAULT_EVENT_COLUMNS.join(',')).split(',').map((c) => c.trim()).filter(Boolean);
  if (col === undefined) return order;
  const ticked = ([] as unknown[]).concat(col).filter((c): c is string => typeof c === 'string' && c !== '');
  if (ticked.length === 0) return [...DEFAULT_EVENT_COLUMNS];
  return [...order.filter((c) => ticked.includes(c)), ...ALL_EVENT_COLUMNS.filter((c) => ticked.includes(c) && !order.includes(c))];
}

/** One cell of the event log as people read it (the API and the CSV keep the raw values). */
function eventCell(column: string, value: string, zone: string | undefined): string {
  if (value === '') return '';
  if (column === 'occurredAt') return when(value, zone);
  if (column === 'type' || column === 'refKind') return words(value);
  if (column === 'licenceCount') return quantity(value);
  return value;
}

export function operationsWebRouter(rt: Runtime): Router {
  // A refused notice form shows the error page; a refused purchase, decrease or transfer (its preview or its Complete)
  // comes back to the licence management page with that form filled in again and the reason next to its field.
  const kit = pageKit(rt, { backTo: () => null, signInTo: (req) => `/t/${req.params.tenantId}/licences` });
  const { api, page } = kit;
  const operationForm = {
    backTo: (req: Request) => ((KINDS as readonly string[]).includes(String(req.params.kind)) ? `/t/${req.params.tenantId}/licences` : null),
    formAction: (req: Request) => `/t/${req.params.tenantId}/licences/${String(req.params.kind)}/preview`,
  };
  const router = Router();
  router.use('/t/:tenantId/licences', express.urlencoded({ extended: false, limit: '200kb' }));
  const render = (req: Request, res: Response, dir: string, name: string, data: Data, status = 200) => kit.render(req, res, pageName(dir, name), data, status);

  /** At most this many subscriptions are offered at once; a search by customer or product name finds any other. */
  const CHOICES = 200;
  /**
   * The active licence subscriptions to choose from: those whose customer or product name contains `find` (all without
   * it), by customer then product, at most CHOICES of them, and how many match (a tenant may have tens of thousands).
   */
  async function subscriptionChoices(tenantId: string, find: string | undefined, chosen: string[] = []) {
    const scope = new TenantScope(rt.ds.manager, tenantId);
    const qb = scope.repo(Subscription).query('s')
      .innerJoin(Customer, 'c', 'c.id = s.customerId AND c.tenantId = s.tenantId')
      .andWhere('s.kind = :kind', { kind: 'license' }).andWhere('s.active = :active', { active: true }).andWhere('s.deletedInPax8 = :deleted', { deleted: false });
    whereContains(qb, ['s.name', 'c.name'], find, 'find');
    const [subs, total] = await qb.orderBy('c.name', 'ASC').addOrderBy('s.name', 'ASC').addOrderBy('s.id', 'ASC').limit(CHOICES).getManyAndCount(); // limit, not take: the join selects no entity
    // The subscriptions a refused form had chosen are always among the choices, so it comes back as it was.
    const missing = [...new Set(chosen)].filter((id) => /^[0-9a-f-]{36}$/i.test(id) && !subs.some((s) => s.id === id)).slice(0, 10);
    if (missing.length) subs.push(...await scope.repo(Subscription).find({ where: { id: In(missing), kind: 'license' } }));
    // Only the names of the customers these subscriptions belong to.
    const ids = [...new Set(subs.map((s) => s.customerId).filter((id): id is string => !!id))];
    const customers = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 500) {
      for (const c of await scope.repo(Customer).find({ where: { id: In(ids.slice(i, i + 500)) }, select: { id: true, name: true } })) customers.set(c.id, c.name);
    }
    // Same-name customers end with the end of their id; one customer's look-alike subscriptions say their term, commitment, start or Pax8 id.
    const names = distinctNames(customers);
    const labels = subscriptionLabels(subs.map((s) => ({ ...s, quantity: s.quantity.toString(), name: `${names.get(s.customerId!) ?? '?'} — ${s.name}`, status: null })));
    const options = subs.map((s, i) => ({ id: s.id, label: labels[i]! })).sort((a, b) => a.label.localeCompare(b.label));
    return { options, total, more: total > options.length, find: find ?? '' };
  }

  const KINDS = ['purchase', 'decrease', 'transfer'] as const;
  /** The API's body from a form: its fields are named as the API names them (add, remove, quantity), so a refused one's errors land on them; `count` is still read. */
  function bodyOf(kind: string, b: Record<string, unknown>): Record<string, unknown> {
    const number = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
    if (kind === 'purchase') return { subscriptionId: b.subscriptionId, add: number(b.add ?? b.count) };
    if (kind === 'decrease') return { subscriptionId: b.subscriptionId, remove: number(b.remove ?? b.count) };
    return {
      fromSubscriptionId: b.fromSubscriptionId, toSubscriptionId: b.toSubscriptionId, quantity: number(b.quantity ?? b.count),
      confirmCrossCustomer: b.confirmCrossCustomer === 'on' || b.confirmCrossCustomer === 'true',
    };
  }
  /**
   * A refusal that names no field (more than there are, fewer than in use) is about the quantity: it is shown next to
   * that field of the form, in the feature's own words.
   */
  async function onQuantity<T>(kind: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const p = problemOf(err);
      if (!p || p.fields?.length || ![400, 409, 422].includes(p.status)) throw err;
      const field = kind === 'purchase' ? 'add' : kind === 'decrease' ? 'remove' : 'quantity';
      throw new HttpError(p.status as ConstructorParameters<typeof HttpError>[0], p.code, p.message, [{ path: `body.${field}`, message: p.message }]);
    }
  }
  const licences = (n: unknown) => `${quantity(n)} licence${String(n) === '1' ? '' : 's'}`;
  /** What a completed operation changed, in words: "Contoso — Microsoft 365 E3 from 10 to 12 licences". */
  const changedWords = (sides: Data[]) => sides.map((s) => `${s.customerName} — ${s.productName} from ${quantity(s.quantityBefore)} to ${licences(s.quantityAfter)}`).join('; ');

  router.get('/t/:tenantId/licences', page(async (req, res) => {
    const params = { tenantId: req.params.tenantId };
    const ops = await api(req, 'listLicenceOperations', { params, query: { limit: '50' } });
    // An operation Pax8 still provisions says so where a failed one says why.
    const operations = (ops.items as Data[]).map((o) => ({ ...o, reason: o.status === 'provisioning' ? 'Pax8 is provisioning it: billed at the last provisioned quantity until Pax8 confirms' : o.failureReason }));
    const find = typeof req.query.find === 'string' && req.query.find.trim() ? req.query.find.trim().slice(0, 100) : undefined;
    const typed = kit.typed(req);
    const chosen = ['subscriptionId', 'fromSubscriptionId', 'toSubscriptionId'].flatMap((k) => ([] as string[]).concat(typed[k] ?? []));
    const picker = await subscriptionChoices(String(params.tenantId), find, chosen);
    render(req, res, 'operations', 'index', { title: 'Licence management', tenantId: params.tenantId, subscriptions: picker.options, picker, operations });
  }));

  router.post('/t/:tenantId/licences/:kind/preview', page(async (req, res) => {
    const kind = String(req.params.kind);
    if (!(KINDS as readonly string[]).includes(kind)) throw new HttpError(404, 'not_found', 'no such operation');
    const form = req.body as Record<string, unknown>;
    const Kind = kind[0]!.toUpperCase() + kind.slice(1);
    const preview = await api(req, `preview${Kind}`, { params: { tenantId: req.params.tenantId }, body: bodyOf(kind, form) });
    // "Change the request" on a preview with problems: back to the form, filled in, with the problems next to the quantity.
    if (form.change === '1' && (preview.problems as string[]).length > 0) {
      const field = kind === 'purchase' ? 'add' : kind === 'decrease' ? 'remove' : 'quantity';
      throw new HttpError(409, 'preview_problems', (preview.problems as string[]).join(' '), (preview.problems as string[]).map((message) => ({ path: `body.${field}`, message })));
    }
    render(req, res, 'operations', 'preview', {
      title: `Preview: ${kind}`, tenantId: req.params.tenantId, kind, preview, form: Object.entries(form).filter(([k]) => k !== '_csrf' && k !== 'change').map(([name, value]) => ({ name, value })),
      needsConfirm: kind === 'transfer' && preview.crossCustomer,
    });
  }, operationForm));

  router.post('/t/:tenantId/licences/:kind', page(async (req, res) => {
    const kind = String(req.params.kind);
    if (!(KINDS as readonly string[]).includes(kind)) throw new HttpError(404, 'not_found', 'no such operation');
    const Kind = kind[0]!.toUpperCase() + kind.slice(1);
    // A refusal (a quantity Pax8 or the rules do not allow, a subscription gone) comes back to the form, filled in.
    const body = bodyOf(kind, req.body as Record<string, unknown>);
    // A cross-customer transfer not confirmed is answered on the preview's check box, not on the quantity.
    const r = await (kind === 'transfer' && !body.confirmCrossCustomer ? api(req, `complete${Kind}`, { params: { tenantId: req.params.tenantId }, body })
      : onQuantity(kind, () => api(req, `complete${Kind}`, { params: { tenantId: req.params.tenantId }, body })));
    const status = String(r.operation.status);
    const changed = changedWords((r.preview?.sides ?? []) as Data[]);
    const to = `/t/${req.params.tenantId}/licences`;
    if (status === 'applied') return kit.back(res, to, `${kind} applied${changed ? `: ${changed}.` : '.'}`);
    if (status === 'provisioning') {
      return kit.back(res, to, `${kind} accepted by Pax8, which is provisioning it: billing keeps the current quantity until Pax8 confirms it${changed ? ` (${changed} once confirmed)` : ''}.`);
    }
    kit.redirect(res, to, 'error', `${kind} ${status}: ${r.operation.failureReason ?? 'Pax8 did not apply it'}. Nothing changed.`);
  }, operationForm));

  // My in-app notices (admins): unread first look, one form per notice and one for all, each with the session's CSRF token.
  router.get('/t/:tenantId/licences/notices', page(async (req, res) => {
    const params = { tenantId: req.params.tenantId };
    const list = await api(req, 'listMyChangeNotices', { params, query: {} });
    render(req, res, 'operations', 'notices', {
      title: 'My notices', tenantId: params.tenantId, unread: list.unread,
      notices: (list.items as Data[]).map((n) => ({ ...n, createdAt: String(n.createdAt).replace('T', ' ').slice(0, 16) })),
    });
  }));

  router.post('/t/:tenantId/licences/notices/read-all', page(async (req, res) => {
    const r = await api(req, 'readAllMyChangeNotices', { params: { tenantId: req.params.tenantId }, body: {} });
    res.redirect(303, `/t/${req.params.tenantId}/licences/notices?${new URLSearchParams({ notice: `${r.marked} notice${r.marked === 1 ? '' : 's'} marked read` })}`);
  }));

  router.post('/t/:tenantId/licences/notices/:noticeId/read', page(async (req, res) => {
    await api(req, 'readMyChangeNotice', { params: { tenantId: req.params.tenantId, noticeId: req.params.noticeId } });
    res.redirect(303, `/t/${req.params.tenantId}/licences/notices`);
  }));

  router.get('/t/:tenantId/licences/events', page(async (req, res) => {
    const params = { tenantId: req.params.tenantId };
    const chosen = eventColumnsFromForm(req.query.columns, req.query.col);
    const query = Object.fromEntries(Object.entries({
      search: str(req.query.search), type: str(req.query.type), sort: str(req.query.sort), dir: str(req.query.dir), columns: chosen.join(','), page: str(req.query.page) ?? '0', size: '50',
    }).filter(([, v]) => v !== undefined && v !== ''));
    const view = await api(req, 'listEvents', { params, query });
    const link = (patch: Record<string, string | undefined>) => {
      const u = new URLSearchParams(Object.entries({ ...query, ...patch }).filter(([, v]) => v !== undefined && v !== '') as [string, string][]);
      return `?${u.toString()}`;
    };
    /** The chosen columns with column i moved one place left (-1) or right (+1). */
    const moved = (i: number, by: -1 | 1) => {
      const order = [...view.columns];
      [order[i], order[i + by]] = [order[i + by]!, order[i]!];
      return link({ columns: order.join(','), page: '0' });
    };
    const exportQs = new URLSearchParams(Object.entries(query).filter(([k]) => k !== 'page' && k !== 'size') as [string, string][]);
    const zone = (res.locals.timeZone as string | null) ?? undefined;
    render(req, res, 'events', 'index', {
      title: 'Licence event log', tenantId: params.tenantId, search: query.search ?? '',
      types: view.types.map((t) => ({ value: t, label: words(t), on: t === query.type })), columnsText: chosen.join(','), sort: query.sort ?? '', dir: query.dir ?? '',
      headers: view.columns.map((c: string, i: number) => ({
        label: view.headers[i], sortable: c !== 'detail' && ['occurredAt', 'type', 'source', 'target', 'licenceCount', 'initiatedBy'].includes(c),
        href: link({ sort: c, dir: query.sort === c && query.dir !== 'desc' ? 'desc' : 'asc', page: '0' }),
        on: query.sort === c ? (query.dir === 'desc' ? '▼' : '▲') : '',
        left: i > 0 ? moved(i, -1) : null, right: i < view.columns.length - 1 ? moved(i, 1) : null,
      })),
      // What a person reads: the instant in the tenant's zone, the event type in words, the count as a quantity.
      rows: view.rows.map((r: Record<string, string>) => view.columns.map((c: string) => eventCell(c, r[c] ?? '', zone))),
      all: ALL_EVENT_COLUMNS.map((c) => ({ id: c, label: EVENT_COLUMNS[c], on: chosen.includes(c) })),
      total: view.total, prev: view.page > 0 ? link({ page: String(view.page - 1) }) : null,
      next: (view.page + 1) * view.size < view.total ? link({ page: String(view.page + 1) }) : null,
      exportView: `/api/v1/tenants/${params.tenantId}/events/export?${exportQs.toString()}`,
      exportAll: `/api/v1/tenants/${params.tenantId}/events/export?all=true`,
      reset: `/t/${params.tenantId}/licences/events`,
    });
  }));

  return router;
}
