import { Router } from 'express';
import type { Runtime } from '../../../app/runtime.js';
import { systemClock } from '../../../common/clock.js';
import { tenantDate } from '../../../common/tenant-date.js';
import type { PageKit } from '../page-kit.js';
import type { Data } from './shared.js';

/** The sync that ran last among a tenant's sync states (the dashboard's), with its outcome; null when none ran. */
function latestSync(syncs: Data[]): { at: string; status: string | null } | null {
  const last = syncs.filter((s) => s.lastRunAt).sort((a, b) => String(b.lastRunAt).localeCompare(String(a.lastRunAt)))[0];
  return last ? { at: String(last.lastRunAt), status: (last.lastStatus as string | null) ?? null } : null;
}

/**
 * The dashboard (templates/web/pages/dashboard.hbs): each tenant's last sync, drafts, recurring invoices due, usage to
 * review and to-do, read through the API as the signed-in user; clients go to their subscriptions. Built with the main
 * router's page kit (src/http/web/index.ts).
 */
export function dashboardWebRouter(rt: Runtime, kit: PageKit): Router {
  const now = rt.clock ?? systemClock;
  const { api, maybe, render, page } = kit;
  const router = Router();

  router.get('/', page(async (req, res) => {
    const user = req.auth!.user;
    if (user.role === 'client') return res.redirect(303, `/t/${user.tenantId}/subscriptions`);
    const tenants = (await api(req, 'listTenants')).items as Data[];
    const rows = [];
    for (const t of tenants) {
      const p = { tenantId: t.id };
      // Due by the tenant's own calendar day, not the server's UTC date.
      const today = tenantDate(now(), t.timeZone || 'UTC');
      const runs = await maybe(req, 'listImportRuns', { params: p, query: { size: '1' } });
      const drafts = await maybe(req, 'listInvoices', { params: p, query: { status: 'draft', size: '1' } });
      const due = await maybe(req, 'listRecurringInvoices', { params: p, query: { status: 'active', size: '200', sort: 'nextInvoiceDate,asc' } });
      const mismatch = await maybe(req, 'listUsageSummaries', { params: p, query: { mismatch: 'true', size: '1' } });
      const unmapped = await maybe(req, 'listUsageSummaries', { params: p, query: { unmapped: 'true', size: '1' } });
      const todo = await maybe(req, 'getDashboard', { params: p });
      rows.push({
        tenant: t,
        lastRun: runs?.items?.[0] ?? null,
        // A role that may not open the import history (finance) still sees when the last sync ran, from its to-do's syncs.
        lastSync: runs ? null : latestSync((todo?.syncs ?? []) as Data[]),
        drafts: drafts?.page.totalElements ?? null,
        due: due ? (due.items as Data[]).filter((r) => r.nextInvoiceDate <= today).length : null,
        mismatch: mismatch?.page.totalElements ?? null,
        unmapped: unmapped?.page.totalElements ?? null,
        todo,
        // What customers owe on invoices in the books, by days past due (admin and finance; none until payments are read back).
        ageing: await maybe(req, 'getAccountingAgeing', { params: p }),
      });
    }
    render(req, res, 'dashboard', { title: 'Dashboard', rows });
  }));

  return router;
}
