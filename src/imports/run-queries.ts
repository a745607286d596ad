import type { DataSource } from 'typeorm';
import { ImportError, ImportRun } from '../db/entities/index.js';
import { NotFoundError } from '../common/app-error.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
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

/** One page of the tenant's import runs. */
export function importRunPage(scope: TenantScope, filter: { status?: string }, page: PageRequest): Promise<Paged<ImportRun>> {
  const qb = scope.repo(ImportRun).query('r');
  if (filter.status) qb.andWhere('r.status = :st', { st: filter.status });
  return pageQuery(qb, 'r', page);
}

/** An import run with its first 1000 per-record errors (oldest first); not_found for another tenant's or none. */
export async function importRunWithErrors(scope: TenantScope, runId: string): Promise<{ run: ImportRun; errors: ImportError[] }> {
  const run = await scope.repo(ImportRun).findOneBy({ id: runId });
  if (!run) throw new NotFoundError('import run not found');
  const errors = await scope.repo(ImportError).find({ where: { importRunId: run.id }, order: { createdAt: 'ASC' }, take: 1000 });
  return { run, errors };
}
