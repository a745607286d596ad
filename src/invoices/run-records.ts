import { In } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { InvoiceRunRecord } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';

/** What a finished invoice run came to (stored on its record). */
export interface InvoiceRunOutcome {
  created: number;
  drafts: number;
  issued: number;
  alreadyInvoiced: number;
  failed: Array<{ recurringInvoiceId: string; periodStart: string; message: string }>;
}

/** An invoice run as the API shows it. */
export interface InvoiceRunView {
  id: string;
  date: string;
  allowFuture: boolean;
  status: InvoiceRunRecord['status'];
  trigger: string;
  startedBy: string;
  jobId: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  outcome: InvoiceRunOutcome | null;
  error: string | null;
}

export function invoiceRunView(r: InvoiceRunRecord): InvoiceRunView {
  let outcome: InvoiceRunOutcome | null = null;
  try {
    outcome = r.resultJson ? JSON.parse(r.resultJson) as InvoiceRunOutcome : null;
  } catch {
    outcome = null;
  }
  return {
    id: r.id, date: r.runDate, allowFuture: r.allowFuture, status: r.status, trigger: r.trigger, startedBy: r.startedBy, jobId: r.jobId,
    queuedAt: r.queuedAt.toISOString(), startedAt: r.startedAt?.toISOString() ?? null, finishedAt: r.finishedAt?.toISOString() ?? null,
    outcome, error: r.error,
  };
}

/** A queued invoice run, or one still running, holds back another: the scheduler runs one at a time per tenant. */
export class InvoiceRunAlreadyQueuedError extends AppError {
  override name = 'InvoiceRunAlreadyQueuedError';
  constructor(readonly runId: string, status: string) {
    super('conflict', `An invoice run is already ${status === 'running' ? 'running' : 'waiting to run'} for this tenant: follow it on the Invoices page, then run again if needed.`,
      { code: 'invoice_run_running' });
  }
}

export class InvoiceRunNotFoundError extends AppError {
  override name = 'InvoiceRunNotFoundError';
  constructor() {
    super('not_found', 'invoice run not found');
  }
}

/** The tenant's latest invoice runs, newest first. */
export function latestInvoiceRuns(scope: TenantScope, limit = 10): Promise<InvoiceRunRecord[]> {
  return scope.repo(InvoiceRunRecord).find({ order: { queuedAt: 'DESC', id: 'DESC' }, take: Math.max(1, Math.min(100, limit)) });
}

export async function invoiceRunById(scope: TenantScope, id: string): Promise<InvoiceRunRecord> {
  const r = await scope.repo(InvoiceRunRecord).findOneBy({ id });
  if (!r) throw new InvoiceRunNotFoundError();
  return r;
}

/** The tenant's runs that are queued or running (at most a few). */
export function unfinishedInvoiceRuns(scope: TenantScope): Promise<InvoiceRunRecord[]> {
  return scope.repo(InvoiceRunRecord).find({ where: { status: In(['queued', 'running']) }, order: { queuedAt: 'ASC' } });
}
