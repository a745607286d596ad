import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { createExpressMiddleware } from 'agendash';
import type { Runtime } from '../app/runtime.js';
import { authenticate } from './auth.js';
import { UserService } from '../users/service.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { errorPageSender } from './web/error-page.js';

const require = createRequire(import.meta.url);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host an Origin header names; null when it does not parse (`Origin: null`): refused, never a 500. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

type Fail = (req: Request, res: Response, status: number, code: string, message: string) => void;

/** A refusal: the web app's error page for a browser, the API's error shape for scripts. */
function failWith(rt: Runtime): Fail {
  const page = errorPageSender(rt);
  return (req, res, status, code, message) => {
    if (req.accepts(['json', 'html']) === 'html') return page(req, res, status, status === 403 ? 'Not allowed' : 'Sign in required', `${message[0]!.toUpperCase()}${message.slice(1)}.`);
    res.status(status).json({ error: { code, message } });
  };
}

/**
 * Admin users (session or API token), or `Authorization: Bearer <config.adminToken>` for operators'
 * tools. Browsers without a session are sent to sign in; state-changing requests from a session must
 * come from this site (Origin) — Agendash posts without a CSRF token, its cookie is SameSite=Lax too.
 */
function requireAdmin(rt: Runtime, fail: Fail) {
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
          return fail(req, res, 401, 'unauthenticated', 'sign in as an admin, or send the admin token');
        }
        if (req.auth.user.role !== 'admin') return fail(req, res, 403, 'forbidden', 'only admins may do this');
        res.locals.boundTenantId = req.auth.user.tenantId ?? null;
        if (req.auth.via === 'session' && req.method !== 'GET' && req.method !== 'HEAD') {
          const origin = req.get('origin');
          if (origin && originHost(origin) !== req.get('host')) return fail(req, res, 403, 'csrf', 'cross-site request refused');
        }
        next();
      });
    });
  };
}

/**
 * Agendash's CSP: the app's (src/http/security-headers.ts) but with inline styles allowed, which its Vue build writes
 * into the DOM (Agendash asks for the same); scripts stay same-origin only (no inline script, no eval). Never cached,
 * like every signed-in page.
 */
export const AGENDASH_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "frame-ancestors 'self'", "form-action 'self'",
].join('; ');

const agendashHeaders = (rt: Runtime) => (_req: Request, res: Response, next: NextFunction): void => {
  if (rt.config.http.publicUrl?.startsWith('https:')) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  // Agendash sets a shorter CSP of its own (no object-src, base-uri, frame-ancestors, form-action): ours replaces it
  // just before the headers are written.
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    this.setHeader('Content-Security-Policy', AGENDASH_CSP);
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  res.setHeader('Content-Security-Policy', AGENDASH_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
};

type FeedJob = { attrs?: { _id?: unknown; name?: unknown } } | undefined;
/** The job events Agendash's page follows: a start marks the row running, the others reload its list. */
const FEED_EVENTS = ['start', 'success', 'fail', 'complete'] as const;

/**
 * Agendash's live feed (`/admin/jobs/api/events`, server-sent events). Agendash answers it only over an Agenda
 * notification channel with state subscriptions (else 501, and its page never updates by itself); Recurra runs no
 * such channel, so the feed is this process's own Agenda events (the jobs this process runs; a separate
 * `recurra worker`'s jobs show at the page's next reload). One set of listeners on Agenda for every open page.
 */
function liveFeed(agenda: Scheduler['agenda']) {
  const pages = new Set<Response>();
  const send = (type: (typeof FEED_EVENTS)[number], job: FeedJob) => {
    const data = JSON.stringify({ type, jobId: String(job?.attrs?._id ?? ''), jobName: String(job?.attrs?.name ?? ''), timestamp: new Date().toISOString(), source: 'recurra' });
    for (const res of pages) res.write(`data: ${data}\n\n`);
  };
  let listening = false;
  const listen = () => {
    if (listening) return;
    listening = true;
    const on = agenda.on.bind(agenda) as (event: string, fn: (...args: unknown[]) => void) => unknown;
    for (const type of FEED_EVENTS) on(type, (...args: unknown[]) => send(type, (type === 'fail' ? args[1] : args[0]) as FeedJob));
  };
  const handler = (req: Request, res: Response) => {
    listen();
    res.status(200).setHeader('Content-Type', 'text/event-stream');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('event: connected\ndata: {"connected":true}\n\n');
    pages.add(res);
    req.on('close', () => pages.delete(res));
  };
  /** Ends every open feed (a server closing waits for its open requests, and a feed never ends by itself). */
  const close = () => {
    for (const res of pages) res.end();
    pages.clear();
  };
  return { handler, close };
}

/**
 * Agendash's page with our stylesheet, which shows its action icons (emoji many systems have no font for) as words,
 * and our script, which makes those actions (click-only spans) keyboard controls.
 */
function agendashIndex(): string | null {
  try {
    const html = readFileSync(path.resolve(path.dirname(require.resolve('agendash')), '..', 'public', 'index.html'), 'utf8');
    return html.includes('</head>') ? html.replace('</head>', '<link rel="stylesheet" href="/static/agendash-words.css">\n<script src="/static/agendash-keys.js" defer></script>\n</head>') : null;
  } catch {
    return null;
  }
}

/**
 * Agendash at /admin/jobs. "Sync now" is an API route of the registry (POST /api/v1/tenants/:tenantId/sync,
 * src/http/api/routes/jobs.ts), which queues through the same scheduler (createHttpApp's `scheduler`).
 */
export function jobsRouter(rt: Runtime, scheduler: Scheduler): Router & { closeFeeds(): void } {
  const router = Router();
  const feed = liveFeed(scheduler.agenda);
  const fail = failWith(rt);
  const admin = requireAdmin(rt, fail);
  // Agendash's page loads ./assets and ./api: it must be served from the directory URL.
  router.get('/admin/jobs', (req, res, next) => {
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `/admin/jobs/${req.originalUrl.slice('/admin/jobs'.length)}`);
    next();
  });
  // Agendash shows every tenant's jobs: only admins of all tenants (or the operators' admin token) may open it.
  const allTenants = (req: Request, res: Response, next: NextFunction) =>
    res.locals.boundTenantId ? fail(req, res, 403, 'forbidden', "only admins of all tenants may see every tenant's jobs") : next();
  router.get('/admin/jobs/api/events', agendashHeaders(rt), admin, allTenants, feed.handler);
  const index = agendashIndex();
  if (index) router.get(['/admin/jobs/', '/admin/jobs/index.html'], agendashHeaders(rt), admin, allTenants, (_req, res) => { res.type('html').send(index); });
  router.use('/admin/jobs', agendashHeaders(rt), admin, allTenants, createExpressMiddleware(scheduler.agenda));

  return Object.assign(router, { closeFeeds: feed.close });
}
