import { Router, type Request } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { tenantOfState } from '../../../accounting/oauth.js';
import { systemClock } from '../../../common/clock.js';
import { notFound, problemOf } from '../../api/errors.js';
import { pageKit, type PageKit } from '../page-kit.js';
import { accountingBooksWebRouter, booksSection } from './accounting-mapping.js';

/**
 * The Accounting page (templates/web/pages/accounting.hbs): one section per concern, each a partial of its own
 * (templates/web/partials/accounting-*.hbs) with its data loaded by its entry in SECTIONS. Connections (this file's
 * first section): the app credentials form, Connect / Disconnect per vendor, status, organisation, token expiry.
 * Later sections (contacts and ledger mappings, pushes) add an entry to SECTIONS, their partial to the template, and
 * their form routes below theirs. Every read and write is the API's own route (invokeRoute): its roles and checks.
 *
 * The OAuth callback (`GET /accounting/<vendor>/callback`, the redirect URI registered with the vendor) is here too:
 * the signed-in admin's browser comes back from the vendor; the state names the tenant.
 */

type Data = Record<string, unknown>;
/** One section's data: the kit (its api), the request, the tenant, and the app's clock's now. */
type Section = (kit: PageKit, req: Request, tenantId: string, now: Date) => Promise<Data>;

const VENDORS = ['xero', 'quickbooks'] as const;
type Vendor = (typeof VENDORS)[number];

function vendorOf(value: unknown): Vendor | null {
  return VENDORS.includes(value as Vendor) ? (value as Vendor) : null;
}

/** "in 25 minutes", "in 59 days", "2 hours ago": how long until (or since) an instant, in words. */
export function untilInWords(iso: string | null, now: Date): string | null {
  if (!iso) return null;
  const ms = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(ms);
  const units: Array<[number, string]> = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute']];
  const [size, unit] = units.find(([u]) => abs >= u) ?? [60_000, 'minute'];
  const n = Math.max(1, Math.round(abs / size));
  const words = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${words}` : `${words} ago`;
}

const STATUS_WORDS: Record<string, string> = { not_connected: 'Not connected', connected: 'Connected', needs_reconnect: 'Needs reconnecting' };

/** Section "connections": both vendors' connections. */
const connectionsSection: Section = async ({ api }, req, tenantId, now) => {
  const list = await api(req, 'listAccountingConnections', { params: { tenantId } });
  return {
    connections: list.items.map((c) => ({
      ...c,
      statusWords: STATUS_WORDS[c.status] ?? c.status,
      accessExpiresInWords: untilInWords(c.accessExpiresAt, now),
      refreshExpiresInWords: untilInWords(c.refreshExpiresAt, now),
      callbackUrl: list.callbackUrls[c.vendor] ?? null,
      isConnected: c.status === 'connected',
      needsReconnect: c.status === 'needs_reconnect',
    })),
  };
};

/** The page's sections, in order; each returns its own keys for the template. */
const SECTIONS: Section[] = [connectionsSection, booksSection];

export function accountingWebRouter(rt: Runtime): Router {
  const pagePath = (req: Request) => `/t/${req.params.tenantId}/accounting`;
  const kit = pageKit(rt, { backTo: pagePath, signInTo: pagePath });
  const { api, render, page, back: done, redirect } = kit;
  const router = Router();
  // Contacts, mappings, pushes and payments (./accounting-mapping.ts); mounted first: its paths are more specific.
  router.use(accountingBooksWebRouter(rt));
  const body = (req: Request) => req.body as Record<string, string | undefined>;
  const vendorParams = (req: Request) => {
    const vendor = vendorOf(req.params.vendor);
    if (!vendor) throw notFound('no such accounting vendor');
    return { tenantId: String(req.params.tenantId), vendor };
  };

  router.get('/t/:tenantId/accounting', page(async (req, res) => {
    const tenantId = String(req.params.tenantId);
    const data: Data = {};
    const now = (rt.clock ?? systemClock)();
    for (const section of SECTIONS) Object.assign(data, await section(kit, req, tenantId, now));
    render(req, res, 'accounting', { title: 'Accounting', tenant: { id: tenantId }, canEdit: req.auth!.user.role === 'admin', ...data });
  }));

  // --- section: connections ------------------------------------------------------------------

  router.post('/t/:tenantId/accounting/:vendor/app', page(async (req, res) => {
    const b = body(req);
    const opt = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
    const c = await api(req, 'saveAccountingApp', {
      params: vendorParams(req),
      body: {
        clientId: opt(b.clientId), clientSecret: b.clientSecret ? b.clientSecret : undefined,
        authorizeUrl: opt(b.authorizeUrl), tokenUrl: opt(b.tokenUrl), revokeUrl: opt(b.revokeUrl), apiUrl: opt(b.apiUrl),
      },
    });
    done(res, pagePath(req), `${c.vendorName} app credentials saved.`);
  }));

  router.post('/t/:tenantId/accounting/:vendor/connect', page(async (req, res) => {
    const started = await api(req, 'startAccountingConnect', { params: vendorParams(req), body: { callbackBaseUrl: `${req.protocol}://${req.get('host')}` } });
    res.redirect(303, started.authorizationUrl);
  }));

  router.post('/t/:tenantId/accounting/:vendor/organisation', page(async (req, res) => {
    const c = await api(req, 'chooseAccountingOrganisation', { params: vendorParams(req), body: { organisationId: body(req).organisationId ?? '' } });
    done(res, pagePath(req), `Connected to ${c.vendorName}: ${c.organisationName ?? ''}.`);
  }));

  router.post('/t/:tenantId/accounting/:vendor/disconnect', page(async (req, res) => {
    const out = await api(req, 'disconnectAccounting', { params: vendorParams(req) });
    done(res, pagePath(req), `Disconnected from ${out.connection.vendorName}${out.revoked ? '' : ` (${out.connection.vendorName} could not be told; remove Recurra from its connected apps there)`}.`);
  }));

  // The vendor sends the browser back here (GET, the registered redirect URI); the state names the tenant.
  router.get('/accounting/:vendor/callback', page(async (req, res) => {
    const vendor = vendorOf(req.params.vendor);
    const q = req.query as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const state = str(q.state) ?? '';
    const tenantId = tenantOfState(state);
    if (!vendor || !tenantId) {
      return render(req, res, 'error', { title: 'Not connected', message: 'This is no authorisation Recurra started: open the Accounting page and use Connect again.' }, 400);
    }
    const to = `/t/${tenantId}/accounting`;
    try {
      const done2 = await api(req, 'completeAccountingConnect', {
        params: { tenantId, vendor },
        body: { state, code: str(q.code), realmId: str(q.realmId), error: str(q.error) },
      });
      const c = done2.connection;
      redirect(res, to, 'notice', done2.outcome === 'connected'
        ? `Connected to ${c.vendorName}: ${c.organisationName ?? ''}.`
        : `${c.vendorName} authorised ${c.organisationChoices?.length ?? 0} organisations: choose the one Recurra uses.`);
    } catch (err) {
      const p = problemOf(err);
      if (!p || p.status === 404 || p.status === 403) throw err;
      redirect(res, to, 'error', p.message);
    }
  }));

  return router;
}
