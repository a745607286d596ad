import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { ImportRun, Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { runImport } from '../imports/run-import.js';
import { runDailyPass } from '../invoices/daily-pass.js';
import { runInvoices } from '../invoices/run.js';
import { queueAfterIssue } from '../issued-invoices/after-issue.js';
import { sendQueuedInvoices } from '../invoice-delivery/send.js';
import type { OpenAccounting } from '../accounting/access.js';
import { accountingOpener } from '../accounting/open.js';
import { refreshAllPayments } from '../accounting/payments.js';
import { runPushes } from '../accounting/push.js';
import { SyncRunFailedError, type JobHandlers } from './handlers.js';
import { afterSubscriptionSync } from '../notices/after-sync.js';
import { runScheduledReconciliation } from '../reconcile/scheduled.js';
import { processWebhookQueue } from '../webhooks/service.js';
import { deliverPending } from '../notices/deliver.js';
import type { ClientOverrides } from '../tenants/pax8-client.js';
import { systemClock, type Clock } from '../common/clock.js';

export interface ServiceDeps {
  ds: DataSource;
  secrets: SecretBox;
  /** Pax8 client settings for the scheduled Pax8-bill import (tests: fast retries); the imports use their own. */
  pax8Client?: ClientOverrides;
  /** The business clock (default: the system clock); the scheduler passes the dates, this dates the notices. */
  clock?: Clock;
  /** Pax8 client settings for the syncs that webhook deliveries trigger (tests: no pacing); credentials come from the tenant. */
  webhookClient?: ClientOverrides;
  /** Opens a tenant's accounting connection (tests: fake books or a sandbox; default: the stored connection). */
  accountingOpen?: OpenAccounting;
}

/** What the accounting pushes and payment reads need: the tenant's stored connection unless the deps give an opener. */
function accountingDeps(deps: ServiceDeps) {
  return { ds: deps.ds, open: deps.accountingOpen ?? accountingOpener(deps.ds, deps.secrets), ...(deps.clock ? { clock: deps.clock } : {}) };
}

/**
 * The real services behind the scheduled jobs: Pax8 imports (one entity per run, recorded by the
 * imports service on its own import-run row), the daily billing pass and the invoice run, and the
 * nightly Pax8-bill import with the month's reconciliation and leakage notices.
 * `recurra start` and `recurra worker` pass these to registerJobHandlers.
 */
export function serviceJobHandlers(deps: ServiceDeps): JobHandlers {
  return {
    async syncEntity(tenantId, entity, ctx) {
      // This job holds the lock now, so an earlier attempt still marked running died with its worker.
      const now = new Date();
      await new TenantScope(deps.ds.manager, tenantId).repo(ImportRun).update({ jobId: ctx.jobId, status: 'running' }, {
        status: 'failed', finishedAt: now, updatedAt: now,
        message: JSON.stringify({ error: 'interrupted (the worker stopped before the run finished); the job ran again' }),
      });
      const run = await runImport(deps, {
        tenantId, entities: [entity], customers: ctx.customers ? [...ctx.customers] : undefined,
        trigger: ctx.trigger, startedBy: ctx.startedBy, jobId: ctx.jobId, signal: ctx.signal, now: (deps.clock ?? systemClock)(),
        onProgress: (e) => {
          if (e.total) void ctx.progress(Math.min(99, (100 * e.done) / e.total));
        },
      });
      if (run.status === 'failed') throw new SyncRunFailedError(run.details.error ?? `the ${entity} import failed`, run.id);
      // Licence event log and change notices from what the sync recorded (src/notices, issue 9).
      if (entity === 'subscriptions') await afterSubscriptionSync(deps, tenantId).catch((err: unknown) => ctx.logger.warn({ err }, 'change detection after the sync failed'));
      return { importRunId: run.id, status: run.status === 'partial' ? 'partial' : 'succeeded', counts: { ...run.counts[entity] } };
    },
    billingDaily: (tenantId, date) => runDailyPass(deps.ds, tenantId, date),
    async invoiceRun(tenantId, date, _ctx, opts) {
      const run = await runInvoices(deps.ds, tenantId, date, { clock: deps.clock ?? systemClock, allowFuture: opts?.allowFuture === true });
      const tenant = await deps.ds.manager.findOneByOrFail(Tenant, { id: tenantId });
      const issued = run.created.filter((c) => c.status === 'issued').map((c) => c.id);
      // The jobs that send them are queued by the scheduler after every run (jobs/scheduler.ts).
      await queueAfterIssue(new TenantScope(deps.ds.manager, tenantId), tenant, issued, (deps.clock ?? systemClock)());
      return run;
    },
    deliverInvoices: (tenantId) => sendQueuedInvoices(deps, tenantId),
    pushAccounting: (tenantId) => runPushes(accountingDeps(deps), tenantId),
    accountingPayments: (tenantId) => refreshAllPayments(accountingDeps(deps), tenantId),
    processWebhooks: (tenantId) => processWebhookQueue({ ds: deps.ds, secrets: deps.secrets, ...(deps.webhookClient ? { client: deps.webhookClient } : {}) }, tenantId ?? undefined),
    deliverNotices: (tenantId) => deliverPending(deps.ds, deps.secrets, tenantId ?? undefined),
    async reconcileMonth(tenantId, date, ctx) {
      const r = await runScheduledReconciliation(deps, tenantId, date, { signal: ctx.signal, now: (deps.clock ?? systemClock)() });
      if (r.importErrors.length > 0) ctx.logger.warn({ problems: r.importErrors.slice(0, 20), count: r.importErrors.length }, 'Pax8 bill import: some records were not imported');
      const { importErrors: _ignored, ...outcome } = r;
      return outcome;
    },
  };
}
