import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { loadUsageSummary } from '../../../imports/usage-queries.js';
import { systemClock } from '../../../common/clock.js';
import { TenantService } from '../../../tenants/service.js';
import { customerMonthlyChart, dailyUsageChart, revenueMarginChart } from '../../../usage-review/charts.js';
import { decideUsage } from '../../../usage-review/decide.js';
import { FLAG_KINDS } from '../../../usage-review/flags.js';
import { latestUsageMonth, loadQueue } from '../../../usage-review/queue.js';
import { MAX_PAGE_SIZE, paged, pageSchema, queryBool } from '../paging.js';
import { defineRoute, tenantParams, uuid } from '../route.js';

/** Usage review (src/usage-review): reviewers and admins decide, finance reads, clients never see it (cost and margin). */
const READERS = ['admin', 'reviewer', 'finance'] as const;
const DECIDERS = ['admin', 'reviewer'] as const;
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM');
const amount = z.string().regex(/^-?\d{1,12}(\.\d{1,6})?$/, 'an amount with at most 6 decimal places, e.g. "120.50" or "-3"');

const flagSchema = z.object({
  kind: z.enum(FLAG_KINDS), percent: z.string().nullable().optional(), resourceGroup: z.string().optional(),
  products: z.array(z.string()).optional(), amount: z.string().optional(),
});
const decisionSchema = z.object({
  decision: z.enum(['approved', 'adjusted']), importedCharges: z.string(), adjustedCharges: z.string().nullable(), note: z.string().nullable(),
  decidedBy: z.string(), decidedAt: z.string(),
});
const rowSchema = z.object({
  summaryId: z.string(), month: z.string(), customerId: z.string().nullable(), customerName: z.string().nullable(),
  pax8CompanyId: z.string().nullable(), resourceGroup: z.string().nullable(), vendorName: z.string().nullable(), currency: z.string(),
  charges: z.string(), previousCharges: z.string().nullable(), changePercent: z.string().nullable(), flags: z.array(flagSchema),
  status: z.enum(['pending', 'approved', 'adjusted', 'changed']), decision: decisionSchema.nullable(), billedCharges: z.string(),
});

export const listUsageReviewRoute = defineRoute({
  id: 'listUsageReview', method: 'get', path: '/tenants/:tenantId/usage-review', tag: 'Usage review', roles: READERS,
  summary: 'The usage review queue of a month',
  description: 'Every usage summary with charges in the month (default: the latest month with usage), its charges beside the month '
    + 'before\'s, flags (first_month, spike over the tenant\'s usageSpikePercent, new_resource_group, new_product, negative) and the '
    + 'decision. status pending includes decisions whose month was imported again with other charges (changed).',
  params: tenantParams,
  query: z.strictObject({
    month: month.optional(), status: z.enum(['pending', 'decided', 'all']).default('all'), flagged: queryBool.optional(),
    flag: z.enum(FLAG_KINDS).optional(), customerId: uuid.optional(), summaryId: uuid.optional(),
    page: z.coerce.number().int().min(0).default(0), size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  }),
  response: pageSchema(rowSchema).extend({
    month: z.string().nullable(), previousMonth: z.string().nullable(), spikePercent: z.string(),
    counts: z.object({ total: z.number(), pending: z.number(), flagged: z.number(), decided: z.number() }),
  }),
  async handler({ scope, tenant, query }) {
    const { page, size, ...filter } = query;
    const q = await loadQueue(scope, tenant, filter);
    return { ...paged(q.rows.slice(page * size, (page + 1) * size), page, size, q.rows.length), month: q.month, previousMonth: q.previousMonth, spikePercent: q.spikePercent, counts: q.counts };
  },
});

export const decideUsageReviewRoute = defineRoute({
  id: 'decideUsageReview', method: 'put', path: '/tenants/:tenantId/usage-summaries/:summaryId/review', tag: 'Usage review', roles: DECIDERS,
  summary: 'Approve or adjust a usage summary\'s month',
  description: 'approved: the month is billed as imported. adjusted: the month\'s invoice line bills adjustedCharges instead (a note saying '
    + 'why is required). A decision holds while the month\'s imported charges stay those it was made on; it replaces an earlier one and is audited.',
  params: tenantParams.extend({ summaryId: uuid }),
  body: z.strictObject({ month, decision: z.enum(['approved', 'adjusted']), adjustedCharges: amount.nullable().optional(), note: z.string().max(1000).nullable().optional() }),
  example: { month: '2026-11', decision: 'adjusted', adjustedCharges: '120.50', note: 'Test VM left running; credited as agreed' },
  response: z.object({
    summaryId: z.string(), month: z.string(), decision: z.enum(['approved', 'adjusted']), status: z.enum(['pending', 'approved', 'adjusted', 'changed']),
    importedCharges: z.string(), adjustedCharges: z.string().nullable(), note: z.string().nullable(), decidedBy: z.string(), decidedAt: z.string(),
  }),
  async handler({ rt, scope, auth, params, body }) {
    return decideUsage(scope, { id: auth.user.id, email: auth.user.email }, {
      summaryId: params.summaryId, month: body.month, decision: body.decision,
      adjustedCharges: body.adjustedCharges ? new Decimal(body.adjustedCharges) : null, note: body.note ?? null,
    }, rt.clock ?? systemClock);
  },
});

export const setUsageSpikePercentRoute = defineRoute({
  id: 'setUsageSpikePercent', method: 'put', path: '/tenants/:tenantId/usage-review/settings', tag: 'Usage review', roles: ['admin'],
  summary: 'Set the usage spike percentage',
  description: 'A month whose usage grew by more than this percentage over the month before is flagged a spike (tenant setting usageSpikePercent).',
  params: tenantParams,
  body: z.strictObject({ spikePercent: z.string().regex(/^\d{1,6}(\.\d{1,2})?$/, 'a percentage such as "50" or "12.5"') }),
  example: { spikePercent: '30' },
  response: z.object({ spikePercent: z.string() }),
  async handler({ rt, tenant, body }) {
    const s = await new TenantService(rt.ds, rt.secrets).updateSettings(tenant.id, { usageSpikePercent: body.spikePercent });
    return { spikePercent: s.usageSpikePercent };
  },
});

const chartSchema = z.object({
  kind: z.enum(['bar', 'line']), title: z.string(), currency: z.string().nullable(), labels: z.array(z.string()),
  series: z.array(z.object({ label: z.string(), values: z.array(z.string()) })),
});

export const getUsageChartsRoute = defineRoute({
  id: 'getUsageCharts', method: 'get', path: '/tenants/:tenantId/usage-review/charts', tag: 'Usage review', roles: READERS,
  summary: 'Figures for the usage review charts',
  description: 'summaryId: its daily usage in the month, and its customer\'s usage by month (12 months). trends=true: billed and margin by month '
    + '(6 months, from the margin reconciliation). month defaults to the latest month with usage.',
  params: tenantParams,
  query: z.strictObject({ summaryId: uuid.optional(), customerId: uuid.optional(), month: month.optional(), trends: queryBool.optional() }),
  response: z.object({ month: z.string().nullable(), daily: chartSchema.nullable(), customer: chartSchema.nullable(), trends: chartSchema.nullable() }),
  async handler({ rt, scope, tenant, query }) {
    const m = query.month ?? await latestUsageMonth(scope);
    if (!m) return { month: null, daily: null, customer: null, trends: null };
    const summary = query.summaryId ? await loadUsageSummary(scope, query.summaryId) : null;
    const customerId = query.customerId ?? summary?.customerId ?? null;
    return {
      month: m,
      daily: summary ? await dailyUsageChart(scope, summary, m) : null,
      customer: customerId ? await customerMonthlyChart(scope, customerId, m) : null,
      trends: query.trends ? await revenueMarginChart(rt.ds, tenant, m) : null,
    };
  },
});
