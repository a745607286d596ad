import { z } from 'zod';
import { ALL_EVENT_COLUMNS, exportEventsCsv, queryEvents, type EventColumn, type EventQuery } from '../../../events/query.js';
import { queryBool } from '../paging.js';
import { defineRoute, tenantParams } from '../route.js';

/** The licence event log (issue 9): the screen's query and its CSV export share one query. */
const TAG = 'Event log';
const ROLES = ['admin', 'finance'] as const;

const columnList = z.string().max(500).transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean));
const viewQuery = {
  search: z.string().max(200).optional(),
  type: z.string().max(40).optional(),
  sort: z.enum(['occurredAt', 'type', 'source', 'target', 'licenceCount', 'initiatedBy']).optional(),
  dir: z.enum(['asc', 'desc']).optional(),
  columns: columnList.optional().describe(`comma-separated, in display order; any of ${ALL_EVENT_COLUMNS.join(', ')}`),
};

function toQuery(q: { search?: string; type?: string; sort?: EventColumn; dir?: 'asc' | 'desc'; columns?: string[] }): EventQuery {
  return { search: q.search, type: q.type, sort: q.sort, dir: q.dir, columns: q.columns as EventColumn[] | undefined };
}

export const listEventsRoute = defineRoute({
  id: 'listEvents', method: 'get', path: '/tenants/:tenantId/events', tag: TAG, roles: ROLES,
  summary: 'The licence event log (searchable, sortable, chosen columns)', params: tenantParams,
  query: z.strictObject({ ...viewQuery, page: z.coerce.number().int().min(0).default(0), size: z.coerce.number().int().min(1).max(500).default(50) }),
  response: z.object({
    columns: z.array(z.string()), headers: z.array(z.string()), rows: z.array(z.record(z.string(), z.string())),
    page: z.number().int(), size: z.number().int(), total: z.number().int(),
    types: z.array(z.string()).describe('every event type in the log (values for the type filter)'),
  }),
  async handler(ctx) {
    return queryEvents(ctx.scope, { ...toQuery(ctx.query), page: ctx.query.page, size: ctx.query.size });
  },
});

export const exportEventsRoute = defineRoute({
  id: 'exportEvents', method: 'get', path: '/tenants/:tenantId/events/export', tag: TAG, roles: ROLES,
  summary: 'The event log as CSV: the current view (search, sort, columns) or all columns',
  params: tenantParams, query: z.strictObject({ ...viewQuery, all: queryBool.optional() }),
  produces: 'text/csv', response: z.string(),
  async handler(ctx) {
    const csv = await exportEventsCsv(ctx.scope, toQuery(ctx.query), ctx.query.all ?? false);
    ctx.res?.type('text/csv').setHeader('Content-Disposition', `attachment; filename="events-${ctx.tenant.name}${ctx.query.all ? '-all' : ''}.csv"`);
    ctx.res?.send(csv);
    return csv;
  },
});
