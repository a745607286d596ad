import type { NextFunction, Request, Response } from 'express';
import type { Runtime } from '../app/runtime.js';

/**
 * The web app's Content-Security-Policy: scripts, styles and everything else only from our own origin, no inline
 * script or style, no plugins, no <base>, framed only by ourselves. Pages that need more set their own, stricter
 * where they can: the rendered invoice (`default-src 'none'`, inline styles) and the margin report (a per-response
 * script nonce). Agendash at /admin/jobs has its own (src/http/jobs-dashboard.ts).
 */
export const APP_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "frame-ancestors 'self'", "form-action 'self'",
].join('; ');

/** HSTS for a year when the public URL is https (never over plain http, where it would be ignored anyway). */
export const HSTS = 'max-age=31536000';

/**
 * Headers on every response: nosniff, same-origin referrers, no framing by other sites, the CSP, HSTS when the
 * public URL is https, and `Cache-Control: no-store` on everything but the static files under /static (signed-in
 * pages, API answers and the page that shows a new API token once are never kept by a browser or proxy).
 */
export function securityHeaders(rt: Runtime) {
  const https = rt.config.http.publicUrl?.startsWith('https:') ?? false;
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Content-Security-Policy', APP_CSP);
    if (https) res.setHeader('Strict-Transport-Security', HSTS);
    if (!req.path.startsWith('/static/')) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
