import { z } from 'zod';
import {
  recentDeliveries,
  endpointView, processWebhookQueue, receiveWebhook, registerEndpoint, unregisterEndpoint,
} from '../../../webhooks/service.js';
import { jobQueue } from '../../../app/scheduler.js';
import { defineRoute, tenantParams } from '../route.js';
import { queryBool } from '../paging.js';

/** Pax8 webhooks (issue 9): the verified receiver, the per-tenant endpoint, the delivery queue. */
const TAG = 'Webhooks';
const ADMIN = ['admin'] as const;

export const receivePax8WebhookRoute = defineRoute({
  id: 'receivePax8Webhook', method: 'post', path: '/webhooks/pax8/:tenantId', tag: TAG, roles: [], public: true,
  summary: 'Receive a Pax8 webhook delivery',
  description: 'Verified by the Authorization header registered with Pax8 alone (the URL has no query string: Pax8 refuses them); '
    + 'the delivery is queued, with a webhooks:process job to process it, and answered 202 at once. A replay answers 202 with duplicate: true and changes nothing. '
    + 'The `token` query parameter of URLs registered before issue 22 is accepted and ignored.',
  params: z.strictObject({ tenantId: z.string().max(64) }),
  query: z.strictObject({ token: z.string().max(200).optional() }),
  body: z.unknown(), example: { accountId: uuidExample(), url: 'https://recurra.example/api/v1/webhooks/pax8', webhookId: uuidExample(), sentAt: '2026-11-15T12:00:00Z', webhookTopic: { id: uuidExample(), topic: 'SUBSCRIPTION_UPDATED', filters: [] }, payloadData: {} },
  status: 202,
  response: z.object({ accepted: z.literal(true), duplicate: z.boolean(), deliveryId: z.string() }),
  async handler(ctx) {
    const r = await receiveWebhook(ctx.rt.ds, ctx.rt.secrets, {
      tenantId: ctx.params.tenantId, authorization: ctx.req?.get('authorization'), body: ctx.body,
    });
    // Processed by whichever process runs jobs (recurra start with its scheduler, or a recurra worker), never here.
    if (!r.duplicate) await jobQueue(ctx.rt).queueWebhookProcessing(ctx.params.tenantId);
    return { accepted: true as const, duplicate: r.duplicate, deliveryId: r.deliveryId };
  },
});

function uuidExample(): string {
  return '00000000-0000-4000-8000-000000000009';
}

const endpointSchema = z.object({
  active: z.boolean(), topics: z.array(z.string()), pax8WebhookId: z.string().nullable(), pax8AccountId: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
}).nullable();

export const getPax8WebhookEndpointRoute = defineRoute({
  id: 'getPax8WebhookEndpoint', method: 'get', path: '/tenants/:tenantId/webhooks/pax8', tag: TAG, roles: ADMIN,
  summary: 'The tenant\'s Pax8 webhook endpoint (never its secrets)', params: tenantParams, response: endpointSchema,
  async handler(ctx) {
    return endpointView(ctx.rt.ds, ctx.tenant.id);
  },
});

export const registerPax8WebhookEndpointRoute = defineRoute({
  id: 'registerPax8WebhookEndpoint', method: 'post', path: '/tenants/:tenantId/webhooks/pax8', tag: TAG, roles: ADMIN,
  summary: 'Register (or rotate) the tenant\'s webhook with Pax8',
  description: 'Creates the webhook at Pax8 (POST /api/v2/webhooks) with Recurra\'s receiver URL and a new Authorization secret, '
    + 'or, when one is registered, gives that Pax8 webhook the new topics, URL and secret. Topics default to Pax8\'s subscription topics and must be '
    + 'among Pax8\'s topic definitions; each is registered with one filter per action its definition lists. Pax8 is called first: if it refuses (502) nothing changes here. The secret is stored sealed and never returned.',
  params: tenantParams,
  body: z.strictObject({ baseUrl: z.url({ protocol: /^https?$/ }).optional(), topics: z.array(z.string().min(1).max(120)).max(20).optional() }),
  example: { baseUrl: 'https://recurra.example' },
  errors: { 400: 'a topic Pax8 does not offer, or a base URL with a query string', 409: 'the tenant has no Pax8 credentials', 502: 'Pax8 refused or could not be reached (nothing changed)' },
  response: z.object({
    url: z.string(), pax8WebhookId: z.string(), pax8AccountId: z.string().nullable(), topics: z.array(z.string()), active: z.boolean(),
    action: z.enum(['created', 'rotated']), warnings: z.array(z.string()),
  }),
  async handler(ctx) {
    const base = ctx.body.baseUrl ?? (ctx.req ? `${ctx.req.protocol}://${ctx.req.get('host')}` : 'http://localhost');
    return registerEndpoint(ctx.rt.ds, ctx.rt.secrets, ctx.tenant, { baseUrl: base, topics: ctx.body.topics });
  },
});

export const unregisterPax8WebhookEndpointRoute = defineRoute({
  id: 'unregisterPax8WebhookEndpoint', method: 'delete', path: '/tenants/:tenantId/webhooks/pax8', tag: TAG, roles: ADMIN,
  summary: 'Unregister the tenant\'s webhook (delete it at Pax8, then here)',
  description: 'A webhook Pax8 no longer has counts as deleted. If Pax8 refuses (502) the endpoint is kept, unless force=true removes it here anyway.',
  params: tenantParams,
  query: z.strictObject({ force: queryBool.optional() }),
  errors: { 404: 'no endpoint is registered', 502: 'Pax8 refused or could not be reached (the endpoint is kept)' },
  response: z.object({ removed: z.literal(true), pax8Deleted: z.boolean(), warnings: z.array(z.string()) }),
  async handler(ctx) {
    return unregisterEndpoint(ctx.rt.ds, ctx.rt.secrets, ctx.tenant, { force: ctx.query.force === true });
  },
});

export const listPax8WebhookDeliveriesRoute = defineRoute({
  id: 'listPax8WebhookDeliveries', method: 'get', path: '/tenants/:tenantId/webhooks/pax8/deliveries', tag: TAG, roles: ADMIN,
  summary: 'Received Pax8 webhook deliveries (newest first)', params: tenantParams,
  query: z.strictObject({ status: z.enum(['queued', 'processing', 'done', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
  response: z.object({ items: z.array(z.object({
    id: z.string(), topic: z.string(), status: z.string(), attempts: z.number().int(), pax8SubscriptionId: z.string().nullable(),
    pax8CompanyId: z.string().nullable(), sentAt: z.string().nullable(), receivedAt: z.string(), processedAt: z.string().nullable(), error: z.string().nullable(),
  })) }),
  async handler(ctx) {
    return { items: (await recentDeliveries(ctx.scope, ctx.query)).map((d) => ({
      id: d.id, topic: d.topic, status: d.status, attempts: d.attempts, pax8SubscriptionId: d.pax8SubscriptionId, pax8CompanyId: d.pax8CompanyId,
      sentAt: d.sentAt?.toISOString() ?? null, receivedAt: d.receivedAt.toISOString(), processedAt: d.processedAt?.toISOString() ?? null, error: d.error,
    })) };
  },
});

export const processPax8WebhookQueueRoute = defineRoute({
  id: 'processPax8WebhookQueue', method: 'post', path: '/tenants/:tenantId/webhooks/pax8/process', tag: TAG, roles: ADMIN,
  summary: 'Process the queued Pax8 webhook deliveries now', params: tenantParams, body: z.strictObject({}).optional(), example: {},
  response: z.object({ processed: z.number().int(), failed: z.number().int(), notices: z.number().int(), imports: z.number().int() }),
  async handler(ctx) {
    return processWebhookQueue({ ds: ctx.rt.ds, secrets: ctx.rt.secrets }, ctx.tenant.id);
  },
});
