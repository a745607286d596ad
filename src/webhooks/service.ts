import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LessThan, type DataSource } from 'typeorm';
import { z } from 'zod';
import type { SecretBox } from '../crypto/secret-box.js';
import { CustomerMapping, Subscription, Tenant, WebhookDelivery, WebhookEndpoint } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { logImportChanges } from '../events/log.js';
import { runImport } from '../imports/run-import.js';
import type { ClientOverrides } from '../tenants/pax8-client.js';
import { isUniqueViolation } from '../invoices/db-errors.js';
import { deliverPending } from '../notices/deliver.js';
import { detectChanges } from '../notices/detect.js';
import type { Pax8Client } from '../pax8/client/index.js';
import { pax8ClientFor } from '../tenants/pax8-client.js';
import { TenantService } from '../tenants/service.js';

/**
 * Pax8 webhooks (issue 9). Pax8's model (pax8-webhooks-api-openapi.json) has no signature: a webhook has a
 * URL and an `authorization` value that Pax8 sends back as the Authorization header. Recurra gives each
 * tenant an endpoint URL with an unguessable token and a separate secret for that header, checks both in
 * constant time, and (once known) that accountId and webhookId match. A verified delivery is only queued
 * (answer 202 at once); the worker then re-reads the affected customer's subscriptions from Pax8 with the
 * imports module and runs change detection. The payload is a trigger, never applied: whatever order
 * deliveries arrive in, the state comes from Pax8, and the detection baseline makes a replay a no-op.
 */

export const DEFAULT_TOPICS = ['SUBSCRIPTION_CREATED', 'SUBSCRIPTION_UPDATED', 'SUBSCRIPTION_CANCELLED'];
export const MAX_ATTEMPTS = 5;
/** A delivery 'processing' for longer than this belongs to a dead worker. */
export const STALE_MS = 15 * 60_000;

export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(readonly code: 'not_found' | 'unauthorized' | 'invalid', message: string) {
    super(message);
  }
}

function context(tenantId: string): string {
  return `tenant:${tenantId}:webhookAuthorization`;
}

const token = () => randomBytes(32).toString('base64url');

export interface Registration {
  /** Recurra's receiver URL for this tenant (give it to Pax8). */
  url: string;
  /** The CreateWebhook body for POST https://api.pax8.com/api/v2/webhooks (holds the Authorization secret). */
  createWebhook: { displayName: string; url: string; authorization: string; active: boolean; errorThreshold: number; webhookTopics: Array<{ topic: string; filters: [] }> };
}

export function receiverPath(tenantId: string, t: string): string {
  return `/api/v1/webhooks/pax8/${tenantId}?token=${encodeURIComponent(t)}`;
}

/**
 * Creates (or with rotate, replaces) the tenant's endpoint and returns what to register with Pax8. The
 * authorization secret is shown only here; it is stored sealed.
 */
export async function registerEndpoint(
  ds: DataSource, secrets: SecretBox, tenant: Tenant, opts: { baseUrl: string; topics?: string[]; pax8WebhookId?: string | null },
): Promise<Registration> {
  const scope = new TenantScope(ds.manager, tenant.id);
  const now = new Date();
  const t = token();
  const authorization = `Recurra ${token()}`;
  const topics = (opts.topics?.length ? opts.topics : DEFAULT_TOPICS).map((x) => x.trim()).filter(Boolean);
  const values = {
    token: t, authorizationSealed: secrets.encrypt(authorization, context(tenant.id)), pax8WebhookId: opts.pax8WebhookId ?? null,
    pax8AccountId: null, topics: topics.join(',').slice(0, 500), active: true, updatedAt: now,
  };
  await scope.transaction(async (tx) => {
    const row = await tx.repo(WebhookEndpoint).findOneBy({});
    if (row) await tx.repo(WebhookEndpoint).update({ id: row.id }, values);
    else await tx.repo(WebhookEndpoint).insert([{ id: randomUUID(), ...values, createdAt: now }]);
  });
  const url = `${opts.baseUrl.replace(/\/+$/, '')}${receiverPath(tenant.id, t)}`;
  return {
    url,
    createWebhook: {
      displayName: `Recurra (${tenant.name})`, url, authorization, active: true, errorThreshold: 3,
      webhookTopics: topics.map((topic) => ({ topic, filters: [] as [] })),
    },
  };
}

/** Records the id Pax8 gave the webhook (deliveries must then name it). */
export async function setPax8WebhookId(ds: DataSource, tenantId: string, pax8WebhookId: string | null): Promise<void> {
  const scope = new TenantScope(ds.manager, tenantId);
  const row = await scope.repo(WebhookEndpoint).findOneBy({});
  if (!row) throw new WebhookError('not_found', 'no webhook endpoint is registered for this tenant');
  await scope.repo(WebhookEndpoint).update({ id: row.id }, { pax8WebhookId, updatedAt: new Date() });
}

export async function endpointView(ds: DataSource, tenantId: string) {
  const row = await new TenantScope(ds.manager, tenantId).repo(WebhookEndpoint).findOneBy({});
  if (!row) return null;
  return { active: row.active, topics: row.topics ? row.topics.split(',') : [], pax8WebhookId: row.pax8WebhookId, pax8AccountId: row.pax8AccountId, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** The WebhookPayload of the spec (payloadData is free-form). */
export const webhookPayloadSchema = z.object({
  accountId: z.string().min(1).max(64),
  url: z.string().max(2000).optional(),
  webhookId: z.string().min(1).max(64),
  sentAt: z.string().min(1).max(64),
  webhookTopic: z.object({ id: z.string().max(64).optional(), topic: z.string().min(1).max(120), filters: z.array(z.unknown()).optional() }).passthrough(),
  payloadData: z.record(z.string(), z.unknown()).optional(),
}).passthrough();
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

function same(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a === b;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : null;
}

/** Where in payloadData the affected subscription and company are named (several shapes are accepted). */
export function affected(p: WebhookPayload): { subscriptionId: string | null; companyId: string | null } {
  const d = (p.payloadData ?? {}) as Record<string, unknown>;
  const nested = (d.subscription && typeof d.subscription === 'object' ? d.subscription : {}) as Record<string, unknown>;
  const topic = p.webhookTopic.topic.toLowerCase();
  return {
    subscriptionId: str(d.subscriptionId) ?? str(nested.id) ?? (topic.includes('subscription') ? str(d.id) : null),
    companyId: str(d.companyId) ?? str(nested.companyId),
  };
}

/** Canonical JSON (sorted keys) for the dedupe key. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

export interface Received {
  deliveryId: string;
  duplicate: boolean;
}

/**
 * Verifies and queues one delivery; answers fast (no Pax8 call). Throws WebhookError: not_found for an
 * unknown tenant or token (nothing revealed), unauthorized for a wrong Authorization header or account.
 */
export async function receiveWebhook(
  ds: DataSource, secrets: SecretBox, input: { tenantId: string; token: string; authorization: string | undefined; body: unknown },
): Promise<Received> {
  if (!/^[0-9a-fA-F-]{36}$/.test(input.tenantId)) throw new WebhookError('not_found', 'unknown webhook endpoint');
  const scope = new TenantScope(ds.manager, input.tenantId);
  const ep = await scope.repo(WebhookEndpoint).findOneBy({});
  if (!ep || !ep.active || !same(input.token, ep.token)) throw new WebhookError('not_found', 'unknown webhook endpoint');
  const expected = secrets.decrypt(ep.authorizationSealed, context(input.tenantId));
  if (!input.authorization || !same(input.authorization, expected)) throw new WebhookError('unauthorized', 'wrong or missing Authorization header');
  const parsed = webhookPayloadSchema.safeParse(input.body);
  if (!parsed.success) throw new WebhookError('invalid', `not a Pax8 webhook payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  if (ep.pax8WebhookId && p.webhookId !== ep.pax8WebhookId) throw new WebhookError('unauthorized', 'the delivery names another webhook');
  if (ep.pax8AccountId && p.accountId !== ep.pax8AccountId) throw new WebhookError('unauthorized', 'the delivery names another Pax8 account');
  const now = new Date();
  if (!ep.pax8AccountId) await scope.repo(WebhookEndpoint).update({ id: ep.id }, { pax8AccountId: p.accountId, updatedAt: now });
  const dedupeKey = createHash('sha256').update(canonical([p.webhookId, p.webhookTopic.topic, p.sentAt, p.payloadData ?? null])).digest('hex');
  const existing = await scope.repo(WebhookDelivery).findOneBy({ dedupeKey });
  if (existing) return { deliveryId: existing.id, duplicate: true };
  const { subscriptionId, companyId } = affected(p);
  const sentAt = Number.isNaN(Date.parse(p.sentAt)) ? null : new Date(p.sentAt);
  const id = randomUUID();
  try {
    await scope.repo(WebhookDelivery).insert([{
      id, dedupeKey, topic: p.webhookTopic.topic, pax8SubscriptionId: subscriptionId, pax8CompanyId: companyId, sentAt, receivedAt: now,
      status: 'queued', attempts: 0, processedAt: null, error: null, payload: JSON.stringify(p).slice(0, 60000), createdAt: now, updatedAt: now,
    }]);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const row = await scope.repo(WebhookDelivery).findOneBy({ dedupeKey });
    return { deliveryId: row?.id ?? id, duplicate: true };
  }
  return { deliveryId: id, duplicate: false };
}

export interface ProcessDeps {
  ds: DataSource;
  secrets: SecretBox;
  /** Pax8 client settings (tests); credentials always come from the tenant. */
  client?: ClientOverrides;
  /** Deliver the resulting notices at once (default true). */
  deliver?: boolean;
}

export interface ProcessResult {
  processed: number;
  failed: number;
  notices: number;
  imports: number;
}

/**
 * Processes queued deliveries (oldest first): deliveries naming the same customer are merged into one
 * sync. Each is claimed with a conditional update, so two workers never process it twice.
 */
export async function processWebhookQueue(deps: ProcessDeps, tenantId?: string): Promise<ProcessResult> {
  const result: ProcessResult = { processed: 0, failed: 0, notices: 0, imports: 0 };
  const tenants = tenantId ? [await deps.ds.manager.findOneByOrFail(Tenant, { id: tenantId })] : await deps.ds.manager.find(Tenant);
  for (const tenant of tenants) {
    const scope = new TenantScope(deps.ds.manager, tenant.id);
    // A worker that died mid-way left its deliveries 'processing': after STALE_MS they are queued again.
    await scope.repo(WebhookDelivery).update({ status: 'processing', updatedAt: LessThan(new Date(Date.now() - STALE_MS)) }, { status: 'queued', updatedAt: new Date() });
    const queued = await scope.repo(WebhookDelivery).find({ where: { status: 'queued' }, order: { receivedAt: 'ASC' }, take: 100 });
    const claimed: WebhookDelivery[] = [];
    for (const d of queued) {
      const n = await scope.repo(WebhookDelivery).update({ id: d.id, status: 'queued', attempts: d.attempts }, { status: 'processing', attempts: d.attempts + 1, updatedAt: new Date() });
      if (n === 1) claimed.push(Object.assign(d, { attempts: d.attempts + 1 }));
    }
    if (claimed.length === 0) continue;
    let client: Pax8Client | null = null;
    const clientOf = () => (client ??= pax8ClientFor(new TenantService(deps.ds, deps.secrets), tenant, deps.client ?? {}));
    // Which customer each delivery concerns.
    const byCustomer = new Map<string, WebhookDelivery[]>();
    const done = async (d: WebhookDelivery, status: 'done' | 'failed' | 'queued', error: string | null) => {
      await scope.repo(WebhookDelivery).update({ id: d.id }, { status, error: error?.slice(0, 2000) ?? null, processedAt: status === 'queued' ? null : new Date(), updatedAt: new Date() });
    };
    for (const d of claimed) {
      try {
        const customerId = await customerOf(scope, d, clientOf);
        if (!customerId) {
          await done(d, 'done', 'the company is not mapped to a customer: nothing to sync');
          result.processed++;
          continue;
        }
        byCustomer.set(customerId, [...(byCustomer.get(customerId) ?? []), d]);
      } catch (err) {
        await retryOrFail(d, err);
      }
    }
    async function retryOrFail(d: WebhookDelivery, err: unknown) {
      const last = d.attempts >= MAX_ATTEMPTS;
      await done(d, last ? 'failed' : 'queued', (err as Error).message);
      if (last) result.failed++;
    }
    for (const [customerId, deliveries] of byCustomer) {
      try {
        const run = await runImport({ ds: deps.ds, secrets: deps.secrets }, {
          tenantId: tenant.id, entities: ['subscriptions'], customers: [customerId], trigger: 'webhook',
          startedBy: `webhook:${deliveries.map((d) => d.topic).filter((t, i, a) => a.indexOf(t) === i).join(',')}`.slice(0, 100),
          pax8Client: clientOf(),
        });
        result.imports++;
        if (run.status === 'failed') throw new Error(`sync failed (import run ${run.id})${run.details.error ? `: ${run.details.error.split('\n')[0]}` : ''}`);
        for (const d of deliveries) {
          await done(d, 'done', null);
          result.processed++;
        }
      } catch (err) {
        for (const d of deliveries) await retryOrFail(d, err);
      }
    }
    await logImportChanges(scope);
    result.notices += (await detectChanges(scope, tenant)).notices.length;
    if (deps.deliver !== false) await deliverPending(deps.ds, deps.secrets, tenant.id);
  }
  return result;
}

async function customerOf(scope: TenantScope, d: WebhookDelivery, client: () => Pax8Client): Promise<string | null> {
  if (d.pax8SubscriptionId) {
    const s = await scope.repo(Subscription).findOneBy({ pax8Id: d.pax8SubscriptionId });
    if (s?.customerId) return s.customerId;
  }
  let companyId = d.pax8CompanyId;
  if (!companyId && d.pax8SubscriptionId) companyId = (await client().subscription(d.pax8SubscriptionId)).companyId;
  if (!companyId) return null;
  const m = await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: companyId });
  return m?.customerId ?? null;
}
