import type { ImportRun } from '../db/entities/index.js';
import type { RunCounts } from './counts.js';
import type { RunDetails } from './run-record.js';

/** The run record as the CLI (`--json`) and the HTTP API show it. */
export interface ImportRunView {
  id: string;
  tenantId: string;
  entities: string[];
  trigger: string;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  dryRun: boolean;
  counts: RunCounts;
  details: Partial<RunDetails>;
  errors?: Array<{ entity: string; pax8Id: string | null; message: string; rawPayload: unknown }>;
}

function parse<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function viewRun(r: ImportRun): ImportRunView {
  return {
    id: r.id, tenantId: r.tenantId, entities: r.entities.split(',').filter(Boolean), trigger: r.trigger, startedBy: r.startedBy,
    startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null, status: r.status, dryRun: r.dryRun,
    counts: parse<RunCounts>(r.countsJson, {}), details: parse<Partial<RunDetails>>(r.message, {}),
  };
}
