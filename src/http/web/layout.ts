import type { Request } from 'express';
import { viewUser } from '../../users/service.js';

/**
 * What every page's layout needs: the signed-in user, the CSRF token for its forms, the navigation
 * the user's role may see (none while a one-time password must be changed), and the flash messages.
 */
export function layoutContext(req: Request, tenantId: string | null, error?: unknown): Record<string, unknown> {
  const user = req.auth?.user;
  const role = user?.role;
  return {
    me: user ? viewUser(user) : null,
    csrf: req.auth?.session?.csrfToken ?? '',
    nav: user && !user.mustChangePassword ? {
      tenantId,
      admin: role === 'admin', staff: role !== 'client', finance: role === 'admin' || role === 'finance',
      review: role === 'admin' || role === 'reviewer', client: role === 'client',
      // The jobs dashboard shows every tenant's jobs: only admins of all tenants may open it.
      jobs: role === 'admin' && !user.tenantId,
    } : null,
    notice: typeof req.query.notice === 'string' ? req.query.notice : null,
    error: error ?? (typeof req.query.error === 'string' ? req.query.error : null),
    path: req.path,
  };
}

/** Previous/next links of a paged list, keeping the page's other query parameters. */
export function pager(req: Request, p: { number: number; totalPages: number }) {
  const link = (n: number) => {
    const u = new URLSearchParams(req.query as Record<string, string>);
    u.set('page', String(n));
    return `${req.path}?${u.toString()}`;
  };
  return { prev: p.number > 0 ? link(p.number - 1) : null, next: p.number + 1 < p.totalPages ? link(p.number + 1) : null, number: p.number + 1, total: Math.max(1, p.totalPages) };
}
