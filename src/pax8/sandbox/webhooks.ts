import { randomUUID } from 'node:crypto';
import type { SandboxClock } from './clock.js';
import { formatZulu } from './dates.js';
import { SandboxError } from './data.js';

/**
 * Pax8's webhooks API (pax8-webhooks-api-openapi.json, base `/api/v2`) as the sandbox keeps it: webhooks with
 * topics and action filters, the topic definitions, and real deliveries. The spec models a topic as a free
 * string and names none; Pax8's guide shows entity topics with an action filter (`INVOICE` + `CREATED`), so the
 * sandbox offers the entity topics below, each with its actions. A mutation (partner PUT/DELETE of a subscription,
 * or the admin API) is delivered as a WebhookPayload, POSTed to every active webhook subscribed to the topic with
 * the webhook's `authorization` value as the Authorization header; non-2xx answers are retried `errorThreshold`
 * times. Every delivery is logged (`GET /webhooks/{id}/logs`).
 *
 * As the spec implies (issue 22, point 3): `filters` is required on each topic and each filter names an `action`
 * (with its required `conditions`), so a topic delivers only the actions its filters name; an empty filter list is
 * accepted (the schema sets no minimum) and delivers nothing. A URL with a query string is refused (Pax8 forbids them
 * on its vendor-provisioning webhooks; the sandbox applies that here too). Each delivery's `payloadData` has exactly
 * the keys of its topic definition's `samplePayload`, which is the only place the shape is published.
 */

export interface SandboxFilterCondition { field: string; operator: string; value: string[] }
export interface SandboxWebhookFilter { action: string; conditions: SandboxFilterCondition[] }
export interface SandboxWebhookTopic { id: string; topic: string; filters: SandboxWebhookFilter[] }

export interface SandboxWebhook {
  id: string;
  accountId: string;
  displayName: string;
  url?: string;
  /** Sent back as the Authorization header of each delivery; never shown by the API. */
  authorization?: string;
  active: boolean;
  contactEmail?: string;
  errorThreshold: number;
  integrationId?: string;
  webhookTopics: SandboxWebhookTopic[];
  lastDeliveryStatus?: DeliveryStatus;
  createdMs: number;
  updatedMs: number;
}

export type DeliveryStatus = 'PENDING' | 'SUCCESS' | 'FAILED' | 'RETRYING';

export interface SandboxWebhookCall { id: string; timestampMs: number; status: DeliveryStatus; errorMessage?: string; httpStatusCode?: number; payload: Record<string, unknown> }
export interface SandboxWebhookLog { id: string; webhookId: string; webhookName: string; topic: string; finalStatus: DeliveryStatus; callHistory: SandboxWebhookCall[]; createdMs: number }

export interface SandboxEvent {
  topic: string;
  action: string;
  data: Record<string, unknown>;
}

/** The event's data in its topic's published shape: exactly the keys of the topic definition's sample payloadData. */
function shaped(topic: string, action: string, values: Record<string, unknown>): SandboxEvent {
  const def = TOPIC_DEFINITIONS.find((d) => d.topic === topic)!;
  return { topic, action, data: Object.fromEntries(Object.keys(def.sample).map((k) => [k, values[k] ?? null])) };
}

/** The SUBSCRIPTION event of a subscription's current state. */
export function subscriptionEvent(s: { id: string; companyId: string; productId: string; quantity: number; status: string }, action: string): SandboxEvent {
  return shaped('SUBSCRIPTION', action, { subscriptionId: s.id, companyId: s.companyId, productId: s.productId, quantity: s.quantity, status: s.status });
}

export function companyEvent(c: { id: string; name: string; status: string }, action: string): SandboxEvent {
  return shaped('COMPANY', action, { companyId: c.id, name: c.name, status: c.status });
}

interface TopicDef {
  topic: string;
  name: string;
  description: string;
  actions: Array<{ action: string; description: string }>;
  fields: Array<{ field: string; description: string; value: string }>;
  /** The samplePayload's payloadData (after `action`): every delivery of the topic has exactly these keys. */
  sample: Record<string, unknown>;
}

const SAMPLE_COMPANY = '00000000-0000-4000-8000-000000000001';

export const TOPIC_DEFINITIONS: readonly TopicDef[] = [
  {
    topic: 'SUBSCRIPTION', name: 'Subscription', description: 'A subscription was provisioned, changed (quantity, price, term), cancelled or deleted',
    actions: [
      { action: 'CREATED', description: 'a new subscription' }, { action: 'UPDATED', description: 'quantity, price or term changed' },
      { action: 'CANCELLED', description: 'cancelled now or at a future date' }, { action: 'DELETED', description: 'removed' },
    ],
    fields: [
      { field: 'companyId', description: 'the company owning the subscription', value: '00000000-0000-4000-8000-000000000001' },
      { field: 'productId', description: 'the subscribed product', value: '00000000-0000-4000-8000-000000000002' },
    ],
    sample: { subscriptionId: '00000000-0000-4000-8000-000000000003', companyId: SAMPLE_COMPANY, productId: '00000000-0000-4000-8000-000000000002', quantity: 5, status: 'Active' },
  },
  {
    topic: 'COMPANY', name: 'Company', description: 'A company was created or changed (name, status)',
    actions: [{ action: 'CREATED', description: 'a new company' }, { action: 'UPDATED', description: 'name or status changed' }],
    fields: [{ field: 'companyId', description: 'the company', value: SAMPLE_COMPANY }],
    sample: { companyId: SAMPLE_COMPANY, name: 'Sample Company', status: 'Active' },
  },
  {
    topic: 'INVOICE', name: 'Invoice', description: 'Pax8 issued an invoice to the partner',
    actions: [{ action: 'CREATED', description: 'a new invoice' }],
    fields: [{ field: 'companyId', description: 'the company invoiced', value: SAMPLE_COMPANY }],
    sample: { invoiceId: '00000000-0000-4000-8000-000000000004', companyId: SAMPLE_COMPANY },
  },
];

export const TOPICS = TOPIC_DEFINITIONS.map((t) => t.topic);
const OPERATORS = ['EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'LESS_THAN', 'IN', 'NOT_IN', 'CONTAINS'];
/** Pax8 marks a delivery failed without an answer within 10 s. */
export const DELIVERY_TIMEOUT_MS = 10_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string) => new SandboxError(400, 'BAD_REQUEST', message);

function str(v: unknown, name: string, max = 2000): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw bad(`${name} must be a string of at most ${max} characters`);
  return v;
}

function httpUrl(v: unknown, name: string): string | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw bad(`${name} must be an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad(`${name} must be an http(s) URL`);
  if (u.search !== '' || s.includes('?')) throw bad(`${name} must not contain a query string`);
  return s;
}

function threshold(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 20) throw bad('errorThreshold must be an integer from 0 to 20');
  return v;
}

/** AddWebhookTopic[] → topics with ids; unknown topics, unknown actions and duplicate topics are refused. */
export function parseTopics(v: unknown): SandboxWebhookTopic[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad('webhookTopics must be an array');
  const seen = new Set<string>();
  return v.map((t, i) => {
    if (!isObj(t) || typeof t.topic !== 'string') throw bad(`webhookTopics[${i}].topic is required`);
    const def = TOPIC_DEFINITIONS.find((d) => d.topic === t.topic);
    if (!def) throw bad(`Unknown topic ${t.topic}; available topics: ${TOPICS.join(', ')}`);
    if (seen.has(t.topic)) throw bad(`Topic ${t.topic} is already present on this webhook`);
    seen.add(t.topic);
    if (!Array.isArray(t.filters)) throw bad(`webhookTopics[${i}].filters is required (an array of {action, conditions})`);
    return { id: randomUUID(), topic: t.topic, filters: parseFilters(t.filters, def, `webhookTopics[${i}]`) };
  });
}

function parseFilters(v: unknown[], def: TopicDef, where: string): SandboxWebhookFilter[] {
  return v.map((f, i) => {
    if (!isObj(f) || typeof f.action !== 'string') throw bad(`${where}.filters[${i}].action is required`);
    if (!def.actions.some((a) => a.action === f.action)) throw bad(`Unknown action ${f.action} for topic ${def.topic}`);
    const conditions = f.conditions;
    if (!Array.isArray(conditions)) throw bad(`${where}.filters[${i}].conditions is required (an array)`);
    return {
      action: f.action,
      conditions: conditions.map((c, j) => {
        if (!isObj(c) || typeof c.field !== 'string' || typeof c.operator !== 'string' || !Array.isArray(c.value) || !c.value.every((x) => typeof x === 'string')) {
          throw bad(`${where}.filters[${i}].conditions[${j}] needs field, operator and value (strings)`);
        }
        if (!OPERATORS.includes(c.operator)) throw bad(`Unknown operator ${c.operator}`);
        if (!def.fields.some((x) => x.field === c.field)) throw bad(`Unknown filter field ${c.field} for topic ${def.topic}`);
        return { field: c.field, operator: c.operator, value: c.value as string[] };
      }),
    };
  });
}

/** A topic delivers the actions its filters name (all conditions true): no filters, nothing delivered. */
function matches(t: SandboxWebhookTopic, e: SandboxEvent): boolean {
  if (t.topic !== e.topic) return false;
  return t.filters.some((f) => f.action === e.action && f.conditions.every((c) => {
    const v = e.data[c.field] === undefined || e.data[c.field] === null ? '' : String(e.data[c.field]);
    switch (c.operator) {
      case 'EQUALS': return v === c.value[0];
      case 'NOT_EQUALS': return v !== c.value[0];
      case 'IN': return c.value.includes(v);
      case 'NOT_IN': return !c.value.includes(v);
      case 'CONTAINS': return c.value.some((x) => v.includes(x));
      case 'GREATER_THAN': return Number(v) > Number(c.value[0]);
      case 'LESS_THAN': return Number(v) < Number(c.value[0]);
      default: return false;
    }
  }));
}

export interface WebhookOptions {
  /** Delay between delivery retries. Default 1000 ms. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export class SandboxWebhooks {
  readonly byId = new Map<string, SandboxWebhook>();
  readonly logs: SandboxWebhookLog[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelayMs: number;
  private readonly fetchFn: typeof fetch;
  /** Set when the sandbox closes: nothing more is delivered. */
  closed = false;

  constructor(readonly accountId: string, private readonly clock: SandboxClock, opts: WebhookOptions = {}) {
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    this.fetchFn = opts.fetch ?? ((i, init) => globalThis.fetch(i, init));
  }

  list(): SandboxWebhook[] {
    return [...this.byId.values()].sort((a, b) => a.createdMs - b.createdMs || a.id.localeCompare(b.id));
  }

  require(id: string): SandboxWebhook {
    const w = this.byId.get(id);
    if (!w) throw new SandboxError(404, 'NOT_FOUND', `Webhook with id ${id} not found`);
    return w;
  }

  create(body: unknown): SandboxWebhook {
    if (!isObj(body)) throw bad('body must be a JSON object');
    const displayName = str(body.displayName, 'displayName', 200);
    if (!displayName) throw bad('displayName is required');
    if (body.active !== undefined && typeof body.active !== 'boolean') throw bad('active must be a boolean');
    const now = this.clock.nowMs();
    const w: SandboxWebhook = {
      id: randomUUID(), accountId: this.accountId, displayName, active: body.active === true, errorThreshold: threshold(body.errorThreshold) ?? 3,
      webhookTopics: parseTopics(body.webhookTopics), createdMs: now, updatedMs: now,
    };
    const url = httpUrl(body.url, 'url');
    if (url) w.url = url;
    const authorization = str(body.authorization, 'authorization', 1000);
    if (authorization) w.authorization = authorization;
    const contactEmail = str(body.contactEmail, 'contactEmail', 320);
    if (contactEmail) w.contactEmail = contactEmail;
    const integrationId = str(body.integrationId, 'integrationId', 64);
    if (integrationId) w.integrationId = integrationId;
    this.byId.set(w.id, w);
    return w;
  }

  delete(id: string): void {
    this.require(id);
    this.byId.delete(id);
  }

  setStatus(id: string, body: unknown): SandboxWebhook {
    const w = this.require(id);
    if (!isObj(body) || typeof body.active !== 'boolean') throw bad('active (boolean) is required');
    w.active = body.active;
    w.updatedMs = this.clock.nowMs();
    return w;
  }

  /** UpdateWebhookConfiguration replaces the configuration details it names. */
  configure(id: string, body: unknown): SandboxWebhook {
    const w = this.require(id);
    if (!isObj(body)) throw bad('body must be a JSON object');
    const displayName = str(body.displayName, 'displayName', 200);
    const url = httpUrl(body.url, 'url');
    const authorization = str(body.authorization, 'authorization', 1000);
    const contactEmail = str(body.contactEmail, 'contactEmail', 320);
    const t = threshold(body.errorThreshold);
    if (displayName !== undefined) w.displayName = displayName;
    if (url !== undefined) w.url = url;
    if (authorization !== undefined) w.authorization = authorization;
    if (contactEmail !== undefined) w.contactEmail = contactEmail;
    if (t !== undefined) w.errorThreshold = t;
    w.updatedMs = this.clock.nowMs();
    return w;
  }

  replaceTopics(id: string, body: unknown): SandboxWebhook {
    const w = this.require(id);
    if (!isObj(body) || !Array.isArray(body.webhookTopics)) throw bad('webhookTopics (array) is required');
    w.webhookTopics = parseTopics(body.webhookTopics);
    w.updatedMs = this.clock.nowMs();
    return w;
  }

  addTopic(id: string, body: unknown): SandboxWebhook {
    const w = this.require(id);
    const [t] = parseTopics([body]);
    if (w.webhookTopics.some((x) => x.topic === t!.topic)) throw bad(`Topic ${t!.topic} is already present on this webhook`);
    w.webhookTopics.push(t!);
    w.updatedMs = this.clock.nowMs();
    return w;
  }

  removeTopic(id: string, topicId: string): void {
    const w = this.require(id);
    const before = w.webhookTopics.length;
    w.webhookTopics = w.webhookTopics.filter((t) => t.id !== topicId);
    if (w.webhookTopics.length === before) throw new SandboxError(404, 'NOT_FOUND', `Topic with id ${topicId} not found on webhook ${id}`);
    w.updatedMs = this.clock.nowMs();
  }

  /** POST /webhooks/{id}/topics/{topic}/test: the topic's sample payload (its placeholder ids name nothing real), sent now. */
  test(id: string, topic: string): SandboxWebhookLog {
    const w = this.require(id);
    const t = w.webhookTopics.find((x) => x.topic === topic);
    if (!t) throw bad(`Webhook ${id} is not subscribed to ${topic}`);
    const def = TOPIC_DEFINITIONS.find((d) => d.topic === topic)!;
    return this.send(w, t, { topic, action: def.actions[0]!.action, data: { ...def.sample } });
  }

  /** A mutation happened: deliver it to every active webhook whose topic and filters match. */
  emit(e: SandboxEvent): void {
    if (this.closed) return;
    for (const w of this.list()) {
      if (!w.active || !w.url) continue;
      const t = w.webhookTopics.find((x) => matches(x, e));
      if (t) this.send(w, t, e);
    }
  }

  /** Resolves once every delivery started so far has finished (with its retries). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  payload(w: SandboxWebhook, t: SandboxWebhookTopic, e: SandboxEvent): Record<string, unknown> {
    return {
      accountId: w.accountId, url: w.url ?? '', webhookId: w.id, sentAt: formatZulu(this.clock.nowMs()),
      webhookTopic: { id: t.id, topic: t.topic, filters: t.filters },
      payloadData: { action: e.action, ...e.data },
    };
  }

  private send(w: SandboxWebhook, t: SandboxWebhookTopic, e: SandboxEvent): SandboxWebhookLog {
    const log: SandboxWebhookLog = { id: randomUUID(), webhookId: w.id, webhookName: w.displayName, topic: t.topic, finalStatus: 'PENDING', callHistory: [], createdMs: this.clock.nowMs() };
    this.logs.push(log);
    const url = w.url!;
    const authorization = w.authorization;
    const first: SandboxWebhookCall = { id: randomUUID(), timestampMs: this.clock.nowMs(), status: 'PENDING', payload: this.payload(w, t, e) };
    log.callHistory.push(first);
    const run = async () => {
      for (let attempt = 0; attempt <= w.errorThreshold; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, this.retryDelayMs));
        let call = first;
        if (attempt > 0) {
          call = { id: randomUUID(), timestampMs: this.clock.nowMs(), status: 'PENDING', payload: this.payload(w, t, e) };
          log.callHistory.push(call);
        }
        const payload = call.payload;
        try {
          const res = await this.fetchFn(url, {
            method: 'POST', body: JSON.stringify(payload), signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
            headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          });
          await res.arrayBuffer().catch(() => undefined);
          call.httpStatusCode = res.status;
          if (res.ok) {
            call.status = 'SUCCESS';
            log.finalStatus = w.lastDeliveryStatus = 'SUCCESS';
            return;
          }
          call.errorMessage = `HTTP ${res.status}`;
        } catch (err) {
          call.errorMessage = err instanceof Error ? err.message : String(err);
        }
        call.status = 'FAILED';
        log.finalStatus = w.lastDeliveryStatus = attempt < w.errorThreshold ? 'RETRYING' : 'FAILED';
      }
    };
    const p = run().finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return log;
  }
}

export function renderWebhook(w: SandboxWebhook): Record<string, unknown> {
  return {
    id: w.id, accountId: w.accountId, displayName: w.displayName, ...(w.url !== undefined ? { url: w.url } : {}),
    active: w.active, ...(w.contactEmail !== undefined ? { contactEmail: w.contactEmail } : {}), errorThreshold: w.errorThreshold,
    ...(w.integrationId !== undefined ? { integrationId: w.integrationId } : {}),
    webhookTopics: w.webhookTopics.map((t) => ({ id: t.id, topic: t.topic, filters: t.filters })),
    ...(w.lastDeliveryStatus ? { lastDeliveryStatus: w.lastDeliveryStatus } : {}),
    createdAt: formatZulu(w.createdMs), updatedAt: formatZulu(w.updatedMs),
  };
}

export function renderLog(l: SandboxWebhookLog): Record<string, unknown> {
  return {
    id: l.id, webhookId: l.webhookId, webhookName: l.webhookName, finalStatus: l.finalStatus, createdAt: formatZulu(l.createdMs),
    callHistory: l.callHistory.map((c) => ({
      id: c.id, timestamp: formatZulu(c.timestampMs), status: c.status, ...(c.errorMessage ? { errorMessage: c.errorMessage } : {}),
      ...(c.httpStatusCode !== undefined ? { httpStatusCode: c.httpStatusCode } : {}), payload: c.payload,
    })),
  };
}

export function renderTopicDefinition(d: TopicDef, accountId: string): Record<string, unknown> {
  return {
    topic: d.topic, name: d.name, description: d.description,
    availableFilters: d.actions.map((a) => ({
      action: a.action, actionDisplayName: a.action.charAt(0) + a.action.slice(1).toLowerCase(), description: a.description,
      conditions: d.fields.map((f) => ({ field: f.field, operator: ['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN'], dataType: 'String', description: f.description, value: f.value })),
    })),
    samplePayload: {
      accountId, url: 'https://example.com/webhooks', webhookId: '00000000-0000-4000-8000-00000000000a', sentAt: '2026-11-15T12:00:00Z',
      webhookTopic: { id: '00000000-0000-4000-8000-00000000000b', topic: d.topic, filters: [] },
      payloadData: { action: d.actions[0]!.action, ...d.sample },
    },
  };
}
