import express, { Router } from 'express';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../../app/runtime.js';
import { UserService } from '../../users/service.js';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth.js';
import { fromThisSite } from '../same-origin.js';
import { pageKit } from './page-kit.js';
import { rememberTenant } from './pages/shared.js';
import { accountWebRouter } from './pages/account.js';
import { dashboardWebRouter } from './pages/dashboard.js';
import { integrationWebRouter } from './pages/integration.js';
import { customersWebRouter } from './pages/customers.js';
import { subscriptionsWebRouter } from './pages/subscriptions.js';
import { productsWebRouter } from './pages/products.js';
import { recurringInvoicesWebRouter } from './pages/recurring-invoices.js';
import { invoicesWebRouter } from './pages/invoices.js';
import { usageWebRouter } from './pages/usage.js';
import { licensingWebRouter } from './pages/licensing.js';
import { reconcileWebRouter } from './pages/reconcile.js';
import { taxWebRouter } from './pages/tax.js';
import { accountingWebRouter } from './pages/accounting.js';
import { usageReviewWebRouter } from './pages/usage-review.js';
import { invoiceDeliveryWebRouter } from './pages/invoice-delivery.js';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../public');

/** Only same-site relative paths are followed after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-/?=&.%]*$/.test(next) ? next : '/';
}

/**
 * The one page router: static files, sign-in and sign-out, then every feature's pages (src/http/web/pages/<feature>.ts).
 * Those given `kit` share this router's page kit (the menu's tenant remembered before each page); licensing, reconcile,
 * tax, accounting, usage review and invoice delivery build their own with their defaults. No two features share a path.
 */
export function webRouter(rt: Runtime): Router {
  const users = new UserService(rt.ds);
  const router = Router();
  router.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  router.use(express.urlencoded({ extended: false, limit: '200kb' }));

  const kit = pageKit(rt, { beforePage: rememberTenant(rt) });
  const { render, page } = kit;

  // --- sign-in ----------------------------------------------------------------------------------

  router.get('/login', (req, res) => {
    if (req.auth) return res.redirect(303, '/');
    render(req, res, 'login', { title: 'Sign in', next: safeNext(req.query.next) });
  });

  router.post('/login', async (req, res) => {
    // Login CSRF: a cross-site form post is refused (the cookie is SameSite=Lax as well).
    if (!fromThisSite(req.get('origin'), req.get('host'))) {
      return render(req, res, 'login', { title: 'Sign in', error: 'Sign-in from another site refused.' }, 403);
    }
    const email = String(req.body?.email ?? '');
    const password = String(req.body?.password ?? '');
    const next = safeNext(req.body?.next);
    const r = await users.login(email, password, req.ip ?? 'unknown');
    if (!r.ok) {
      if (r.reason === 'invalid') await new Promise((ok) => setTimeout(ok, r.delayMs));
      const error = r.reason === 'locked' ? `Too many failed sign-ins. Try again in ${Math.ceil(r.retryAfterMs / 1000)} seconds.` : 'Wrong e-mail or password.';
      return render(req, res, 'login', { title: 'Sign in', email, next, error }, r.reason === 'locked' ? 429 : 401);
    }
    setSessionCookie(rt, req, res, r.session.token, r.session.expiresAt);
    res.redirect(303, r.user.mustChangePassword ? '/account/password' : next);
  });

  router.post('/logout', page(async (req, res) => {
    const token = (req.cookies as Record<string, string>)[SESSION_COOKIE];
    if (token) await users.logout(token);
    clearSessionCookie(rt, req, res);
    res.redirect(303, '/login');
  }));

  // --- every feature's pages ---------------------------------------------------------------------

  router.use(accountWebRouter(rt, kit));
  router.use(dashboardWebRouter(rt, kit));
  router.use(integrationWebRouter(rt, kit));
  router.use(customersWebRouter(rt, kit));
  router.use(subscriptionsWebRouter(rt, kit));
  router.use(productsWebRouter(rt, kit));
  router.use(recurringInvoicesWebRouter(rt, kit));
  router.use(invoicesWebRouter(rt, kit));
  router.use(usageWebRouter(rt, kit));
  router.use(licensingWebRouter(rt));
  router.use(reconcileWebRouter(rt));
  router.use(taxWebRouter(rt));
  router.use(accountingWebRouter(rt));
  router.use(usageReviewWebRouter(rt));
  router.use(invoiceDeliveryWebRouter(rt));

  return router;
}
