import type { Request, Response } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { Tenant } from '../../../db/entities/index.js';
import { secureCookies } from '../../auth.js';
import type { PageKit } from '../page-kit.js';
import { distinctNames } from '../look-alike.js';

/** What the pages read back from the API's routes, as the templates use it. */
export type Data = Record<string, any>;

/** Drops empty form/query fields so optional filters stay optional. */
export function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== '' && v !== undefined && k !== '_csrf'));
}

const TENANT_COOKIE = 'recurra_tenant';

/**
 * The tenant the menu links to: the one in the path (remembered in a cookie), else the last one, else the first.
 * The main router's page kit runs it before every page it and its feature pages (src/http/web/pages/*.ts) show.
 */
export function rememberTenant(rt: Runtime): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const user = req.auth!.user;
    const inPath = typeof req.params.tenantId === 'string' ? req.params.tenantId : undefined;
    if (inPath) {
      res.cookie(TENANT_COOKIE, inPath, { httpOnly: true, sameSite: 'lax', secure: secureCookies(rt, req), path: '/' });
      return;
    }
    if (user.tenantId) return;
    const remembered = (req.cookies as Record<string, string>)[TENANT_COOKIE];
    const t = (remembered && /^[0-9a-f-]{36}$/.test(remembered) ? await rt.ds.manager.findOneBy(Tenant, { id: remembered }) : null)
      ?? (await rt.ds.manager.find(Tenant, { order: { name: 'ASC' }, take: 1 }))[0];
    if (t) res.locals.navTenant = t.id;
  };
}

/** The customer names and the customer picker several pages show, read through the API as the signed-in user. */
export function customerLookups(kit: Pick<PageKit, 'maybe'>) {
  const { maybe } = kit;
  /** The names of exactly the customers a page shows (whatever their number in the tenant), by id. */
  const namesOf = async (req: Request, tenantId: unknown, ids: unknown[]): Promise<Map<string, string>> => {
    const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))].slice(0, 200);
    if (wanted.length === 0) return new Map();
    const list = await maybe(req, 'listCustomers', { params: { tenantId }, query: { ids: wanted.join(','), size: '200' } });
    // Two customers of one name on a page end with the end of their id, so that they can be told apart.
    return distinctNames(new Map(((list?.items ?? []) as Data[]).map((c) => [c.id as string, c.name as string])));
  };
  /**
   * A customer picker's choices: the customers whose name contains `search` (the first 100 by name without one), the
   * selected one always among them, same-name customers told apart by the end of their id; `total` says how many match.
   */
  const customerChoices = async (req: Request, tenantId: unknown, search: unknown, selectedId?: unknown) => {
    const q = typeof search === 'string' && search.trim() ? search.trim().slice(0, 100) : undefined;
    const list = await maybe(req, 'listCustomers', { params: { tenantId }, query: clean({ q, size: '100', sort: 'name,asc' }) });
    const found = (list?.items ?? []) as Data[];
    if (typeof selectedId === 'string' && selectedId && !found.some((c) => c.id === selectedId)) {
      const name = (await namesOf(req, tenantId, [selectedId])).get(selectedId);
      if (name !== undefined) found.unshift({ id: selectedId, name });
    }
    const counts = new Map<string, number>();
    for (const c of found) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
    const options = found.map((c) => ({ id: c.id, name: (counts.get(c.name) ?? 0) > 1 ? `${c.name} (…${String(c.id).slice(-6)})` : c.name }));
    const total = list?.page.totalElements ?? options.length;
    return { options, search: q ?? '', total, more: total > options.length };
  };
  return { customerChoices, namesOf };
}
