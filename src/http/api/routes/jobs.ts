import { z } from 'zod';
import { TypeormJobRepository } from '../../../jobs/typeorm-repository.js';
import { jobQueue } from '../../../app/scheduler.js';
import { SYNC_ENTITIES } from '../../../tenants/settings.js';
import { validationError } from '../errors.js';
import { defineRoute, tenantParams, uuid } from '../route.js';
import { unsyncableCustomers } from '../../../imports/sync-customers.js';

const jobSchema = z.object({
  id: z.string(), name: z.string(), state: z.string(), scheduled: z.boolean(), repeatInterval: z.string().nullable(),
  nextRunAt: z.string().nullable(), lastRunAt: z.string().nullable(), lastFinishedAt: z.string().nullable(), failedAt: z.string().nullable(),
  failCount: z.number().int(), failReason: z.string().nullable(), disabled: z.boolean(), trigger: z.string().nullable(), startedBy: z.string().nullable(),
});

const iso = (d: Date | string | undefined | null) => (d ? new Date(d).toISOString() : null);

export const listJobsRoute = defineRoute({
  id: 'listJobs', method: 'get', path: '/tenants/:tenantId/jobs', tag: 'Jobs', roles: ['admin', 'reviewer'],
  summary: 'The tenant\'s scheduled and queued jobs (syncs, daily billing, nightly Pax8-bill import and reconciliation) with their state',
  description: 'Queue a sync through the scheduler with POST /tenants/{tenantId}/sync (202). A "sync now" job is removed once it '
    + 'has succeeded; its import run stays (GET /tenants/{tenantId}/import-runs).',
  params: tenantParams,
  query: z.strictObject({
    state: z.enum(['running', 'scheduled', 'queued', 'completed', 'failed', 'repeating', 'paused']).optional(),
    size: z.coerce.number().int().min(1).max(200).default(50),
  }),
  response: z.object({ items: z.array(jobSchema), total: z.number().int() }),
  async handler({ rt, tenant, query }) {
    const { jobs, total } = await new TypeormJobRepository(rt.ds).queryJobs({ data: { tenantId: tenant.id }, state: query.state, limit: query.size, sort: { nextRunAt: 'asc' } });
    return {
      total,
      items: jobs.map((j) => {
        const data = (j.data ?? {}) as { scheduled?: boolean; trigger?: string; startedBy?: string };
        return {
          id: String(j._id), name: j.name, state: String(j.state), scheduled: !!data.scheduled, repeatInterval: j.repeatInterval ? String(j.repeatInterval) : null,
          nextRunAt: iso(j.nextRunAt), lastRunAt: iso(j.lastRunAt), lastFinishedAt: iso(j.lastFinishedAt), failedAt: iso(j.failedAt),
          failCount: Number(j.failCount ?? 0), failReason: j.failReason ?? null, disabled: !!j.disabled, trigger: data.trigger ?? null, startedBy: data.startedBy ?? null,
        };
      }),
    };
  },
});

export const syncNowRoute = defineRoute({
  id: 'syncNow', method: 'post', path: '/tenants/:tenantId/sync', tag: 'Jobs', roles: ['admin'], status: 202,
  summary: 'Sync now: queue an import from Pax8 through the scheduler',
  description: 'Queues one "sync now" job per entity (default all) and answers them at once (202); the process running the scheduler '
    + '(recurra start, or a recurra worker) runs them. Their state: GET /tenants/{tenantId}/jobs; each leaves an import run '
    + '(GET /tenants/{tenantId}/import-runs). Refused with 409 sync_running while a sync of one of the entities runs, waits or '
    + 'retries for this tenant, and with 409 tenant_disabled for a disabled tenant. A preview that writes nothing: '
    + 'POST /tenants/{tenantId}/imports/preview.',
  params: tenantParams,
  body: z.strictObject({
    entities: z.array(z.enum(SYNC_ENTITIES)).min(1).optional(),
    customers: z.array(uuid).min(1).max(500).optional()
      .describe('local customer ids: the subscriptions and usage syncs import only theirs (default: the tenant\'s imports.subscriptionCustomers, else every mapped customer)'),
  }),
  example: { entities: ['customers', 'products', 'subscriptions', 'usage'] },
  errors: {
    '400': 'validation_failed: a customer is not the tenant\'s or has no Pax8 mapping',
    '409': 'sync_running: a sync of one of these entities runs, waits or retries for this tenant; tenant_disabled: the tenant is disabled',
  },
  response: z.object({
    tenant: z.string().describe('the tenant\'s name'),
    jobs: z.array(z.object({ entity: z.enum(SYNC_ENTITIES), jobId: z.string() })),
    customers: z.array(z.string()).nullable().describe('the chosen customers, or null for the tenant\'s setting'),
  }),
  async handler({ rt, tenant, auth, body }) {
    const problem = body.customers ? await unsyncableCustomers(rt.ds.manager, tenant.id, body.customers) : null;
    if (problem) throw validationError([{ path: 'body.customers', message: problem }]);
    const jobs = await jobQueue(rt).syncNow(tenant.name, body.entities ?? SYNC_ENTITIES, 'http', auth.user.email, { customers: body.customers });
    return { tenant: tenant.name, jobs, customers: body.customers ?? null };
  },
});
