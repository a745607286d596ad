import { z } from 'zod';
import { systemClock } from '../../../common/clock.js';
import { TODO_KEYS, whatNeedsDoing } from '../../../dashboard/todo.js';
import { defineRoute, tenantParams } from '../route.js';
import { STAFF } from './auth.js';

const amount = z.object({ currency: z.string(), amount: z.string() });

export const getDashboardRoute = defineRoute({
  id: 'getDashboard', method: 'get', path: '/tenants/:tenantId/dashboard', tag: 'Dashboard', roles: STAFF,
  summary: 'What needs doing in a tenant, for the caller\'s role',
  description: 'Panels by role (admin: all; finance: drafts, next run, leakage, unmapped companies and usage, usage review, syncs; reviewer: '
    + 'usage review, drafts, unmapped usage, syncs), each with a count, amounts per currency where money is at stake, and the page where it is '
    + 'done. Unmapped companies, unmapped usage and leakage are those of this month\'s margin reconciliation (tenant time). A sync is late when '
    + 'its entity has not synced successfully for 26 hours.',
  params: tenantParams,
  response: z.object({
    tenantId: z.string(), today: z.string(), month: z.string(), nextRunDate: z.string().nullable(),
    items: z.array(z.object({
      key: z.enum(TODO_KEYS), label: z.string(), count: z.number().int(), amounts: z.array(amount), attention: z.boolean(), detail: z.string().nullable(), month: z.string().nullable(), href: z.string(),
    })),
    syncs: z.array(z.object({
      entity: z.string(), lastRunAt: z.string().nullable(), lastStatus: z.string().nullable(), lastSuccessAt: z.string().nullable(), failed: z.boolean(), late: z.boolean(),
    })),
  }),
  async handler({ rt, tenant, auth }) {
    const role = auth.user.role === 'client' ? 'reviewer' : auth.user.role; // clients never reach here (roles)
    return whatNeedsDoing(rt.ds, tenant, role, rt.clock ?? systemClock);
  },
});
