import { randomUUID } from 'node:crypto';
import { ImportError, ImportRun } from '../db/entities/index.js';
import type { ImportRunStatus } from '../db/entities/import-run.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { emptyCounts, type EntityCounts, type ImportEntity, type Outcome, type RunCounts } from './counts.js';
import type { ProgressEvent } from './context.js';
import { systemClock, type Clock } from '../common/clock.js';

/** Findings worth showing the admin beyond the counts (kept on the run as JSON in `message`). */
export interface RunDetails {
  error?: string;
  /** Usage summaries that belong to no customer (also queryable: usage_summaries.customerId IS NULL). */
  unmappedUsage: Array<{
    usageSummaryId: string; subscriptionId: string; companyId: string | null; resourceGroup: string | null; reason: string;
    /** The summary's current charges (exact decimal text) and currency; absent on runs recorded before they were listed. */
    productName?: string; vendorName?: string | null; amount?: string; currency?: string;
  }>;
  /** Summaries whose lines do not add up to their current charges. */
  linesMismatch: Array<{ usageSummaryId: string; charges: string; linesTotal: string; month: string }>;
  /** Recurring-invoice lines for newly created subscriptions (product mode products_and_lines). */
  invoiceLines: Array<{ subscriptionPax8Id: string; added: boolean; recurringInvoiceId?: string; reason?: string }>;
  /** Subscriptions whose product has no Recurra SKU (src/pax8/sku.ts cannot map its terms): imported without a product. */
  unmappedSkus: Array<{ pax8ProductId: string; billingTerm: string | null; commitmentTerm: string | null; reason: string }>;
  /** Usage summaries by why their days were read or not (usage-plan.ts: new, full, month_close, weekly, changed, unchanged) and the days asked for. */
  usageReads?: { reasons: Record<string, number>; days: number };
  /** What a dry run would change, per record (capped). */
  planned?: Array<{ entity: ImportEntity; pax8Id: string; outcome: Outcome; fields?: string[] }>;
  /** While the run is still running: the step it is on and the records it has handled in that step (the details replace it at the end). */
  progress?: { entity: ImportEntity; done: number; total: number | null; message: string | null; at: string };
}

export interface RecordedError {
  entity: ImportEntity;
  pax8Id: string | null;
  message: string;
  rawPayload: unknown;
}

const MAX_PLANNED = 2000;
const MAX_LISTED = 1000;

/** Collects counts, errors and details of one import run and persists the run record. */
export class RunRecorder {
  readonly run: ImportRun;
  readonly counts: RunCounts = {};
  readonly errors: RecordedError[] = [];
  readonly details: RunDetails = { unmappedUsage: [], linesMismatch: [], invoiceLines: [], unmappedSkus: [] };
  private plannedDropped = 0;
  private lastProgressAt = 0;
  private progressWrite: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly scope: TenantScope,
    init: { entities: ImportEntity[]; trigger: string; startedBy: string; dryRun: boolean; jobId?: string | null },
    /** The run's times (started, progress, finished) come from the import's clock, so they agree with the pages that compare them to it. */
    private readonly clock: Clock = systemClock,
  ) {
    const now = clock();
    this.run = scope.repo(ImportRun).create({
      id: randomUUID(), entities: init.entities.join(','), trigger: init.trigger.slice(0, 20), startedBy: init.startedBy.slice(0, 255),
      startedAt: now, finishedAt: null, status: 'running', dryRun: init.dryRun, countsJson: '{}', message: null,
      jobId: init.jobId ?? null, createdAt: now, updatedAt: now,
    });
    for (const e of init.entities) this.counts[e] = emptyCounts();
    if (init.dryRun) this.details.planned = [];
  }

  get id(): string {
    return this.run.id;
  }

  async start(): Promise<void> {
    await this.scope.repo(ImportRun).insert([this.run]);
  }

  entity(e: ImportEntity): EntityCounts {
    return (this.counts[e] ??= emptyCounts());
  }

  count(e: ImportEntity, outcome: Outcome, n = 1): void {
    this.entity(e)[outcome] += n;
  }

  plan(entity: ImportEntity, pax8Id: string, outcome: Outcome, fields?: string[]): void {
    if (!this.details.planned || outcome === 'unchanged') return;
    if (this.details.planned.length >= MAX_PLANNED) this.plannedDropped++;
    else this.details.planned.push({ entity, pax8Id, outcome, ...(fields ? { fields } : {}) });
  }

  /** A per-record failure: counted, kept with its raw payload, written at the end of the run. */
  error(entity: ImportEntity, pax8Id: string | null, message: string, rawPayload: unknown): void {
    this.count(entity, 'errors');
    this.errors.push({ entity, pax8Id, message, rawPayload });
  }

  note<K extends 'unmappedUsage' | 'linesMismatch' | 'invoiceLines' | 'unmappedSkus'>(key: K, item: RunDetails[K][number]): void {
    const list = this.details[key] as Array<RunDetails[K][number]>;
    if (list.length < MAX_LISTED) list.push(item);
  }

  /**
   * What the run is doing, written on its record with the counts so far (at most once a second, a step's start at
   * once) while it runs: a page reloaded during a long import or preview reads its progress from the record.
   */
  progress(e: ProgressEvent, stepStarted = false): void {
    const now = this.clock();
    const t = now.getTime();
    if (!stepStarted && t - this.lastProgressAt < 1000) return;
    this.lastProgressAt = t;
    const countsJson = JSON.stringify(this.counts);
    const message = JSON.stringify({ progress: { entity: e.entity, done: e.done, total: e.total ?? null, message: e.message ?? null, at: now.toISOString() } });
    this.progressWrite = this.progressWrite
      .then(() => this.scope.repo(ImportRun).update({ id: this.run.id, status: 'running' }, { countsJson, message, updatedAt: now }))
      .catch(() => undefined); // progress is a courtesy: the run's own writes decide its outcome
  }

  async finish(status: ImportRunStatus, error?: string): Promise<ImportRun> {
    await this.progressWrite;
    const now = this.clock();
    if (error) this.details.error = error;
    if (this.plannedDropped > 0) this.details.error = `${this.details.error ? `${this.details.error}; ` : ''}${this.plannedDropped} planned changes not listed`;
    const errRepo = this.scope.repo(ImportError);
    const rows = this.errors.map((e) => ({
      id: randomUUID(), importRunId: this.run.id, entity: e.entity, pax8Id: e.pax8Id?.slice(0, 64) ?? null,
      message: e.message.slice(0, 60_000), rawPayload: e.rawPayload === undefined ? null : safeJson(e.rawPayload),
      createdAt: now, updatedAt: now,
    }));
    for (let i = 0; i < rows.length; i += 200) await errRepo.insert(rows.slice(i, i + 200));
    this.run.status = status;
    this.run.finishedAt = now;
    this.run.updatedAt = now;
    this.run.countsJson = JSON.stringify(this.counts);
    this.run.message = JSON.stringify(this.details);
    await this.scope.repo(ImportRun).update(
      { id: this.run.id },
      { status, finishedAt: now, updatedAt: now, countsJson: this.run.countsJson, message: this.run.message },
    );
    return this.run;
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val: unknown) => (typeof val === 'bigint' ? val.toString() : val)).slice(0, 60_000);
  } catch {
    return JSON.stringify(String(v));
  }
}
