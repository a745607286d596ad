import type { DataSource } from 'typeorm';
import { ImportError, ImportRun } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { viewRun, type ImportRunView } from './run-view.js';

export async function listRuns(ds: DataSource, tenantId: string, limit = 20): Promise<ImportRunView[]> {
  const scope = new TenantScope(ds.manager, tenantId);
  const runs = await scope.repo(ImportRun).find({ order: { startedAt: 'DESC', id: 'DESC' }, take: limit });
  return runs.map(viewRun);
}

export async function runErrors(ds: DataSource, tenantId: string, runId: string): Promise<NonNullable<ImportRunView['errors']>> {
  const scope = new TenantScope(ds.manager, tenantId);
  const rows = await scope.repo(ImportError).find({ where: { importRunId: runId }, order: { createdAt: 'ASC', id: 'ASC' } });
  return rows.map((e) => ({ entity: e.entity, pax8Id: e.pax8Id, message: e.message, rawPayload: parseRaw(e.rawPayload) }));
}

/** The run with its per-record errors and their raw payloads; null when the tenant has no such run. */
export async function showRun(ds: DataSource, tenantId: string, runId: string): Promise<ImportRunView | null> {
  const scope = new TenantScope(ds.manager, tenantId);
  const run = await scope.repo(ImportRun).findOneBy({ id: runId });
  if (!run) return null;
  return { ...viewRun(run), errors: await runErrors(ds, tenantId, runId) };
}

function parseRaw(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
