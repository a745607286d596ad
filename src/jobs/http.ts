import { timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { createExpressMiddleware } from 'agendash';
import type { Runtime } from '../app/runtime.js';
import { authenticate, csrfOk } from '../http/auth.js';
import { UserService } from '../users/service.js';
import { Tenant } from '../db/entities/index.js';
import { SYNC_ENTITIES, type SyncEntity } from '../tenants/settings.js';
import { SyncAlreadyRunningError, SyncRefusedError, type Scheduler } from './scheduler.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * Admin users (session or API token), or `Authorization: Bearer <config.adminToken>` for operators'
 * tools. Browsers without a session are sent to sign in; state-changing requests from a session must
 * come from this site (Origin) — Agendash posts without a CSRF token, its cookie is SameSite=Lax too.
 */
function requireAdmin(rt: Runtime) {
  const users = new UserService(rt.ds);
  const parseCookies = cookieParser();
  const resolve = authenticate(rt, users);
  return (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (bearer && rt.config.adminToken && sameSecret(bearer, rt.config.adminToken)) return next();
    parseCookies(req, res, () => {
      resolve(req, res, (err?: unknown) => {
        if (err) return next(err);
        if (!req.auth) {
          if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
            return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
          }
          return fail(res, 401, 'unauthenticated', 'sign in as an admin, or send the admin token');
        }
        if (req.auth.user.role !== 'admin') return fail(res, 403, 'forbidden', 'only admins may do this');
        res.locals.boundTenantId = req.auth.user.tenantId ?? null;
        if (req.auth.via === 'session' && req.method !== 'GET' && req.method !== 'HEAD') {
          const origin = req.get('origin');
          if (origin && new URL(origin).host !== req.get('host')) return fail(res, 403, 'csrf', 'cross-site request refused');
        }
        next();
      });
    });
  };
}

/**
 * The scheduler's HTTP surface: Agendash at /admin/jobs, and "sync now" through the scheduler at
 * POST /api/tenants/:tenantId/sync {entities?: [...]} (202 with the queued jobs; 409 while the same
 * sync runs or waits).
 */
export function jobsRouter(rt: Runtime, scheduler: Scheduler): Router {
  const router = Router();
  const admin = requireAdmin(rt);
  // Agendash's page loads ./assets and ./api: it must be served from the directory URL.
  router.get('/admin/jobs', (req, res, next) => {
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `/admin/jobs/${req.originalUrl.slice('/admin/jobs'.length)}`);
    next();
  });
  // Agendash shows every tenant's jobs: only admins of all tenants (or the operators' admin token) may open it.
  const allTenants = (_req: Request, res: Response, next: NextFunction) =>
    res.locals.boundTenantId ? fail(res, 403, 'forbidden', "only admins of all tenants may see every tenant's jobs") : next();
  router.use('/admin/jobs', admin, allTenants, createExpressMiddleware(scheduler.agenda));

  router.post('/api/tenants/:tenantId/sync', admin, express.json({ limit: '16kb' }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (!csrfOk(req)) return fail(res, 403, 'csrf', 'missing or wrong CSRF token');
      const body = (req.body ?? {}) as { entities?: unknown };
      const entities = body.entities === undefined ? [...SYNC_ENTITIES] : body.entities;
      if (!Array.isArray(entities) || entities.length === 0 || !entities.every((e) => (SYNC_ENTITIES as readonly string[]).includes(e))) {
        return fail(res, 400, 'validation_failed', `entities: a non-empty list of ${SYNC_ENTITIES.join(', ')}`);
      }
      const tenant = await rt.ds.manager.findOneBy(Tenant, { id: String(req.params.tenantId) });
      // An admin bound to one tenant sees no other: the same 404 as for a tenant that does not exist.
      if (!tenant || (res.locals.boundTenantId && res.locals.boundTenantId !== tenant.id)) return fail(res, 404, 'not_found', 'tenant not found');
      const startedBy = req.auth?.user.email ?? 'admin-token';
      const jobs = await scheduler.syncNow(tenant.name, entities as SyncEntity[], 'http', startedBy);
      res.status(202).json({ tenant: tenant.name, jobs });
    } catch (err) {
      if (err instanceof SyncAlreadyRunningError) return fail(res, 409, 'sync_running', err.message);
      if (err instanceof SyncRefusedError) return fail(res, err.code === 'not_found' ? 404 : 409, err.code === 'not_found' ? 'not_found' : 'tenant_disabled', err.message);
      next(err);
    }
  });
  return router;
}
