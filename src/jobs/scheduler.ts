import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Agenda, type BackoffStrategy, type Job, type JobParameters } from 'agenda';
import type { DataSource } from 'typeorm';
import { ImportRun, InvoiceRunRecord, Tenant } from '../db/entities/index.js';
import { InvoiceRunAlreadyQueuedError, unfinishedInvoiceRuns, type InvoiceRunOutcome } from '../invoices/run-records.js';
import { TenantScope } from '../db/tenant-scope.js';
import { tenantDate } from '../common/tenant-date.js';
import type { Logger } from '../logging/logger.js';
import { AppError } from '../common/app-error.js';
import { systemClock, type Clock } from '../common/clock.js';
import { onTenantChange } from '../tenants/events.js';
import { tenantSettings } from '../tenants/service.js';
import { SYNC_ENTITIES, defaultTenantSettings, type SyncEntity, type TenantSettings } from '../tenants/settings.js';
import { HandlerNotRegisteredError, SyncRunFailedError, jobHandler, type JobContext, type JobTrigger, type SyncOutcome } from './handlers.js';
import { asError } from './job-text.js';
import { TypeormAgendaBackend } from './typeorm-backend.js';
import type { TypeormJobRepository } from './typeorm-repository.js';

export const SYNC_JOB_PREFIX = 'sync:';
export const BILLING_JOB = 'billing:daily';
/** Imports Pax8's bill to the partner and reconciles the month (src/reconcile/scheduled.ts), after the nightly sync. */
export const RECONCILE_JOB = 'reconcile:month';
/**
 * Processes Pax8 webhook deliveries: one-off per tenant, queued when a delivery is received (Scheduler.queueWebhookProcessing);
 * and one for every tenant each `operationsEveryMs`, which takes up retries and deliveries left by a dead worker.
 */
export const WEBHOOK_JOB = 'webhooks:process';
/** Sends the change-notice outbox (src/notices/deliver.ts) of every tenant each `operationsEveryMs`. */
export const NOTICE_JOB = 'notices:deliver';
/** Sends a tenant's queued invoice e-mails (src/invoice-delivery); queued when invoices are queued for sending. */
export const INVOICE_DELIVERY_JOB = 'invoices:deliver';
/** Pushes a tenant's queued invoices to its accounting systems (src/accounting/push.ts); queued when invoices are queued for pushing. */
export const ACCOUNTING_PUSH_JOB = 'accounting:push';
/** Reads payment state back from the books for every tenant each `accountingPaymentsEveryMs` (one tenant's on demand). */
export const ACCOUNTING_PAYMENTS_JOB = 'accounting:payments';
/**
 * One invoice run asked for from the web app or the API (Scheduler.queueInvoiceRun): it catches up the daily pass and
 * creates the invoices due up to its date, writing its state and outcome on its invoice_runs record. Never retried.
 */
export const INVOICE_RUN_JOB = 'invoices:run';
export const syncJobName = (entity: SyncEntity): string => `${SYNC_JOB_PREFIX}${entity}`;
export const SYNC_JOB_NAMES: readonly string[] = SYNC_ENTITIES.map(syncJobName);

/**
 * The recurring jobs every enabled tenant has, keyed by their setting in TenantSettings.schedule; 'reconcile'
 * has no setting of its own: it comes due with the nightly usage sync (schedule.usage) and waits for the syncs.
 */
export const SCHEDULED_KINDS = [...SYNC_ENTITIES, 'billing', 'reconcile'] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];
export const jobNameFor = (kind: ScheduledKind): string =>
  (kind === 'billing' ? BILLING_JOB : kind === 'reconcile' ? RECONCILE_JOB : syncJobName(kind));
const cronFor = (kind: ScheduledKind, settings: TenantSettings): string => settings.schedule[kind === 'reconcile' ? 'usage' : kind];
/** Whether the tenant's regular schedule runs this kind: every sync entity in imports.scheduledEntities, billing and reconcile always. */
const isScheduled = (kind: ScheduledKind, settings: TenantSettings): boolean =>
  kind === 'billing' || kind === 'reconcile' || settings.imports.scheduledEntities.includes(kind);
/** Every recurring job's name. */
export const SCHEDULED_JOB_NAMES: readonly string[] = SCHEDULED_KINDS.map(jobNameFor);

export interface SyncJobData {
  tenantId: string;
  entity: SyncEntity;
  trigger: JobTrigger;
  startedBy: string;
  /** true on a tenant's recurring job; absent on a 'sync now' job. */
  scheduled?: true;
  /** 'sync now' for chosen customers: only their subscriptions and usage (local customer ids). */
  customers?: string[];
}

export interface DeliveryJobData {
  tenantId: string;
  trigger?: JobTrigger;
  startedBy?: string;
}

export interface BillingJobData {
  tenantId: string;
  trigger: JobTrigger;
  startedBy: string;
  scheduled?: true;
}

export interface InvoiceRunJobData {
  tenantId: string;
  /** The invoice_runs record this job writes its state on. */
  runId: string;
  date: string;
  allowFuture: boolean;
  trigger: JobTrigger;
  startedBy: string;
}

/** The same shape as the billing job's. */
export type ReconcileJobData = BillingJobData;

export interface RetryPolicy {
  /** Retries after the first failure (0 = none). */
  retries: number;
  /** Delay before the first retry; doubles for each further one. */
  delayMs: number;
}

export interface SchedulerOptions {
  ds: DataSource;
  logger: Logger;
  lockLifetimeMs: number;
  processEveryMs: number;
  maxConcurrency: number;
  retry?: RetryPolicy;
  /** How often a running scheduler re-reads all tenants and fixes their jobs (default 60 s). */
  reconcileEveryMs?: number;
  /** How long stop() waits for running jobs before releasing their locks (default: the lock lifetime). */
  drainTimeoutMs?: number;
  /** Identifies this process in job locks. */
  owner?: string;
  /**
   * How long the reconciliation job waits before looking again when a sync of its tenant is still running,
   * due or waiting for a retry (default 5 minutes).
   */
  syncWaitMs?: number;
  /**
   * How long a sync waits before looking again while a sync of an entity that comes before it (customers,
   * products, subscriptions, usage) is running or due for its tenant (default 5 s).
   */
  syncOrderWaitMs?: number;
  /** The business clock: the tenant-local date a billing or reconciliation run works for (default: the system clock). */
  clock?: Clock;
  /** How often the webhook queue and the notice outbox of every tenant are worked through (default 60 s). */
  operationsEveryMs?: number;
  /** How often payments are read back from every tenant's accounting systems (default 2 hours). */
  accountingPaymentsEveryMs?: number;
}

/** A webhook or notice job: one tenant's, or (no tenantId) every tenant's. */
export interface OperationsJobData {
  tenantId?: string;
  trigger: JobTrigger;
  startedBy: string;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, delayMs: 60_000 };

/** A 'sync now' that overlaps the same sync for the same tenant. */
export class SyncAlreadyRunningError extends AppError {
  override name = 'SyncAlreadyRunningError';
  constructor(readonly tenantName: string, readonly entities: SyncEntity[]) {
    super('conflict', `a ${entities.join(', ')} sync for tenant "${tenantName}" is already running or queued; please try again when it has finished`, { code: 'sync_running' });
  }
}

/** A 'sync now' for a tenant that cannot run (unknown or disabled). */
export class SyncRefusedError extends AppError {
  override name = 'SyncRefusedError';
  constructor(message: string, override readonly code: 'not_found' | 'disabled') {
    super(code === 'not_found' ? 'not_found' : 'conflict', message, code === 'not_found' ? { publicMessage: 'tenant not found' } : { code, apiCode: 'tenant_disabled' });
  }
}

export interface QueuedSync {
  entity: SyncEntity;
  jobId: string;
}


/**
 * Ends a run without work and has the job run again `waitMs` from now: Agenda saves nextRunAt when the run ends, a
 * one-off job with a nextRunAt is kept (not removed on completion), and a recurring job's cron takes over after that run.
 */
function postpone(job: Job<unknown>, waitMs: number): Date {
  const retryAt = new Date(Date.now() + waitMs);
  job.attrs.nextRunAt = retryAt;
  return retryAt;
}

/** A 'sync now' job's chosen customers, for its context. */
const chosenCustomers = (data: unknown): { customers?: string[] } => {
  const customers = (data as { customers?: unknown } | null)?.customers;
  return Array.isArray(customers) && customers.length > 0 ? { customers: customers.map(String) } : {};
};

const isStarted = (j: JobParameters): boolean =>
  !!j.lastRunAt && (!j.lastFinishedAt || j.lastRunAt.getTime() > j.lastFinishedAt.getTime());

/**
 * Recurra's scheduler: Agenda on our own database, one recurring job per tenant and task
 * (syncs per entity, the daily billing pass + invoice run), 'sync now' jobs, and the glue that
 * keeps tenants' jobs in step with the tenants table.
 */
export class Scheduler {
  readonly agenda: Agenda;
  readonly backend: TypeormAgendaBackend;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  /** Abort controllers of the handlers running in this process. */
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly opts: SchedulerOptions) {
    const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.backend = new TypeormAgendaBackend(opts.ds, owner);
    this.log = opts.logger.child({ component: 'scheduler' });
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.agenda = new Agenda({
      backend: this.backend,
      name: owner,
      processEvery: opts.processEveryMs,
      maxConcurrency: opts.maxConcurrency,
      // Lock no more than can run: jobs a busy worker would only queue stay free for the other workers.
      lockLimit: opts.maxConcurrency,
      defaultLockLifetime: opts.lockLifetimeMs,
    });
    this.agenda.on('error', (err) => this.log.error({ err }, 'scheduler error'));
    this.defineJobs();
  }

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  get repository(): TypeormJobRepository {
    return this.backend.repository;
  }

  /** Exponential backoff, bounded; no retries for runs that cannot succeed by retrying. */
  private backoff: BackoffStrategy = (ctx) => {
    if (ctx.error instanceof HandlerNotRegisteredError) return null;
    if (ctx.attempt > this.retry.retries) return null;
    return this.retry.delayMs * 2 ** (ctx.attempt - 1);
  };

  private defineJobs(): void {
    const common = { lockLifetime: this.opts.lockLifetimeMs, backoff: this.backoff, removeOnComplete: true };
    // Whatever a handler throws reaches Agenda as an Error: it reads `.message` of the thrown value, and a thrown
    // `undefined` made it skip the retry policy.
    const asErrors = <T>(run: (job: Job<T>) => Promise<void>) => async (job: Job<T>) => {
      try {
        await run(job);
      } catch (thrown) {
        throw asError(thrown);
      }
    };
    for (const entity of SYNC_ENTITIES) {
      this.agenda.define<SyncJobData>(syncJobName(entity), asErrors((job) => this.runSync(job)), common);
    }
    this.agenda.define<BillingJobData>(BILLING_JOB, asErrors((job) => this.runBilling(job)), common);
    this.agenda.define<ReconcileJobData>(RECONCILE_JOB, asErrors((job) => this.runReconcile(job)), common);
    this.agenda.define<OperationsJobData>(WEBHOOK_JOB, asErrors((job) => this.runOperations(job, 'processWebhooks')), common);
    this.agenda.define<OperationsJobData>(NOTICE_JOB, asErrors((job) => this.runOperations(job, 'deliverNotices')), common);
    this.agenda.define<DeliveryJobData>(INVOICE_DELIVERY_JOB, asErrors((job) => this.runInvoiceDelivery(job)), common);
    this.agenda.define<DeliveryJobData>(ACCOUNTING_PUSH_JOB, asErrors((job) => this.runAccountingPush(job)), common);
    this.agenda.define<OperationsJobData>(ACCOUNTING_PAYMENTS_JOB, asErrors((job) => this.runAccountingPayments(job)), common);
    // A failed invoice run says why on its record; running it again is the user's choice (runs are exactly-once anyway).
    this.agenda.define<InvoiceRunJobData>(INVOICE_RUN_JOB, asErrors((job) => this.runInvoiceRun(job)), { ...common, backoff: () => null });
    this.agenda.on('fail', (err: Error | string, job: { attrs?: JobParameters }) => {
      const a = job.attrs;
      if (a) this.log.warn({ job: a.name, jobId: String(a._id), data: a.data, failCount: a.failCount, err: String(err) }, 'job failed');
    });
  }

  /** Starts processing, reconciles every tenant's jobs now and then periodically, and follows tenant changes. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.agenda.start();
    this.followTenantChanges();
    await this.reconcileAll();
    // One job each for every tenant (type single: however many workers start, there is one of each).
    const sweep: OperationsJobData = { trigger: 'schedule', startedBy: 'scheduler' };
    await this.agenda.every(this.opts.operationsEveryMs ?? 60_000, [WEBHOOK_JOB, NOTICE_JOB], sweep, { skipImmediate: true });
    await this.agenda.every(this.opts.accountingPaymentsEveryMs ?? 2 * 3600_000, ACCOUNTING_PAYMENTS_JOB, sweep, { skipImmediate: true });
    this.reconcileTimer = setInterval(() => {
      this.reconcileAll().catch((err) => this.log.error({ err }, 'periodic job reconcile failed'));
    }, this.opts.reconcileEveryMs ?? 60_000);
    this.reconcileTimer.unref();
    this.log.info({ backend: this.backend.name, owner: this.backend.repository.owner }, 'scheduler started');
  }

  /**
   * Keeps tenants' jobs in step with tenant changes made in this process (created, settings, time zone,
   * enabled, removed). start() does this; a process that only queues jobs may call it too.
   */
  followTenantChanges(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = onTenantChange(async (change) => {
      try {
        await this.reconcileTenant(change.tenantId);
      } catch (err) {
        this.log.error({ err, tenantId: change.tenantId }, 'could not update the tenant\'s jobs');
      }
    });
  }

  /**
   * Stops taking jobs, waits for running ones (up to drainTimeoutMs), then releases every lock this
   * process still holds, so other workers can run those jobs at once instead of after the lock lifetime.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const result = await this.drainAgenda(this.opts.drainTimeoutMs ?? this.opts.lockLifetimeMs);
    if (this.inFlight.size > 0) {
      // Out of patience: ask the handlers still running to stop at their next safe point.
      for (const c of this.inFlight) c.abort(new Error('the scheduler is shutting down'));
      const until = Date.now() + 5000;
      while (this.inFlight.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    }
    const released = await this.repository.releaseLocksHeldBy(this.repository.owner);
    this.log.info({ completed: result.completed, stillRunning: result.running, released }, 'scheduler stopped');
  }

  /**
   * Agenda's drain, ended as soon as no job is running. Agenda re-checks its running jobs only when one emits
   * 'complete', and a finished one-time job removes itself (removeOnComplete) after that event: when the removal took
   * longer than one event-loop turn (a round trip to MariaDB), the drain missed the job's end and waited out its whole
   * timeout (the lock lifetime) — the test teardowns that hung for minutes. A job whose first state save fails never
   * emits 'complete' at all. So the running jobs are also watched here, every 100 ms.
   */
  private async drainAgenda(timeoutMs: number): Promise<{ completed: number; running: number }> {
    const idle = new AbortController();
    const watcher = (async () => {
      while (!idle.signal.aborted) {
        await new Promise((r) => setTimeout(r, 100));
        if (!idle.signal.aborted && (await this.agenda.getRunningStats()).runningJobs === 0) idle.abort();
      }
    })().catch(() => idle.abort()); // no stats (the database is failing): stop waiting; running handlers are then aborted
    try {
      return await this.agenda.drain({ timeout: timeoutMs, signal: idle.signal, closeConnection: false });
    } finally {
      idle.abort();
      await watcher;
    }
  }

  // ---------------------------------------------------------------- tenants' recurring jobs

  /** Makes one tenant's recurring jobs match the tenant: created, changed, disabled or removed. */
  async reconcileTenant(tenantId: string, known?: { tenant: Tenant; jobs: JobParameters[] }): Promise<void> {
    const tenant = known ? known.tenant : await this.opts.ds.manager.findOneBy(Tenant, { id: tenantId });
    if (!tenant) {
      const removed = await this.agenda.cancel({ data: { tenantId } });
      if (removed > 0) this.log.info({ tenantId, removed }, 'removed the jobs of a removed tenant');
      return;
    }
    let settings: TenantSettings;
    try {
      settings = tenantSettings(tenant);
    } catch (err) {
      this.log.error({ err, tenant: tenant.name }, 'tenant settings are invalid; scheduling with the defaults');
      settings = defaultTenantSettings();
    }
    const all = known ? known.jobs : (await this.repository.queryJobs({ data: { tenantId } })).jobs;
    const existing = all.filter((j) => (j.data as { scheduled?: boolean } | null)?.scheduled === true);
    for (const kind of SCHEDULED_KINDS) {
      const name = jobNameFor(kind);
      const cron = cronFor(kind, settings);
      const current = existing.find((j) => j.name === name);
      if (!isScheduled(kind, settings)) {
        // Left out of the regular schedule (imports.scheduledEntities): no recurring job; "sync now" still runs it.
        if (current) {
          await this.agenda.cancel({ name, data: { tenantId, scheduled: true } });
          this.log.info({ tenant: tenant.name, job: name }, 'job left out of the schedule');
        }
        continue;
      }
      if (current && current.repeatInterval === cron && current.repeatTimezone === tenant.timeZone && !!current.disabled === !tenant.enabled) {
        continue;
      }
      const data: SyncJobData | BillingJobData = kind === 'billing' || kind === 'reconcile'
        ? { tenantId, trigger: 'schedule', startedBy: 'scheduler', scheduled: true }
        : { tenantId, entity: kind, trigger: 'schedule', startedBy: 'scheduler', scheduled: true };
      const job = this.agenda
        .create(name, data)
        .repeatEvery(cron, { timezone: tenant.timeZone, skipImmediate: true })
        .unique({ 'data.tenantId': tenantId, 'data.scheduled': true });
      if (!tenant.enabled) job.disable();
      await job.save();
      this.log.info({ tenant: tenant.name, job: name, cron, timeZone: tenant.timeZone, enabled: tenant.enabled }, current ? 'job schedule updated' : 'job scheduled');
    }
    // 'Sync now' jobs follow the tenant's enabled flag too.
    if (all.some((j) => !!j.disabled !== !tenant.enabled)) {
      if (tenant.enabled) await this.agenda.enable({ data: { tenantId } });
      else await this.agenda.disable({ data: { tenantId } });
    }
  }

  /** Reconciles every tenant and removes the jobs of tenants that no longer exist. */
  async reconcileAll(): Promise<void> {
    const tenants = await this.opts.ds.manager.find(Tenant);
    const { jobs } = await this.repository.queryJobs({ names: [...SCHEDULED_JOB_NAMES] });
    const byTenant = new Map<string, JobParameters[]>();
    for (const j of jobs) {
      const id = (j.data as { tenantId?: string } | null)?.tenantId;
      if (id) byTenant.set(id, [...(byTenant.get(id) ?? []), j]);
    }
    for (const tenant of tenants) {
      await this.reconcileTenant(tenant.id, { tenant, jobs: byTenant.get(tenant.id) ?? [] });
      byTenant.delete(tenant.id);
    }
    // What is left belongs to tenants that no longer exist.
    for (const tenantId of byTenant.keys()) await this.reconcileTenant(tenantId);
  }

  // ---------------------------------------------------------------- sync now

  private async tenantJobs(name: string, tenantId: string): Promise<JobParameters[]> {
    return (await this.repository.queryJobs({ name, data: { tenantId } })).jobs;
  }

  /** True while a sync of this entity for this tenant runs (lock held) or a 'sync now' for it waits or retries. */
  async isSyncActive(tenantId: string, entity: SyncEntity): Promise<boolean> {
    const lockFloor = Date.now() - this.opts.lockLifetimeMs;
    return (await this.tenantJobs(syncJobName(entity), tenantId)).some((j) => {
      if (j.lockedAt && j.lockedAt.getTime() > lockFloor) return true;
      const manual = !(j.data as SyncJobData).scheduled;
      return manual && j.nextRunAt !== null && !j.disabled;
    });
  }

  /**
   * Queues an immediate sync of `entities` for the tenant named `tenantName`. Refuses (SyncAlreadyRunningError)
   * when any of them is already running or queued for that tenant, and (SyncRefusedError) for an unknown or
   * disabled tenant.
   */
  async syncNow(
    tenantName: string, entities: readonly SyncEntity[], trigger: JobTrigger, startedBy: string, opts: { customers?: readonly string[] } = {},
  ): Promise<QueuedSync[]> {
    const tenant = await this.opts.ds.manager.findOneBy(Tenant, { name: tenantName });
    if (!tenant) throw new SyncRefusedError(`no tenant named "${tenantName}"`, 'not_found');
    if (!tenant.enabled) throw new SyncRefusedError(`tenant "${tenantName}" is disabled; enable it to sync`, 'disabled');
    const wanted = [...new Set(entities)];
    const busy: SyncEntity[] = [];
    for (const e of wanted) if (await this.isSyncActive(tenant.id, e)) busy.push(e);
    if (busy.length > 0) throw new SyncAlreadyRunningError(tenant.name, busy);
    const queued: QueuedSync[] = [];
    for (const entity of wanted) {
      const data: SyncJobData = { tenantId: tenant.id, entity, trigger, startedBy, ...(opts.customers?.length ? { customers: [...opts.customers] } : {}) };
      const job = await this.agenda.create(syncJobName(entity), data).schedule(new Date()).save();
      queued.push({ entity, jobId: String(job.attrs._id) });
    }
    this.log.info({ tenant: tenant.name, entities: wanted, customers: opts.customers?.length ?? 'all', trigger, startedBy }, 'sync queued');
    return queued;
  }

  // ---------------------------------------------------------------- running jobs

  /**
   * Another run of the same task for the same tenant holds a live lock and started first (ties go to
   * the lower id): this run stands down rather than overlap it.
   */
  private async overlapsEarlierRun(job: Job<{ tenantId: string }>): Promise<boolean> {
    const me = String(job.attrs._id);
    const myStart = job.attrs.lastRunAt?.getTime() ?? Date.now();
    const lockFloor = Date.now() - this.opts.lockLifetimeMs;
    return (await this.tenantJobs(job.attrs.name, job.attrs.data.tenantId)).some((j) => {
      if (String(j._id) === me || !j.lockedAt || j.lockedAt.getTime() <= lockFloor || !isStarted(j)) return false;
      const start = j.lastRunAt!.getTime();
      return start < myStart || (start === myStart && String(j._id) < me);
    });
  }

  private async loadRunnableTenant(job: Job<{ tenantId: string }>): Promise<Tenant | null> {
    const { tenantId } = job.attrs.data;
    const tenant = await this.opts.ds.manager.findOneBy(Tenant, { id: tenantId });
    if (!tenant) {
      this.log.info({ job: job.attrs.name, tenantId }, 'tenant no longer exists: nothing to run');
      return null;
    }
    if (!tenant.enabled) {
      this.log.info({ job: job.attrs.name, tenant: tenant.name }, 'tenant is disabled: nothing to run');
      return null;
    }
    if (await this.overlapsEarlierRun(job)) {
      this.log.info({ job: job.attrs.name, tenant: tenant.name }, 'the same task is already running for this tenant: skipped');
      return null;
    }
    return tenant;
  }

  /**
   * Runs `fn` with a job context: an abort signal, throttled progress reports, and a heartbeat that
   * renews the job's lock every third of its lifetime while `fn` runs.
   */
  private async withContext<T>(job: Job<{ trigger?: JobTrigger; startedBy?: string }>, logger: Logger, fn: (ctx: JobContext) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let lastReport = 0;
    let reported = -1;
    let percent: number | undefined;
    let touching: Promise<void> = Promise.resolve();
    const touch = () => {
      touching = touching.then(() => job.touch(percent)).catch((err) => logger.warn({ err }, 'could not renew the job lock'));
      return touching;
    };
    const ctx: JobContext = {
      jobId: String(job.attrs._id),
      trigger: job.attrs.data.trigger ?? 'schedule',
      startedBy: job.attrs.data.startedBy ?? 'scheduler',
      ...chosenCustomers(job.attrs.data),
      logger,
      signal: controller.signal,
      progress: async (p: number) => {
        percent = Math.max(0, Math.min(100, Math.round(p)));
        const now = Date.now();
        // At most about one write a second, unless progress moved noticeably (or started or finished).
        if (percent !== 0 && percent !== 100 && now - lastReport < 1000 && Math.abs(percent - reported) < 5) return;
        lastReport = now;
        reported = percent;
        logger.debug({ progress: percent }, 'job progress');
        await touch();
      },
    };
    const heartbeat = setInterval(() => void touch(), Math.max(1000, Math.floor(this.opts.lockLifetimeMs / 3)));
    heartbeat.unref();
    this.inFlight.add(controller);
    try {
      return await fn(ctx);
    } finally {
      clearInterval(heartbeat);
      this.inFlight.delete(controller);
      await touching;
    }
  }

  private async runSync(job: Job<SyncJobData>): Promise<void> {
    const { tenantId, entity } = job.attrs.data;
    const syncEntity = jobHandler('syncEntity');
    const tenant = await this.loadRunnableTenant(job);
    if (!tenant) return;
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), tenant: tenant.name });
    const first = await this.earlierSyncPending(tenantId, entity);
    if (first) {
      // Subscriptions need the customers and products imported first: "sync now" of every entity queues them
      // together, so each waits for the ones before it.
      const retryAt = postpone(job, this.syncOrderWaitMs);
      logger.info({ retryAt, waitsFor: first }, 'a sync of an entity that comes first is running or due: this sync waits for it');
      return;
    }
    const runs = new TenantScope(this.opts.ds.manager, tenantId).repo(ImportRun);
    const startedAt = new Date();
    await this.withContext(job, logger, async (ctx) => {
      const record = async (status: ImportRun['status'], counts: SyncOutcome['counts'], details: Record<string, unknown> | null) => {
        const now = new Date();
        const id = randomUUID();
        await runs.insert([{
          id, entities: entity, trigger: ctx.trigger, startedBy: ctx.startedBy, startedAt, finishedAt: now, status, dryRun: false,
          countsJson: JSON.stringify(counts ? { [entity]: counts } : {}), message: details ? JSON.stringify(details) : null,
          jobId: ctx.jobId, createdAt: now, updatedAt: now,
        }]);
        return id;
      };
      await ctx.progress(0);
      let outcome: SyncOutcome;
      try {
        outcome = (await syncEntity(tenantId, entity, ctx)) ?? {};
      } catch (err) {
        const attempt = (job.attrs.failCount ?? 0) + 1;
        const error = `${(err as Error)?.message ?? String(err)} (attempt ${attempt} of ${this.retry.retries + 1})`;
        const importRunId = err instanceof SyncRunFailedError ? err.importRunId : await record('failed', undefined, { error });
        logger.warn({ importRunId, err }, 'sync failed');
        throw err;
      }
      let importRunId = outcome.importRunId;
      if (importRunId) {
        await runs.update({ id: importRunId }, { jobId: ctx.jobId });
      } else {
        importRunId = await record(outcome.status ?? 'succeeded', outcome.counts, null);
      }
      await ctx.progress(100);
      logger.info({ importRunId, status: outcome.status ?? 'succeeded', counts: outcome.counts }, 'sync finished');
    });
  }

  private async runBilling(job: Job<BillingJobData>): Promise<void> {
    const billingDaily = jobHandler('billingDaily');
    const invoiceRun = jobHandler('invoiceRun');
    const tenant = await this.loadRunnableTenant(job);
    if (!tenant) return;
    const date = tenantDate(this.clock(), tenant.timeZone);
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), tenant: tenant.name, date });
    await this.withContext(job, logger, async (ctx) => {
      await ctx.progress(0);
      await billingDaily(tenant.id, date, ctx);
      await ctx.progress(50);
      await invoiceRun(tenant.id, date, ctx);
      await ctx.progress(100);
    });
    logger.info('daily billing pass and invoice run finished');
    // The run may have queued invoices for sending (the tenant's invoiceDelivery.autoSend) and for pushing (accounting.autoPush).
    await this.queueInvoiceDelivery(tenant.id);
    await this.queueAccountingPush(tenant.id);
  }

  // ---------------------------------------------------------------- invoice runs asked for

  /**
   * Queues an invoice run for the tenant up to `date` (checked by the caller): a record (invoice_runs, status queued)
   * that the `invoices:run` job moves to running and then succeeded or failed. One at a time per tenant: refused
   * (InvoiceRunAlreadyQueuedError, 409 invoice_run_running) while another is queued or running; a record whose job is
   * gone (its process died before it could say so) is marked failed instead of holding the next one back.
   */
  async queueInvoiceRun(tenantId: string, date: string, opts: { allowFuture: boolean; trigger: JobTrigger; startedBy: string }): Promise<InvoiceRunRecord> {
    await this.refuseWhileInvoiceRunPending(tenantId);
    const scope = new TenantScope(this.opts.ds.manager, tenantId);
    // The record's times are the business clock's, as the import runs' are: the progress panel compares them with it.
    const now = this.clock();
    const run = scope.repo(InvoiceRunRecord).create({
      id: randomUUID(), runDate: date, allowFuture: opts.allowFuture, trigger: opts.trigger, startedBy: opts.startedBy, status: 'queued',
      jobId: null, queuedAt: now, startedAt: null, finishedAt: null, resultJson: null, error: null, createdAt: now, updatedAt: now,
    });
    await scope.repo(InvoiceRunRecord).insert([run]);
    const data: InvoiceRunJobData = { tenantId, runId: run.id, date, allowFuture: opts.allowFuture, trigger: opts.trigger, startedBy: opts.startedBy };
    const job = await this.agenda.create(INVOICE_RUN_JOB, data).schedule(new Date()).save();
    run.jobId = String(job.attrs._id);
    await scope.repo(InvoiceRunRecord).update({ id: run.id }, { jobId: run.jobId });
    this.log.info({ tenantId, runId: run.id, date, trigger: opts.trigger, startedBy: opts.startedBy }, 'invoice run queued');
    return run;
  }

  /**
   * Refuses (InvoiceRunAlreadyQueuedError) while an invoice run of the tenant is queued or running; a record whose job
   * is gone or failed (its worker died before it could say so) is marked failed instead of holding the next run back.
   */
  async refuseWhileInvoiceRunPending(tenantId: string): Promise<void> {
    const scope = new TenantScope(this.opts.ds.manager, tenantId);
    const unfinished = await unfinishedInvoiceRuns(scope);
    if (unfinished.length === 0) return;
    const { jobs } = await this.repository.queryJobs({ names: [INVOICE_RUN_JOB], data: { tenantId } });
    const live = new Set(jobs.filter((j) => !j.failedAt || (!!j.lastRunAt && j.failedAt.getTime() < j.lastRunAt.getTime())).map((j) => String(j._id)));
    for (const r of unfinished) {
      // Just queued: its job id is written right after the job (a moment ago).
      if ((r.jobId && live.has(r.jobId)) || (!r.jobId && this.clock().getTime() - r.queuedAt.getTime() < 60_000)) throw new InvoiceRunAlreadyQueuedError(r.id, r.status);
      const now = this.clock();
      await scope.repo(InvoiceRunRecord).update({ id: r.id, status: r.status }, {
        status: 'failed', finishedAt: now, updatedAt: now, error: 'The run stopped before it finished (its worker stopped); run it again.',
      });
    }
  }

  private async runInvoiceRun(job: Job<InvoiceRunJobData>): Promise<void> {
    const { tenantId, runId, date, allowFuture } = job.attrs.data;
    const records = new TenantScope(this.opts.ds.manager, tenantId).repo(InvoiceRunRecord);
    const finish = async (patch: Partial<InvoiceRunRecord>) => {
      const now = this.clock();
      await records.update({ id: runId }, { ...patch, finishedAt: now, updatedAt: now });
    };
    const tenant = await this.opts.ds.manager.findOneBy(Tenant, { id: tenantId });
    if (!tenant?.enabled) {
      await finish({ status: 'failed', error: tenant ? 'The tenant is disabled: enable it, then run again.' : 'The tenant no longer exists.' }).catch(() => undefined);
      return;
    }
    const invoiceRun = jobHandler('invoiceRun');
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), tenant: tenant.name, date, runId });
    const started = this.clock();
    await records.update({ id: runId }, { status: 'running', startedAt: started, updatedAt: started, jobId: String(job.attrs._id) });
    let outcome: InvoiceRunOutcome;
    try {
      const r = await this.withContext(job, logger, async (ctx) => {
        await ctx.progress(0);
        const result = await invoiceRun(tenant.id, date, ctx, { allowFuture }) as {
          created?: Array<{ status: string }>; alreadyInvoiced?: number; failed?: InvoiceRunOutcome['failed'];
        } | undefined;
        await ctx.progress(100);
        return result;
      });
      const created = r?.created ?? [];
      outcome = {
        created: created.length, drafts: created.filter((c) => c.status === 'draft').length, issued: created.filter((c) => c.status === 'issued').length,
        alreadyInvoiced: r?.alreadyInvoiced ?? 0, failed: (r?.failed ?? []).map((f) => ({ recurringInvoiceId: f.recurringInvoiceId, periodStart: f.periodStart, message: f.message })),
      };
    } catch (err) {
      logger.warn({ err }, 'invoice run failed');
      await finish({ status: 'failed', error: (err as Error)?.message ?? String(err) });
      throw err;
    }
    await finish({ status: 'succeeded', resultJson: JSON.stringify(outcome) });
    logger.info({ outcome: { ...outcome, failed: outcome.failed.length } }, 'invoice run finished');
    // The run may have queued invoices for sending (invoiceDelivery.autoSend) and for pushing (accounting.autoPush).
    await this.queueInvoiceDelivery(tenant.id);
    await this.queueAccountingPush(tenant.id);
  }

  /**
   * Has the tenant's queued accounting pushes worked through at `at` (default now), unless a push job of the tenant is
   * already due by then: each push is claimed, so an extra job would only find nothing to do.
   */
  async queueAccountingPush(tenantId: string, at: Date = new Date(), exceptJobId?: string): Promise<void> {
    const { jobs } = await this.repository.queryJobs({ names: [ACCOUNTING_PUSH_JOB], data: { tenantId }, includeDisabled: false });
    const due = jobs.some((j) => String(j._id) !== exceptJobId && !j.lockedAt && !!j.nextRunAt && j.nextRunAt.getTime() <= at.getTime());
    if (!due) await this.agenda.create<DeliveryJobData>(ACCOUNTING_PUSH_JOB, { tenantId }).schedule(at).save();
  }

  private async runAccountingPush(job: Job<DeliveryJobData>): Promise<void> {
    const push = jobHandler('pushAccounting');
    const tenant = await this.loadRunnableTenant(job);
    if (!tenant) return;
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), tenant: tenant.name });
    const outcome = await this.withContext(job, logger, (ctx) => push(tenant.id, ctx));
    logger.info({ pushed: outcome.pushed, unchanged: outcome.unchanged, failed: outcome.failed, refused: outcome.refused, retrying: outcome.retrying }, 'invoices pushed to the books');
    if (outcome.nextAttemptAt) await this.queueAccountingPush(tenant.id, outcome.nextAttemptAt, String(job.attrs._id));
  }

  /** Has payments read back from one tenant's books now (the scheduled sweep reads every tenant's). */
  async queueAccountingPayments(tenantId: string, startedBy: string): Promise<void> {
    const data: OperationsJobData = { tenantId, trigger: 'http', startedBy };
    await this.agenda.create(ACCOUNTING_PAYMENTS_JOB, data).schedule(new Date()).save();
  }

  private async runAccountingPayments(job: Job<OperationsJobData>): Promise<void> {
    const read = jobHandler('accountingPayments');
    const { tenantId } = job.attrs.data;
    if (tenantId) {
      const tenant = await this.opts.ds.manager.findOneBy(Tenant, { id: tenantId });
      if (!tenant?.enabled) return;
    }
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), ...(tenantId ? { tenantId } : {}) });
    const outcome = await this.withContext(job, logger, (ctx) => read(tenantId ?? null, ctx));
    if (outcome.checked > 0 || outcome.problems.length > 0) logger.info({ outcome }, 'payments read back from the books');
  }

  /**
   * Has the tenant's queued invoice e-mails sent at `at` (default now), unless a delivery job of the tenant is already
   * due by then: each sending is claimed, so an extra job would only find nothing to do.
   */
  async queueInvoiceDelivery(tenantId: string, at: Date = new Date(), exceptJobId?: string): Promise<void> {
    const { jobs } = await this.repository.queryJobs({ names: [INVOICE_DELIVERY_JOB], data: { tenantId }, includeDisabled: false });
    const due = jobs.some((j) => String(j._id) !== exceptJobId && !j.lockedAt && !!j.nextRunAt && j.nextRunAt.getTime() <= at.getTime());
    if (!due) await this.agenda.create<DeliveryJobData>(INVOICE_DELIVERY_JOB, { tenantId }).schedule(at).save();
  }

  private async runInvoiceDelivery(job: Job<DeliveryJobData>): Promise<void> {
    const deliver = jobHandler('deliverInvoices');
    const tenant = await this.loadRunnableTenant(job);
    if (!tenant) return;
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), tenant: tenant.name });
    const outcome = await this.withContext(job, logger, (ctx) => deliver(tenant.id, ctx));
    logger.info({ sent: outcome.sent, failed: outcome.failed, retrying: outcome.retrying }, 'invoice e-mails sent');
    if (outcome.nextAttemptAt) await this.queueInvoiceDelivery(tenant.id, outcome.nextAttemptAt, String(job.attrs._id));
  }

  /**
   * Has a tenant's queued webhook deliveries processed now (the receiver calls this), unless a processing job of the
   * tenant is already due and not yet started: each delivery is claimed, so an extra job would only find nothing to do.
   * Returns the job's id, or null when one was already due.
   */
  async queueWebhookProcessing(tenantId: string): Promise<string | null> {
    const { jobs } = await this.repository.queryJobs({ names: [WEBHOOK_JOB], data: { tenantId }, includeDisabled: false });
    if (jobs.some((j) => !j.lockedAt && !!j.nextRunAt && j.nextRunAt.getTime() <= Date.now())) return null;
    const data: OperationsJobData = { tenantId, trigger: 'webhook', startedBy: 'pax8' };
    const job = await this.agenda.create(WEBHOOK_JOB, data).schedule(new Date()).save();
    return String(job.attrs._id);
  }

  /** A webhook or notice job: its tenant's (skipped when removed or disabled) or every tenant's. */
  private async runOperations(job: Job<OperationsJobData>, handler: 'processWebhooks' | 'deliverNotices'): Promise<void> {
    const { tenantId } = job.attrs.data;
    let tenant: Tenant | null = null;
    if (tenantId) {
      tenant = await this.opts.ds.manager.findOneBy(Tenant, { id: tenantId });
      if (!tenant?.enabled) {
        this.log.info({ job: job.attrs.name, tenantId }, 'the tenant is removed or disabled: nothing to run');
        return;
      }
    }
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), ...(tenant ? { tenant: tenant.name } : {}) });
    const work: (tenantId: string | null, ctx: JobContext) => Promise<Record<string, number>> = jobHandler(handler);
    const outcome = await this.withContext(job, logger, (ctx) => work(tenant?.id ?? null, ctx));
    if (Object.values(outcome).some((n) => n > 0)) logger.info({ outcome }, handler === 'processWebhooks' ? 'webhook deliveries processed' : 'notices sent');
  }

  /** How long a sync waits for the syncs of the entities before it (see syncOrderWaitMs). */
  private get syncOrderWaitMs(): number {
    return this.opts.syncOrderWaitMs ?? 5_000;
  }

  /**
   * A sync job holds a live lock, is due, or is a sync that stepped back for an earlier entity's (due again
   * within syncOrderWaitMs). Nightly syncs' next runs are hours away, so they do not count.
   */
  private syncRunningOrDue(j: { lockedAt?: Date | null; nextRunAt?: Date | null }, now: number): boolean {
    if (j.lockedAt && j.lockedAt.getTime() > now - this.opts.lockLifetimeMs) return true;
    return !!j.nextRunAt && j.nextRunAt.getTime() <= now + this.syncOrderWaitMs;
  }

  /**
   * The first entity before `entity` in SYNC_ENTITIES order whose sync (scheduled or 'sync now') is running
   * or due for the tenant, or null. A failed sync waiting for its retry holds nothing back.
   */
  private async earlierSyncPending(tenantId: string, entity: SyncEntity, now = Date.now()): Promise<SyncEntity | null> {
    const earlier = SYNC_ENTITIES.slice(0, SYNC_ENTITIES.indexOf(entity));
    if (earlier.length === 0) return null;
    const { jobs } = await this.repository.queryJobs({ names: earlier.map(syncJobName), data: { tenantId }, includeDisabled: false });
    const pending = jobs.filter((j) => this.syncRunningOrDue(j, now)).map((j) => (j.data as SyncJobData).entity);
    return earlier.find((e) => pending.includes(e)) ?? null;
  }

  /**
   * True while a sync of the tenant (scheduled or 'sync now', any entity) holds a live lock, is due (or waits
   * for an earlier entity's sync), or failed and waits for a retry: the nightly reconciliation runs only after
   * the tenant's syncs are done.
   */
  async syncsPending(tenantId: string, now = Date.now()): Promise<boolean> {
    const longestBackoff = this.retry.delayMs * 2 ** Math.max(0, this.retry.retries - 1);
    const { jobs } = await this.repository.queryJobs({ names: [...SYNC_JOB_NAMES], data: { tenantId }, includeDisabled: false });
    return jobs.some((j) => {
      if (this.syncRunningOrDue(j, now)) return true;
      if (!j.nextRunAt) return false;
      const next = j.nextRunAt.getTime();
      // Failed on its latest attempt, with retries left, and the next run is that retry (not the next scheduled run).
      const fails = j.failCount ?? 0;
      const failedLast = !!j.failedAt && (!j.lastRunAt || j.failedAt.getTime() >= j.lastRunAt.getTime());
      return failedLast && fails >= 1 && fails <= this.retry.retries && next - j.failedAt!.getTime() <= longestBackoff;
    });
  }

  /**
   * The nightly Pax8-bill import and reconciliation of the month. It comes due with the nightly usage sync;
   * while any sync of the tenant is still running, due or waiting for a retry it looks again after
   * syncWaitMs (the run ends without work and the job's next run is moved), so it always reads what the
   * syncs imported that night.
   */
  private async runReconcile(job: Job<ReconcileJobData>): Promise<void> {
    const reconcileMonth = jobHandler('reconcileMonth');
    const tenant = await this.loadRunnableTenant(job);
    if (!tenant) return;
    const logger = this.log.child({ job: job.attrs.name, jobId: String(job.attrs._id), tenant: tenant.name });
    if (await this.syncsPending(tenant.id)) {
      const retryAt = postpone(job, this.opts.syncWaitMs ?? 5 * 60_000);
      logger.info({ retryAt }, 'a sync of the tenant is still running or due: the reconciliation waits for it');
      return;
    }
    const date = tenantDate(this.clock(), tenant.timeZone);
    const log = logger.child({ date });
    const outcome = await this.withContext(job, log, async (ctx) => {
      await ctx.progress(0);
      const r = await reconcileMonth(tenant.id, date, ctx);
      await ctx.progress(100);
      return r;
    });
    log.info({ outcome }, 'Pax8 bill imported and month reconciled');
  }
}
