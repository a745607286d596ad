import { z } from 'zod';
import { TypeormJobRepository } from '../../../jobs/typeorm-repository.js';
import { defineRoute, tenantParams } from '../route.js';

const jobSchema = z.object({
  id: z.string(), name: z.string(), state: z.string(), scheduled: z.boolean(), repeatInterval: z.string().nullable(),
  nextRunAt: z.string().nullable(), lastRunAt: z.string().nullable(), lastFinishedAt: z.string().nullable(), failedAt: z.string().nullable(),
  failCount: z.number().int(), failReason: z.string().nullable(), disabled: z.boolean(), trigger: z.string().nullable(), startedBy: z.string().nullable(),
});

const iso = (d: Date | string | undefined | null) => (d ? new Date(d).toISOString() : null);

defineRoute({
  id: 'listJobs', method: 'get', path: '/tenants/:tenantId/jobs', tag: 'Jobs', roles: ['admin', 'reviewer'],
  summary: 'The tenant\'s scheduled and queued jobs (syncs, daily billing, nightly Pax8-bill import and reconciliation) with their state',
  description: 'Queue a sync through the scheduler with POST /api/tenants/{tenantId}/sync (202), or run one at once with POST /api/v1/tenants/{tenantId}/imports.',
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
