import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LessThan, type DataSource } from 'typeorm';
import { z } from 'zod';
import { AppError, fieldError } from '../common/app-error.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { CustomerMapping, Subscription, Tenant, WebhookDelivery, WebhookEndpoint } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { logImportChanges } from '../events/log.js';
import { runImport } from '../imports/run-import.js';
import type { ClientOverrides } from '../tenants/pax8-client.js';
import { isUniqueViolation } from '../db/errors.js';
import { deliverPending } from '../notices/deliver.js';
import { detectChanges } from '../notices/detect.js';
import { Pax8Error, type Pax8Client, type TopicDefinition, type Webhook, type WebhookTopicInput } from '../pax8/client/index.js';
import { pax8ClientFor } from '../tenants/pax8-client.js';
import { TenantError, TenantService, tenantSettings } from '../tenants/service.js';

/**
 * Pax8 webhooks (issues 9 and 22). Pax8's model (pax8-webhooks-api-openapi.json) has no signature: a webhook has a
 * URL and an `authorization` value that Pax8 sends back as the Authorization header. Recurra registers each
 * tenant's endpoint with Pax8 itself (a URL without query string, since Pax8 forbids them, and a random secret for
 * that header), checks the header in constant time, and that accountId and webhookId match the registered webhook.
 * A verified delivery is only queued (answer 202 at once); the worker then re-reads the affected customer's
 * subscriptions from Pax8 with the imports module, or every customer's when the payload names no subscription or
 * company Recurra can place, and runs change detection. The payload is a trigger, never applied: whatever order
 * deliveries arrive in, the state comes from Pax8, and the detection baseline makes a replay a no-op.
 */

/**
 * The topics Recurra subscribes to by default: those of GET /api/v2/webhooks/topic-definitions whose topic or name
 * mentions subscriptions (the spec names no topics; the sandbox and Pax8's guide show `SUBSCRIPTION`).
 */
export const DEFAULT_TOPIC_PATTERN = /subscription/i;
export const MAX_ATTEMPTS = 5;
/** A delivery 'processing' for longer than this belongs to a dead worker. */
export const STALE_MS = 15 * 60_000;

const WEBHOOK_ERROR_KINDS = { not_found: 'not_found', unauthorized: 'unauthenticated', invalid: 'invalid', no_credentials: 'conflict', pax8: 'upstream' } as const;

export class WebhookError extends AppError {
  override name = 'WebhookError';
  /** For 'invalid': the request field at fault (registration: body.topics unless said otherwise). */
  constructor(override readonly code: keyof typeof WEBHOOK_ERROR_KINDS, message: string, readonly field?: string) {
    super(WEBHOOK_ERROR_KINDS[code], message, { code, fields: code === 'invalid' ? fieldError(field ?? 'body.topics', message) : undefined });
  }
}

function context(tenantId: string): string {
  return `tenant:${tenantId}:webhookAuthorization`;
}

const token = () => randomBytes(32).toString('base64url');

export interface Registration {
  /** Recurra's receiver URL for this tenant, as registered with Pax8. */
  url: string;
  /** The webhook's id at Pax8. */
  pax8WebhookId: string;
  pax8AccountId: string | null;
  topics: string[];
  active: boolean;
  /** created: a new Pax8 webhook; rotated: the existing one got the new URL and secret. */
  action: 'created' | 'rotated';
  /** What could not be tidied up (e.g. an older webhook Pax8 would not delete). */
  warnings: string[];
}

/** Recurra's receiver path: no query string (Pax8 refuses them); the Authorization header is the credential. */
export function receiverPath(tenantId: string): string {
  return `/api/v1/webhooks/pax8/${tenantId}`;
}

/** The URL of endpoints registered before issue 22, which carried a token in the query string. */
function legacyReceiverPath(tenantId: string, t: string): string {
  return `${receiverPath(tenantId)}?token=${encodeURIComponent(t)}`;
}

export interface RegisterOptions {
  /** Recurra's public base URL, e.g. https://recurra.example */
  baseUrl: string;
  topics?: string[];
  /** Pax8 client settings (tests); credentials always come from the tenant. */
  client?: ClientOverrides;
}

/** The tenant's Pax8 client, with the webhooks API base from the tenant's settings when set. */
function webhookClient(ds: DataSource, secrets: SecretBox, tenant: Tenant, overrides: ClientOverrides = {}): Pax8Client {
  const configured = tenantSettings(tenant).pax8WebhooksApiUrl;
  try {
    return pax8ClientFor(new TenantService(ds, secrets), tenant, { ...overrides, ...(configured ? { webhooksApiUrl: configured } : {}) });
  } catch (err) {
    if (err instanceof TenantError) throw new WebhookError('no_credentials', `${err.message}: connect the tenant to Pax8 first`);
    throw err;
  }
}

function pax8Failure(what: string, err: unknown): WebhookError {
  return new WebhookError('pax8', `${what}: ${(err as Error).message}`);
}

/**
 * The topics to register with explicit filters: the requested ones (or the default), each one Pax8 offers, each with
 * one filter per action its topic definition lists (no conditions). Pax8 delivers only the actions a topic's filters
 * name, so an empty filter list would register a webhook that never fires.
 */
async function chooseTopics(client: Pax8Client, requested: string[] | undefined): Promise<WebhookTopicInput[]> {
  let defs: TopicDefinition[];
  try {
    defs = await client.topicDefinitions();
  } catch (err) {
    throw pax8Failure('could not read Pax8\'s webhook topics', err);
  }
  const offered = defs.map((d) => d.topic);
  const wanted = requested?.length
    ? [...new Set(requested.map((x) => x.trim()).filter(Boolean))]
    : defs.filter((d) => DEFAULT_TOPIC_PATTERN.test(d.topic) || DEFAULT_TOPIC_PATTERN.test(d.name ?? '')).map((d) => d.topic);
  if (!wanted.length) throw new WebhookError('invalid', `Pax8 offers no subscription topic; name the topics to register (its topics are ${offered.join(', ') || '(none)'})`);
  const unknown = wanted.filter((t) => !offered.includes(t));
  if (unknown.length) throw new WebhookError('invalid', `Pax8 offers no topic ${unknown.join(', ')}; its topics are ${offered.join(', ') || '(none)'}`);
  return wanted.map((topic) => {
    const actions = [...new Set(defs.find((d) => d.topic === topic)!.availableFilters.map((f) => f.action))];
    if (!actions.length) throw new WebhookError('invalid', `Pax8 lists no actions for topic ${topic}: Recurra cannot register explicit filters for it`);
    return { topic, filters: actions.map((action) => ({ action, conditions: [] })) };
  });
}

/** After a create whose answer was lost, the webhook may exist: it is the one with our URL and this registration's reference in its name. */
async function findCreated(client: Pax8Client, url: string, ref: string): Promise<Webhook | null> {
  for await (const item of client.webhooks()) if (item.record && item.record.url === url && item.record.displayName.includes(ref)) return item.record;
  return null;
}

/** An endpoint registered before issue 22 without a Pax8 id: its webhook (if any) is the one with its old URL. */
async function findByLegacyUrl(client: Pax8Client, url: string): Promise<Webhook | null> {
  for await (const item of client.webhooks()) if (item.record && item.record.url === url) return item.record;
  return null;
}

/**
 * Registers the tenant's endpoint with Pax8 (POST /api/v2/webhooks), or with an endpoint already registered rotates it:
 * the same Pax8 webhook gets the new topics, then the new URL token and Authorization secret (POST …/configuration).
 * Pax8 is called first and the local row written only after Pax8 accepted, so a refusal leaves everything as it was
 * (no secret is stored for a webhook Pax8 never created). The secret is stored sealed and never returned.
 */
export async function registerEndpoint(ds: DataSource, secrets: SecretBox, tenant: Tenant, opts: RegisterOptions): Promise<Registration> {
  let parsedBase: URL;
  try {
    parsedBase = new URL(opts.baseUrl);
  } catch {
    throw new WebhookError('invalid', 'the base URL must be an absolute http(s) URL', 'body.baseUrl');
  }
  if (!/^https?:$/.test(parsedBase.protocol) || parsedBase.search || parsedBase.hash || opts.baseUrl.includes('?')) {
    throw new WebhookError('invalid', 'the base URL must be http(s) without query string or fragment (Pax8 refuses query strings on webhook URLs)', 'body.baseUrl');
  }
  const scope = new TenantScope(ds.manager, tenant.id);
  const client = webhookClient(ds, secrets, tenant, opts.client);
  const webhookTopics = await chooseTopics(client, opts.topics);
  const topics = webhookTopics.map((t) => t.topic);
  // A reference for this registration (in the display name): finds the webhook again if Pax8's create answer is lost.
  const ref = token().slice(0, 12);
  const authorization = `Recurra ${token()}`;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const url = `${base}${receiverPath(tenant.id)}`;
  const config = { displayName: `Recurra (${tenant.name.slice(0, 150)}) ref ${ref}`, url, authorization, errorThreshold: 3 };
  const existing = await scope.repo(WebhookEndpoint).findOneBy({});
  const warnings: string[] = [];
  let hook: Webhook | null = null;
  let action: Registration['action'] = 'created';

  if (existing?.pax8WebhookId) {
    try {
      await client.replaceWebhookTopics(existing.pax8WebhookId, webhookTopics);
      hook = await client.updateWebhookConfiguration(existing.pax8WebhookId, config);
      if (!hook.active) hook = await client.updateWebhookStatus(existing.pax8WebhookId, true);
      action = 'rotated';
    } catch (err) {
      // Deleted at Pax8 meanwhile: create a new one below. Anything else: nothing changed here, the old secret stays valid.
      if (!(err instanceof Pax8Error && err.kind === 'not_found')) throw pax8Failure(`Pax8 did not take the new webhook settings (nothing changed; retry)`, err);
      warnings.push(`Pax8 webhook ${existing.pax8WebhookId} no longer existed: a new one was created`);
    }
  }
  if (!hook) {
    try {
      hook = await client.createWebhook({ ...config, active: true, webhookTopics });
    } catch (err) {
      const ambiguous = err instanceof Pax8Error && ['timeout', 'network', 'server_error', 'invalid_response'].includes(err.kind);
      const found = ambiguous ? await findCreated(client, url, ref).catch(() => null) : null;
      if (!found) throw pax8Failure('Pax8 did not create the webhook (nothing was stored; retry)', err);
      hook = found;
    }
    if (existing && !existing.pax8WebhookId) {
      // An endpoint from before registration was automatic: its webhook (if any) is the one with its URL.
      const old = await findByLegacyUrl(client, `${base}${legacyReceiverPath(tenant.id, existing.token)}`).catch(() => null);
      if (old && old.id !== hook.id) await client.deleteWebhook(old.id).catch((e: unknown) => warnings.push(`the older Pax8 webhook ${old.id} could not be deleted: ${(e as Error).message}`));
    }
  }

  const now = new Date();
  const values = {
    token: ref, authorizationSealed: secrets.encrypt(authorization, context(tenant.id)), pax8WebhookId: hook.id,
    pax8AccountId: hook.accountId ?? null, topics: topics.join(',').slice(0, 500), active: true, updatedAt: now,
  };
  try {
    await scope.transaction(async (tx) => {
      const row = await tx.repo(WebhookEndpoint).findOneBy({});
      if (row) await tx.repo(WebhookEndpoint).update({ id: row.id }, values);
      else await tx.repo(WebhookEndpoint).insert([{ id: randomUUID(), ...values, createdAt: now }]);
    });
  } catch (err) {
    // Pax8 would deliver with a secret nobody kept: take a new webhook back; a rotated one is fixed by registering again.
    if (action === 'created') await client.deleteWebhook(hook.id).catch(() => undefined);
    throw err;
  }
  return { url, pax8WebhookId: hook.id, pax8AccountId: hook.accountId ?? null, topics, active: true, action, warnings };
}

/**
 * Deletes the tenant's webhook at Pax8 (already gone counts as deleted), then the local endpoint. If Pax8 refuses,
 * the endpoint stays (it still receives) unless `force`, which removes it locally anyway (the Pax8 webhook is then
 * left to be deleted in Pax8's portal; its deliveries answer 404).
 */
export async function unregisterEndpoint(
  ds: DataSource, secrets: SecretBox, tenant: Tenant, opts: { force?: boolean; client?: ClientOverrides } = {},
): Promise<{ removed: true; pax8Deleted: boolean; warnings: string[] }> {
  const scope = new TenantScope(ds.manager, tenant.id);
  const row = await scope.repo(WebhookEndpoint).findOneBy({});
  if (!row) throw new WebhookError('not_found', 'no webhook endpoint is registered for this tenant');
  const warnings: string[] = [];
  let pax8Deleted = false;
  if (row.pax8WebhookId) {
    try {
      await webhookClient(ds, secrets, tenant, opts.client).deleteWebhook(row.pax8WebhookId);
      pax8Deleted = true;
    } catch (err) {
      if (err instanceof Pax8Error && err.kind === 'not_found') pax8Deleted = true;
      else if (!opts.force) throw pax8Failure(`Pax8 did not delete webhook ${row.pax8WebhookId} (the endpoint is kept; retry, or remove it locally with force)`, err);
      else warnings.push(`Pax8 did not delete webhook ${row.pax8WebhookId}: ${(err as Error).message}; delete it in Pax8`);
    }
  }
  await scope.repo(WebhookEndpoint).delete({ id: row.id });
  return { removed: true, pax8Deleted, warnings };
}

export async function endpointView(ds: DataSource, tenantId: string) {
  const row = await new TenantScope(ds.manager, tenantId).repo(WebhookEndpoint).findOneBy({});
  if (!row) return null;
  return { active: row.active, topics: row.topics ? row.topics.split(',') : [], pax8WebhookId: row.pax8WebhookId, pax8AccountId: row.pax8AccountId, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** The WebhookPayload of the spec (payloadData is free-form). */
/** The latest `limit` received Pax8 deliveries (newest first), of one status if given. */
export function recentDeliveries(scope: TenantScope, filter: { status?: WebhookDelivery['status']; limit: number }): Promise<WebhookDelivery[]> {
  return scope.repo(WebhookDelivery).find({ where: filter.status ? { status: filter.status } : {}, order: { receivedAt: 'DESC' }, take: filter.limit });
}

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
 * Verifies and queues one delivery; answers fast (no Pax8 call). The Authorization header is the only credential
 * (a `?token=` in the URL, as endpoints registered before issue 22 carry, is neither needed nor enough). Throws
 * WebhookError: not_found for a tenant without an active endpoint, unauthorized for a wrong or missing Authorization
 * header, another account or another webhook.
 */
export async function receiveWebhook(
  ds: DataSource, secrets: SecretBox, input: { tenantId: string; authorization: string | undefined; body: unknown },
): Promise<Received> {
  if (!/^[0-9a-fA-F-]{36}$/.test(input.tenantId)) throw new WebhookError('not_found', 'unknown webhook endpoint');
  const scope = new TenantScope(ds.manager, input.tenantId);
  const ep = await scope.repo(WebhookEndpoint).findOneBy({});
  if (!ep || !ep.active) throw new WebhookError('not_found', 'unknown webhook endpoint');
  const expected = secrets.decrypt(ep.authorizationSealed, context(input.tenantId));
  if (!input.authorization || !same(input.authorization, expected)) throw new WebhookError('unauthorized', 'wrong or missing Authorization header');
  const parsed = webhookPayloadSchema.safeParse(input.body);
  if (!parsed.success) throw new WebhookError('invalid', `not a Pax8 webhook payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'body');
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
 * sync. A delivery Recurra cannot attribute (its payload names no subscription or company in a shape it knows, or a
 * subscription Pax8 no longer has) syncs the subscriptions of every customer, once per batch, covering the batch's
 * other deliveries too. Each is claimed with a conditional update, so two workers never process it twice.
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
    // Which customer each delivery concerns; those naming nothing Recurra can place need a sync of every customer.
    const byCustomer = new Map<string, WebhookDelivery[]>();
    const tenantWide: WebhookDelivery[] = [];
    const done = async (d: WebhookDelivery, status: 'done' | 'failed' | 'queued', error: string | null) => {
      await scope.repo(WebhookDelivery).update({ id: d.id }, { status, error: error?.slice(0, 2000) ?? null, processedAt: status === 'queued' ? null : new Date(), updatedAt: new Date() });
    };
    for (const d of claimed) {
      try {
        const target = await customerOf(scope, d, clientOf);
        if (target === 'unmapped') {
          await done(d, 'done', 'the company is not mapped to a customer: nothing to sync');
          result.processed++;
          continue;
        }
        if (target === 'tenant') tenantWide.push(d);
        else byCustomer.set(target, [...(byCustomer.get(target) ?? []), d]);
      } catch (err) {
        await retryOrFail(d, err);
      }
    }
    async function retryOrFail(d: WebhookDelivery, err: unknown) {
      const last = d.attempts >= MAX_ATTEMPTS;
      await done(d, last ? 'failed' : 'queued', (err as Error).message);
      if (last) result.failed++;
    }
    // One sync of every customer covers the whole batch; otherwise one sync per customer named.
    const syncs: Array<[string[] | undefined, WebhookDelivery[]]> = tenantWide.length
      ? [[undefined, [...tenantWide, ...[...byCustomer.values()].flat()]]]
      : [...byCustomer].map(([customerId, deliveries]) => [[customerId], deliveries]);
    for (const [customers, deliveries] of syncs) {
      try {
        const run = await runImport({ ds: deps.ds, secrets: deps.secrets }, {
          tenantId: tenant.id, entities: ['subscriptions'], customers, trigger: 'webhook',
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

/**
 * The customer a delivery concerns; 'unmapped' when it names a company no customer is mapped to (nothing Recurra
 * bills); 'tenant' when it names nothing Recurra can place: no subscription or company, or a subscription Pax8 does
 * not know (deleted, or a topic's sample payload).
 */
async function customerOf(scope: TenantScope, d: WebhookDelivery, client: () => Pax8Client): Promise<string | 'unmapped' | 'tenant'> {
  if (d.pax8SubscriptionId) {
    const s = await scope.repo(Subscription).findOneBy({ pax8Id: d.pax8SubscriptionId });
    if (s?.customerId) return s.customerId;
  }
  let companyId = d.pax8CompanyId;
  if (!companyId && d.pax8SubscriptionId) {
    try {
      companyId = (await client().subscription(d.pax8SubscriptionId)).companyId;
    } catch (err) {
      if (err instanceof Pax8Error && err.kind === 'not_found') return 'tenant';
      throw err;
    }
  }
  if (!companyId) return 'tenant';
  const m = await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: companyId });
  return m?.customerId ?? 'unmapped';
}
