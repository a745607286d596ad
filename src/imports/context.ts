import type { Pax8Reader } from '../pax8/client/threaded-client.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { Tenant } from '../db/entities/index.js';
import type { TenantSettings } from '../tenants/settings.js';
import type { ImportEntity } from './counts.js';
import type { RunRecorder } from './run-record.js';
import type { Mutex } from './mutex.js';

export interface ProgressEvent {
  entity: ImportEntity;
  /** Records handled so far in this step. */
  done: number;
  /** Total when known (Pax8 pages tell it only after the first page). */
  total?: number;
  message?: string;
}

/** Everything one import step needs; built once per run by runImport. */
export interface ImportContext {
  scope: TenantScope;
  tenant: Tenant;
  settings: TenantSettings['imports'];
  client: Pax8Reader;
  rec: RunRecorder;
  dryRun: boolean;
  /** Start of the run; `today` is its calendar date in the tenant's zone. */
  now: Date;
  today: string;
  zone: string;
  signal?: AbortSignal;
  /**
   * Every write of the run goes through this lock: writes overlap with Pax8 reads, never with each
   * other (on SQLite all queries share one connection, so a concurrent write would join an open transaction).
   */
  writes: Mutex;
  /** Read every usage summary's open months in full (`recurra import --full`), not only what can still change. */
  fullUsage: boolean;
  /** Records per write transaction (default 5,000). */
  batchSize: number;
  progress(e: ProgressEvent): void;
}

export class ImportAborted extends Error {
  override name = 'ImportAborted';
}

export function checkAborted(ctx: ImportContext): void {
  if (ctx.signal?.aborted) throw new ImportAborted('import aborted');
}
