import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Runtime } from '../app/runtime.js';
import { UserService } from '../users/service.js';
import type { Auth } from './api/route.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: Auth;
    /** Set when the request carried a session cookie that no longer names a session. */
    staleSession?: boolean;
  }
}

export const SESSION_COOKIE = 'recurra_session';

/** Secure cookies when the public URL is https, or behind a trusted proxy that says https. */
export function secureCookies(rt: Runtime, req: Request): boolean {
  if (rt.config.http.publicUrl?.startsWith('https:')) return true;
  return rt.config.http.trustProxy && req.secure;
}

export function setSessionCookie(rt: Runtime, req: Request, res: Response, token: string, expiresAt: Date): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true, sameSite: 'lax', secure: secureCookies(rt, req), path: '/', expires: new Date(expiresAt.getTime() + 6 * 24 * 3600 * 1000),
  });
}

export function clearSessionCookie(rt: Runtime, req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: secureCookies(rt, req), path: '/' });
}

/** Resolves `Authorization: Bearer rct_...` or the session cookie into req.auth (or leaves it unset). */
export function authenticate(rt: Runtime, users: UserService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const user = m ? await users.authenticateToken(m[1]!) : null;
      if (user) req.auth = { user, via: 'token' };
      // A wrong bearer token never falls back to the cookie.
      return next();
    }
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) {
      const s = await users.session(token);
      if (s) req.auth = { user: s.user, via: 'session', session: s.session };
      else req.staleSession = true;
    }
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(req: Request): boolean {
  return !SAFE_METHODS.has(req.method);
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Synchroniser-token check for state-changing requests authenticated by the session cookie:
 * the token comes in the X-CSRF-Token header (scripts) or the `_csrf` form field (pages).
 * Bearer-token requests carry no ambient credential and are exempt.
 */
export function csrfOk(req: Request): boolean {
  if (!req.auth || req.auth.via !== 'session' || !isStateChanging(req)) return true;
  const given = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
  return typeof given === 'string' && equal(given, req.auth.session!.csrfToken);
}
