import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Runtime } from '../../app/runtime.js';
import { Tenant } from '../../db/entities/index.js';
import { HttpError, problemOf } from '../api/errors.js';
import { invokeRoute, routeById, type Input } from '../api/route.js';
import type { InputOf, ResponseOf } from '../api/typed-routes.js';
import { clearSessionCookie, csrfOk } from '../auth.js';
import { urlOrNull } from '../same-origin.js';
import { layoutContext } from './layout.js';
import { Views } from './render.js';
import { applyFormState, FormStateStore, keptValues } from './form-state.js';
import '../api/index.js';

/** How one page (or every page of a router, as pageKit's defaults) answers what the wrapper cannot guess. */
export interface PageOptions {
  /**
   * Where a refused form (a 4xx other than 403) goes back to; null shows the error page instead. It goes back with
   * `?form=<one-time id>` of what was typed and the errors, kept on the server (src/http/web/form-state.ts): that page
   * shows the form filled in again, each field's error next to it in plain words and a summary at the top.
   * Default: the page the form came from (the referer, on this site only).
   */
  backTo?: (req: Request, status: number) => string | null;
  /**
   * Which form on that page the refused values belong to (its action path). Default: the path posted to. A form that
   * posts to a confirmation step (a preview's Complete) names the form it was filled in on.
   */
  formAction?: (req: Request) => string;
  /** Where sign-in returns to after a form posted without a session (a GET returns to its own page). Default: `/`. */
  signInTo?: (req: Request) => string;
}

export interface PageKitOptions extends PageOptions {
  /** Runs before every signed-in page handler (the main router remembers the tenant the menu links to). */
  beforePage?: (req: Request, res: Response) => Promise<void>;
}

/**
 * What every web page is built with: the templates, a call into the API's own routes (their roles, tenant rules and
 * checks), rendering inside the layout, and `page()`, which wraps a handler with sign-in, the one-time password, CSRF
 * on posts, and errors as pages (a refused form goes back to the page it came from with the message).
 */
export interface PageKit {
  views: Views;
  /**
   * Calls an API route as the signed-in user. For a route of the typed registry (src/http/api/typed-routes.ts) the
   * params and body are checked and the answer is its response schema's output; other routes still answer `any`.
   */
  api<I extends string>(req: Request, routeId: I, input?: InputOf<I>): Promise<ResponseOf<I>>;
  /** The same call, or null when the user's role may not make it. */
  maybe<I extends string>(req: Request, routeId: I, input?: InputOf<I>): Promise<ResponseOf<I> | null>;
  render(req: Request, res: Response, page: string, data: Record<string, unknown>, status?: number): void;
  page(fn: (req: Request, res: Response) => Promise<void>, options?: PageOptions): RequestHandler;
  /**
   * What was typed in the refused form this page shows again (`?form=`), e.g. a chosen customer that a picker must
   * list among its choices; empty otherwise. Never a secret field.
   */
  typed(req: Request): Record<string, string | string[]>;
  /** Redirects (303) to `to` with a notice shown on the page. */
  back(res: Response, to: string, notice: string): void;
  /** Redirects (303) to `to` with `?notice=` or `?error=` (replacing any the URL had). */
  redirect(res: Response, to: string, key: 'notice' | 'error', text: string): void;
}

/** One store of refused forms per app (every router's kit shares it: a form of one router may go back to a page of another). */
const formStates = new WeakMap<Runtime, FormStateStore>();
/** Whose refused form it is: the session (a bearer token has none; its user then). */
const formOwner = (req: Request) => `${req.auth!.user.id}:${req.auth!.session?.tokenHash ?? ''}`;

/** `to` with `key=value` last in its query (any notice or error it had dropped), the value percent-encoded. */
export function withParam(to: string, key: string, value: string): string {
  const u = new URL(to, 'http://x');
  u.searchParams.delete('notice');
  u.searchParams.delete('error');
  u.searchParams.delete('form');
  u.searchParams.delete(key);
  const rest = u.searchParams.toString();
  return `${u.pathname}?${rest ? `${rest}&` : ''}${key}=${encodeURIComponent(value)}${u.hash}`;
}

/** The referer when it is a page of this site. */
function refererOnThisSite(req: Request): string | null {
  const from = urlOrNull(req.get('referer'));
  return from && from.host === req.get('host') ? from.pathname + from.search : null;
}

export function pageKit(rt: Runtime, defaults: PageKitOptions = {}): PageKit {
  const views = new Views(undefined, rt.config.env !== 'development');
  if (!formStates.has(rt)) formStates.set(rt, new FormStateStore());
  const forms = formStates.get(rt)!;
  const api = <I extends string>(req: Request, id: I, input?: InputOf<I>) =>
    invokeRoute(rt, routeById(id), req.auth!, (input ?? {}) as Input) as Promise<ResponseOf<I>>;
  const maybe = async <I extends string>(req: Request, id: I, input?: InputOf<I>): Promise<ResponseOf<I> | null> => {
    try {
      return await api(req, id, input);
    } catch (err) {
      if (problemOf(err)?.status === 403) return null;
      throw err;
    }
  };
  /** The time zone of the page's tenant (the one in its path, else the user's own), for the dates on the page. */
  const tenantZone = async (req: Request): Promise<string | null> => {
    const id = typeof req.params?.tenantId === 'string' ? req.params.tenantId : req.auth?.user.tenantId;
    if (!id || !/^[0-9a-fA-F-]{36}$/.test(id)) return null;
    const t = await rt.ds.manager.findOne(Tenant, { where: { id }, select: { id: true, timeZone: true } });
    return t?.timeZone || null;
  };
  const render = (req: Request, res: Response, page: string, data: Record<string, unknown>, status = 200) => {
    const tenantId = (data.tenant as { id?: string } | undefined)?.id
      ?? (typeof req.params?.tenantId === 'string' ? req.params.tenantId : undefined)
      ?? req.auth?.user.tenantId ?? (res.locals.navTenant as string | undefined) ?? null;
    // The page a refused form went back to (`?form=` names it, once): the form filled in again with its errors.
    const formId = req.method === 'GET' && req.auth && typeof req.query.form === 'string' ? req.query.form : null;
    const state = formId ? forms.take(formOwner(req), formId) : null;
    // Instants ({{date x}}) read in the page's tenant's time zone unless a template names another.
    const html = views.render(page, { timeZone: res.locals.timeZone ?? null, ...data, ...layoutContext(req, tenantId, data.error) });
    res.status(status).type('html').send(state ? applyFormState(html, state) : html);
  };
  const page = (fn: (req: Request, res: Response) => Promise<void>, options: PageOptions = {}): RequestHandler =>
    async (req: Request, res: Response, next: NextFunction) => {
      const backTo = options.backTo ?? defaults.backTo ?? refererOnThisSite;
      const signInTo = options.signInTo ?? defaults.signInTo;
      if (!req.auth) {
        if (req.staleSession) clearSessionCookie(rt, req, res);
        const to = req.method === 'GET' ? req.originalUrl : signInTo?.(req);
        return res.redirect(303, `/login${to ? `?next=${encodeURIComponent(to)}` : ''}`);
      }
      if (req.auth.user.mustChangePassword && req.path !== '/account/password') return res.redirect(303, '/account/password');
      try {
        await defaults.beforePage?.(req, res);
        res.locals.timeZone = await tenantZone(req);
        if (req.method === 'POST' && !csrfOk(req)) throw new HttpError(403, 'csrf', 'This form expired or came from another site. Go back, reload and try again.');
        await fn(req, res);
      } catch (err) {
        const p = problemOf(err);
        if (!p) return next(err);
        const to = req.method === 'POST' && p.status !== 403 && p.status < 500 ? backTo(req, p.status) : null;
        if (to) {
          // What was typed (never a secret field) waits on the server under a one-time id; the URL carries only the id.
          const action = options.formAction?.(req) ?? req.originalUrl.split(/[?#]/)[0]!;
          const id = forms.put(formOwner(req), { action, values: keptValues(req.body), message: p.message, fields: p.fields ?? [] });
          const back = withParam(to, 'form', id);
          return res.redirect(303, back.includes('#') ? back : `${back}#error-summary`);
        }
        render(req, res, 'error', { title: p.status === 404 ? 'Not found' : p.status === 403 ? 'Not allowed' : 'Error', message: p.message }, p.status);
      }
    };
  const typed = (req: Request) => (req.auth && typeof req.query.form === 'string' ? forms.peek(formOwner(req), req.query.form)?.values : undefined) ?? {};
  const redirect = (res: Response, to: string, key: 'notice' | 'error', text: string) => res.redirect(303, withParam(to, key, text));
  const back = (res: Response, to: string, notice: string) => redirect(res, to, 'notice', notice);
  return { views, api, maybe, render, page, back, redirect, typed };
}
