import type { Logger } from '../logging/logger.js';
import type { SyncEntity } from '../tenants/settings.js';

/** Who asked for a run: the schedule, or a person through the CLI or the HTTP API. */
export type JobTrigger = 'schedule' | 'cli' | 'http' | 'webhook';

/** What every job handler gets besides its arguments. */
export interface JobContext {
  /** The Agenda job id (to store on the import run). */
  jobId: string;
  trigger: JobTrigger;
  startedBy: string;
  /** A 'sync now' for chosen customers: import only their subscriptions and usage (local customer ids). */
  customers?: readonly string[];
  logger: Logger;
  /** Aborted when the scheduler shuts down and cannot wait any longer: stop at the next safe point. */
  signal: AbortSignal;
  /**
   * Reports progress (0-100); shown on the job. The scheduler keeps the job's lock alive while the
   * handler runs, so progress is information, not a heartbeat.
   */
  progress(percent: number): Promise<void>;
}

export type SyncContext = JobContext;

/** Per-entity counts: created, updated, unchanged, deactivated, skipped, errors (as the import run stores them). */
export type SyncCounts = Record<string, number>;

export interface SyncOutcome {
  /**
   * The import-run record the service wrote (it then owns outcome, counts and errors; the scheduler
   * only links the job to it). Without it the scheduler writes the record from this outcome.
   */
  importRunId?: string;
  /** 'partial' when some records failed; defaults to 'succeeded'. */
  status?: 'succeeded' | 'partial';
  counts?: SyncCounts;
}

/** A sync that failed after writing its own import-run record (so the scheduler writes none). */
export class SyncRunFailedError extends Error {
  override name = 'SyncRunFailedError';
  constructor(message: string, readonly importRunId: string) {
    super(message);
  }
}

/**
 * The services the scheduled jobs call. Jobs stay thin: they load the tenant, check it is enabled,
 * open and close the import run, and call one of these.
 */
export interface JobHandlers {
  /**
   * Imports one entity for a tenant from Pax8 (customers = Pax8 companies, products, subscriptions,
   * usage). The service decides what to read; e.g. subscriptions sync only for mapped companies.
   * Throwing fails the run: it is retried with backoff, then left failed (throw SyncRunFailedError
   * when the failure is already recorded on an import run).
   */
  syncEntity(tenantId: string, entity: SyncEntity, ctx: SyncContext): Promise<SyncOutcome | void>;
  /** The daily billing pass for the tenant-local calendar date `date` ('YYYY-MM-DD'). */
  billingDaily(tenantId: string, date: string, ctx: JobContext): Promise<unknown>;
  /**
   * Issues the recurring invoices due on `date` ('YYYY-MM-DD', tenant-local); runs after billingDaily. An invoice run
   * asked for (invoices:run) may allow a date after today (the invoices are marked forward-dated).
   */
  invoiceRun(tenantId: string, date: string, ctx: JobContext, opts?: { allowFuture?: boolean }): Promise<unknown>;
  /**
   * Imports Pax8's bill to the partner, reconciles the month(s) of `date` ('YYYY-MM-DD', tenant-local) and
   * raises the leakage notice once per month and threshold crossing. Runs after the tenant's nightly sync.
   * Throwing (e.g. Pax8 unreachable) fails the run: it is retried with backoff.
   */
  reconcileMonth(tenantId: string, date: string, ctx: JobContext): Promise<unknown>;
  /**
   * Processes the queued Pax8 webhook deliveries of one tenant (null: every tenant), each claimed so it is processed
   * once whichever worker runs the job (webhooks:process).
   */
  processWebhooks(tenantId: string | null, ctx: JobContext): Promise<{ processed: number; failed: number; notices: number; imports: number }>;
  /** Sends the pending change-notice deliveries of one tenant (null: every tenant), each claimed (notices:deliver). */
  deliverNotices(tenantId: string | null, ctx: JobContext): Promise<{ sent: number; failed: number; retrying: number }>;
  /** Sends the tenant's queued invoice e-mails; says when the earliest one waiting for another attempt is due. */
  deliverInvoices(tenantId: string, ctx: JobContext): Promise<{ sent: number; failed: number; retrying: number; nextAttemptAt: Date | null }>;
  /** Pushes the tenant's queued invoices to its accounting systems (accounting:push); says when the earliest retry is due. */
  pushAccounting(tenantId: string, ctx: JobContext): Promise<{ pushed: number; unchanged: number; failed: number; refused: number; retrying: number; nextAttemptAt: Date | null }>;
  /** Reads payment state back from the books for pushed invoices of one tenant (null: every tenant) (accounting:payments). */
  accountingPayments(tenantId: string | null, ctx: JobContext): Promise<{ tenants: number; checked: number; changed: number; problems: string[] }>;
}

/** A job ran but nothing is wired to do its work: fails once, without retries, and says so. */
export class HandlerNotRegisteredError extends Error {
  override name = 'HandlerNotRegisteredError';
  constructor(readonly handler: keyof JobHandlers) {
    super(`no "${handler}" service is registered with the scheduler (wire it with registerJobHandlers)`);
  }
}

let registered: Partial<JobHandlers> = {};

/**
 * The wiring point between the scheduler and the services: start/worker call this once with the
 * real imports and billing services; later calls add to (or replace) earlier ones.
 */
export function registerJobHandlers(handlers: Partial<JobHandlers>): void {
  registered = { ...registered, ...handlers };
}

/** Forgets every registered handler (tests). */
export function clearJobHandlers(): void {
  registered = {};
}

export function jobHandler<K extends keyof JobHandlers>(name: K): JobHandlers[K] {
  const h = registered[name];
  if (!h) throw new HandlerNotRegisteredError(name);
  return h;
}

export function registeredJobHandlers(): Array<keyof JobHandlers> {
  return (Object.keys(registered) as Array<keyof JobHandlers>).filter((k) => registered[k] !== undefined);
}
