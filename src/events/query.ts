import { stringify } from 'csv-stringify/sync';
import { Decimal } from 'decimal.js';
import { AppError, fieldError } from '../common/app-error.js';
import { whereContains } from '../common/like.js';
import { EventLogEntry } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { csvSafeRow } from '../common/csv-safe.js';

/**
 * The event log as the screen, the API and the CSV export see it: one view function (viewRow), one
 * query (search, sort, chosen columns), so "export current view" is exactly what the screen shows.
 */

export const EVENT_COLUMNS = {
  occurredAt: 'Event date',
  type: 'Event type',
  source: 'Source',
  target: 'Target',
  licenceCount: 'Licence count',
  initiatedBy: 'Initiated by',
  customerId: 'Customer id',
  subscriptionId: 'Subscription id',
  refKind: 'Record kind',
  refId: 'Record id',
  detail: 'Detail',
} as const;
export type EventColumn = keyof typeof EVENT_COLUMNS;
export const ALL_EVENT_COLUMNS = Object.keys(EVENT_COLUMNS) as EventColumn[];
/** The columns a new view shows (the Miradore-style event log). */
export const DEFAULT_EVENT_COLUMNS: EventColumn[] = ['occurredAt', 'type', 'source', 'target', 'licenceCount', 'initiatedBy'];
const SORTABLE: readonly EventColumn[] = ['occurredAt', 'type', 'source', 'target', 'licenceCount', 'initiatedBy'];

export interface EventQuery {
  /** Case-insensitive text searched in type, source, target and initiated by. */
  search?: string;
  type?: string;
  sort?: EventColumn;
  dir?: 'asc' | 'desc';
  /** Chosen columns, in the user's order. Default: DEFAULT_EVENT_COLUMNS. */
  columns?: EventColumn[];
  page?: number;
  size?: number;
}

/** A query the event log cannot answer (unknown or repeated column, unsortable column): the request's query is at fault. */
export class EventQueryError extends AppError {
  override name = 'EventQueryError';
  constructor(message: string) {
    super('invalid', message, { fields: fieldError('query', message) });
  }
}

export type EventRow = Partial<Record<EventColumn, string>>;

/** The text of every column of one entry (what the screen shows and the CSV holds). */
export function viewRow(e: EventLogEntry, columns: readonly EventColumn[]): EventRow {
  const all: Record<EventColumn, string> = {
    occurredAt: e.occurredAt.toISOString(),
    type: e.type,
    source: e.source,
    target: e.target,
    licenceCount: e.licenceCount === null ? '' : new Decimal(e.licenceCount.toString()).toString(),
    initiatedBy: e.initiatedBy,
    customerId: e.customerId ?? '',
    subscriptionId: e.subscriptionId ?? '',
    refKind: e.refKind,
    refId: e.refId,
    detail: e.detail ?? '',
  };
  const out: EventRow = {};
  for (const c of columns) out[c] = all[c];
  return out;
}

export function checkColumns(columns: readonly string[] | undefined): EventColumn[] {
  if (!columns || columns.length === 0) return [...DEFAULT_EVENT_COLUMNS];
  const bad = columns.filter((c) => !Object.hasOwn(EVENT_COLUMNS, c)); // own keys only: "constructor" is no column
  if (bad.length) throw new EventQueryError(`unknown column(s): ${bad.join(', ')} (known: ${ALL_EVENT_COLUMNS.join(', ')})`);
  if (new Set(columns).size !== columns.length) throw new EventQueryError('a column is chosen twice');
  return columns as EventColumn[];
}

function build(scope: TenantScope, q: EventQuery) {
  const qb = scope.repo(EventLogEntry).query('e');
  whereContains(qb, ['e.type', 'e.source', 'e.target', 'e.initiatedBy'], q.search?.trim(), 's');
  if (q.type) qb.andWhere('e.type = :type', { type: q.type });
  const sort = q.sort ?? 'occurredAt';
  if (!SORTABLE.includes(sort)) throw new EventQueryError(`cannot sort by ${sort} (sortable: ${SORTABLE.join(', ')})`);
  const dir = (q.dir ?? (sort === 'occurredAt' ? 'desc' : 'asc')).toUpperCase() as 'ASC' | 'DESC';
  qb.orderBy(`e.${sort}`, dir).addOrderBy('e.occurredAt', dir).addOrderBy('e.id', 'ASC');
  return qb;
}

export interface EventPage {
  columns: EventColumn[];
  headers: string[];
  rows: EventRow[];
  page: number;
  size: number;
  total: number;
  /** Every event type in the tenant's log, for the type filter. */
  types: string[];
}

/** The event types the tenant's log holds. */
async function eventTypes(scope: TenantScope): Promise<string[]> {
  const rows = await scope.repo(EventLogEntry).query('e').select('e.type', 'type').distinct(true).orderBy('e.type', 'ASC').getRawMany<{ type: string }>();
  return rows.map((r) => r.type);
}

/** One page of the log: the screen. */
export async function queryEvents(scope: TenantScope, q: EventQuery): Promise<EventPage> {
  const columns = checkColumns(q.columns);
  const page = Math.max(0, q.page ?? 0);
  const size = Math.min(500, Math.max(1, q.size ?? 50));
  const [rows, total] = await build(scope, q).skip(page * size).take(size).getManyAndCount();
  return { columns, headers: columns.map((c) => EVENT_COLUMNS[c]), rows: rows.map((r) => viewRow(r, columns)), page, size, total, types: await eventTypes(scope) };
}

/**
 * CSV of the current view (its search, sort and chosen columns, every page) or, with `all`, of every
 * column. Cells go through the invoices' formula-injection guard (csvSafe).
 */
export async function exportEventsCsv(scope: TenantScope, q: EventQuery, all = false): Promise<string> {
  const columns = all ? ALL_EVENT_COLUMNS : checkColumns(q.columns);
  const rows = await build(scope, q).getMany();
  const body = rows.map((r) => {
    const v = viewRow(r, columns);
    return csvSafeRow(columns.map((c) => v[c] ?? ''));
  });
  return stringify([columns.map((c) => EVENT_COLUMNS[c]), ...body]);
}
