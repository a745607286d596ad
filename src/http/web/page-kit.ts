import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Runtime } from '../../app/runtime.js';
import { HttpError, problemOf } from '../api/errors.js';
import { invokeRoute, routeById, type Input } from '../api/route.js';
import { clearSessionCookie, csrfOk } from '../auth.js';
import { urlOrNull } from '../same-origin.js';
import { layoutContext } from './layout.js';
import { Views } from './render.js';
import '../api/index.js';

/**
 * What every web page is built with: the templates, a call into the API's own routes (their roles, tenant rules and
 * checks), rendering inside the layout, and `page()`, which wraps a handler with sign-in, the one-time password, CSRF
 * on posts, and errors as pages (a refused form goes back to the page it came from with the message).
 */
export interface PageKit {
  views: Views;
  /** Calls an API route as the signed-in user. */
  api(req: Request, routeId: string, input?: Input): Promise<any>;
  /** The same call, or null when the user's role may not make it. */
  maybe(req: Request, routeId: string, input?: Input): Promise<any>;
  render(req: Request, res: Response, page: string, data: Record<string, unknown>, status?: number): void;
  page(fn: (req: Request, res: Response) => Promise<void>): RequestHandler;
  /** Redirects (303) to `to` with a notice shown on the page. */
  back(res: Response, to: string, notice: string): void;
}

function withParam(to: string, key: string, value: string): string {
  const u = new URL(to, 'http://x');
  u.searchParams.delete('notice');
  u.searchParams.delete('error');
  u.searchParams.set(key, value);
  return u.pathname + u.search;
}

export function pageKit(rt: Runtime): PageKit {
  const views = new Views(undefined, rt.config.env !== 'development');
  const api = (req: Request, id: string, input: Input = {}) => invokeRoute(rt, routeById(id), req.auth!, input) as Promise<any>;
  const maybe = async (req: Request, id: string, input: Input = {}) => {
    try {
      return await api(req, id, input);
    } catch (err) {
      if (problemOf(err)?.status === 403) return null;
      throw err;
    }
  };
  const render = (req: Request, res: Response, page: string, data: Record<string, unknown>, status = 200) => {
    const tenantId = typeof req.params?.tenantId === 'string' ? req.params.tenantId : req.auth?.user.tenantId ?? null;
    res.status(status).type('html').send(views.render(page, { ...data, ...layoutContext(req, tenantId, data.error) }));
  };
  const page = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => async (req: Request, res: Response, next: NextFunction) => {
    if (!req.auth) {
      if (req.staleSession) clearSessionCookie(rt, req, res);
      return res.redirect(303, `/login${req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : ''}`);
    }
    if (req.auth.user.mustChangePassword) return res.redirect(303, '/account/password');
    try {
      if (req.method === 'POST' && !csrfOk(req)) throw new HttpError(403, 'csrf', 'This form expired or came from another site. Go back, reload and try again.');
      await fn(req, res);
    } catch (err) {
      const p = problemOf(err);
      if (!p) return next(err);
      const from = urlOrNull(req.get('referer'));
      if (req.method === 'POST' && p.status !== 403 && p.status < 500 && from && from.host === req.get('host')) {
        return res.redirect(303, withParam(from.pathname + from.search, 'error', p.message));
      }
      render(req, res, 'error', { title: p.status === 404 ? 'Not found' : p.status === 403 ? 'Not allowed' : 'Error', message: p.message }, p.status);
    }
  };
  const back = (res: Response, to: string, notice: string) => res.redirect(303, withParam(to, 'notice', notice));
  return { views, api, maybe, render, page, back };
}
