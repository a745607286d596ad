import { inspect } from 'node:util';
import type { Decimal } from 'decimal.js';
import type { z } from 'zod';
import { compileSchema, FAIL } from '../schemas/compiled.js';
import { companySchema, type Company } from '../schemas/company.js';
import { invoiceItemSchema, invoiceSchema, type Invoice, type InvoiceItem } from '../schemas/invoice.js';
import {
  dependenciesSchema, pricingSchema, productSchema, provisioningDetailSchema, type Dependencies, type Pricing, type Product, type ProvisioningDetail,
} from '../schemas/product.js';
import { subscriptionSchema, type Subscription } from '../schemas/subscription.js';
import { usageLineSchema, usageSummarySchema, type UsageLine, type UsageSummary } from '../schemas/usage.js';
import { topicDefinitionSchema, webhookSchema, type TopicDefinition, type Webhook } from '../schemas/webhook.js';
import { resolveConfig, sharesTenantState, type Pax8ClientConfig, type ResolvedConfig } from './config.js';
import { Pax8Error } from './errors.js';
import { paginate, Pax8RecordError, unpaged, type Pax8Item } from './paging.js';
import { describeConnectionFailure, type TestConnectionResult } from './test-connection.js';
import { tenantClientState } from './tenant-state.js';
import { Transport, type QueryValue } from './transport.js';

export type Pax8List<T> = AsyncIterable<Pax8Item<T>>;

export interface ListOptions {
  signal?: AbortSignal;
  /** Pax8 `sort`, e.g. `name,asc`. */
  sort?: string;
}
export interface CompanyFilters extends ListOptions {
  status?: string; city?: string; country?: string; stateOrProvince?: string; postalCode?: string;
  selfServiceAllowed?: boolean; billOnBehalfOfEnabled?: boolean; orderApprovalRequired?: boolean;
}
export interface ProductFilters extends ListOptions { search?: string; vendorName?: string }
export interface SubscriptionFilters extends ListOptions { companyId?: string; productId?: string; status?: string; billingTerm?: string }
export interface UsageSummaryFilters extends ListOptions { resourceGroup?: string; companyId?: string }
export interface UsageLineFilters extends ListOptions { productId?: string }
export interface InvoiceFilters extends ListOptions {
  status?: string; invoiceDate?: string; invoiceDateRangeStart?: string; invoiceDateRangeEnd?: string; dueDate?: string; companyId?: string;
}
export interface DraftInvoiceItemFilters extends ListOptions { monthOffset?: number; companyId?: string }
/** GET /webhooks filters (`sort` as `field:asc|desc` here). */
export interface WebhookFilters extends ListOptions { query?: string; active?: boolean; topic?: string; status?: string; accountId?: string }

/** One topic of a webhook: `filters` narrow it to actions (empty = every action). */
export interface WebhookTopicInput { topic: string; filters: Array<{ action: string; conditions: Array<{ field: string; operator: string; value: string[] }> }> }
/** Body of POST /webhooks (CreateWebhook). `authorization` is a secret: this client never logs it. */
export interface CreateWebhookInput {
  displayName: string;
  url?: string;
  authorization?: string;
  active?: boolean;
  contactEmail?: string;
  errorThreshold?: number;
  integrationId?: string;
  webhookTopics?: WebhookTopicInput[];
}
/** Body of POST /webhooks/{id}/configuration (UpdateWebhookConfiguration). */
export interface WebhookConfigurationInput { displayName?: string; url?: string; authorization?: string; contactEmail?: string; errorThreshold?: number }

/** Body of PUT /subscriptions/{id}; quantity is a whole number. */
export interface SubscriptionUpdate {
  quantity?: number | Decimal;
  billingTerm?: string;
  commitmentTermId?: string;
  startDate?: string;
  [field: string]: unknown;
}

/** One Pax8 API client per tenant (partner credentials). */
export class Pax8Client {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly #cfg: ResolvedConfig;
  readonly #transport: Transport;

  constructor(config: Pax8ClientConfig) {
    this.#cfg = resolveConfig(config);
    this.tenantId = this.#cfg.tenantId;
    this.tenantName = this.#cfg.tenantName;
    const shared = sharesTenantState(config) ? tenantClientState(this.#cfg, config.clientSecret, config.pacerBuffer) : undefined;
    this.#transport = new Transport(this.#cfg, config.clientSecret, shared);
  }

  companies(filters: CompanyFilters = {}): Pax8List<Company> {
    return this.#list('/companies', filters, companySchema);
  }
  company(id: string, opts: ListOptions = {}): Promise<Company> {
    return this.#one(`/companies/${seg(id)}`, companySchema, opts);
  }
  products(filters: ProductFilters = {}): Pax8List<Product> {
    return this.#list('/products', filters, productSchema);
  }
  product(id: string, opts: ListOptions = {}): Promise<Product> {
    return this.#one(`/products/${seg(id)}`, productSchema, opts);
  }
  productPricing(id: string, companyId?: string, opts: ListOptions = {}): Pax8List<Pricing> {
    return unpaged(this.#transport, `/products/${seg(id)}/pricing`, { companyId }, pricingSchema, opts.signal);
  }
  /** GET /products/{id}/provision-details: what Pax8 asks with an order or a change of the product (a record Pax8 sends malformed is left out). */
  async productProvisionDetails(id: string, opts: ListOptions = {}): Promise<ProvisioningDetail[]> {
    const out: ProvisioningDetail[] = [];
    for await (const item of unpaged(this.#transport, `/products/${seg(id)}/provision-details`, {}, provisioningDetailSchema, opts.signal)) {
      if (item.record) out.push(item.record);
    }
    return out;
  }
  /** GET /products/{id}/dependencies: the product's commitment terms (what each allows during the term) and the products it requires. */
  productDependencies(id: string, opts: ListOptions = {}): Promise<Dependencies> {
    return this.#one(`/products/${seg(id)}/dependencies`, dependenciesSchema, opts);
  }
  subscriptions(filters: SubscriptionFilters = {}): Pax8List<Subscription> {
    return this.#list('/subscriptions', filters, subscriptionSchema);
  }
  subscription(id: string, opts: ListOptions = {}): Promise<Subscription> {
    return this.#one(`/subscriptions/${seg(id)}`, subscriptionSchema, opts);
  }
  subscriptionHistory(id: string, opts: ListOptions = {}): Pax8List<Subscription> {
    return unpaged(this.#transport, `/subscriptions/${seg(id)}/history`, {}, subscriptionSchema, opts.signal);
  }
  /** A refusal (e.g. a decrease inside a commitment) throws Pax8Error kind 'rejected' with Pax8's reasons. */
  async updateSubscription(id: string, update: SubscriptionUpdate, opts: ListOptions = {}): Promise<Subscription> {
    const body: Record<string, unknown> = { ...update };
    if (update.quantity !== undefined) body.quantity = wholeNumber(update.quantity);
    const path = `/subscriptions/${seg(id)}`;
    const json = await this.#transport.call('PUT', path, { body, signal: opts.signal });
    return this.#validateOne(json, `PUT ${path}`, subscriptionSchema);
  }
  usageSummaries(subscriptionId: string, filters: UsageSummaryFilters = {}): Pax8List<UsageSummary> {
    return this.#list(`/subscriptions/${seg(subscriptionId)}/usage-summaries`, filters, usageSummarySchema);
  }
  usageSummary(id: string, opts: ListOptions = {}): Promise<UsageSummary> {
    return this.#one(`/usage-summaries/${seg(id)}`, usageSummarySchema, opts);
  }
  /** usageDate is 'YYYY-MM-DD' (required by Pax8). */
  usageLines(summaryId: string, usageDate: string, filters: UsageLineFilters = {}): Pax8List<UsageLine> {
    return this.#list(`/usage-summaries/${seg(summaryId)}/usage-lines`, { ...filters, usageDate } as ListOptions, usageLineSchema);
  }
  /**
   * Every line of a summary on each of `dates`, each day listed in full (the days in parallel, within the client's
   * concurrency): the items of `dates[i]` are at index i. A day whose listing fails fails the whole call.
   */
  async usageLinesOfDays(summaryId: string, dates: readonly string[], filters: UsageLineFilters = {}): Promise<Pax8Item<UsageLine>[][]> {
    return Promise.all(dates.map(async (date) => {
      const items: Pax8Item<UsageLine>[] = [];
      for await (const item of this.usageLines(summaryId, date, filters)) items.push(item);
      return items;
    }));
  }
  invoices(filters: InvoiceFilters = {}): Pax8List<Invoice> {
    return this.#list('/invoices', filters, invoiceSchema);
  }
  invoiceItems(invoiceId: string, opts: ListOptions = {}): Pax8List<InvoiceItem> {
    return this.#list(`/invoices/${seg(invoiceId)}/items`, opts, invoiceItemSchema);
  }
  draftInvoiceItems(filters: DraftInvoiceItemFilters = {}): Pax8List<InvoiceItem> {
    return this.#list('/invoices/draftItems', filters, invoiceItemSchema);
  }

  // --- webhooks API (base webhooksApiUrl, e.g. https://api.pax8.com/api/v2) ------------------------------

  /**
   * Every topic Pax8 offers (GET /webhooks/topic-definitions). The published spec answers a page, its numbers beside
   * `content`; Pax8's own CLI also accepts a plain array of definitions, which is then the whole list.
   */
  async topicDefinitions(opts: ListOptions & { topic?: string; search?: string } = {}): Promise<TopicDefinition[]> {
    const out: TopicDefinition[] = [];
    const path = '/webhooks/topic-definitions';
    for (let page = 0; page < 50; page++) {
      const json = await this.#transport.call('GET', path, {
        baseUrl: this.#cfg.webhooksApiUrl, signal: opts.signal, query: { page, size: 200, topic: opts.topic, search: opts.search, sort: opts.sort },
        validate: (j) => (Array.isArray(j) || (j && typeof j === 'object' && Array.isArray((j as { content?: unknown }).content)) ? undefined : 'neither a content array nor an array'),
      }) as unknown[] | { content: unknown[]; totalPages?: unknown };
      const content = Array.isArray(json) ? json : json.content;
      for (const raw of content) out.push(this.#validateOne(raw, `GET ${path}`, topicDefinitionSchema));
      if (Array.isArray(json)) break;
      const total = typeof json.totalPages === 'number' ? json.totalPages : content.length >= 200 ? page + 2 : page + 1;
      if (page + 1 >= total || content.length === 0) break;
    }
    return out;
  }
  webhooks(filters: WebhookFilters = {}): Pax8List<Webhook> {
    const { signal, ...query } = filters;
    return paginate(this.#transport, '/webhooks', query as Record<string, QueryValue>, webhookSchema, {
      baseUrl: this.#cfg.webhooksApiUrl, pageSize: this.#cfg.pageSize, prefetchPages: this.#cfg.prefetchPages, signal,
    });
  }
  webhook(id: string, opts: ListOptions = {}): Promise<Webhook> {
    return this.#webhookCall('GET', `/webhooks/${seg(id)}`, undefined, opts);
  }
  /**
   * POST /webhooks. Not idempotent, so only a 429 (refused before any work) is retried; after a timeout, reset or
   * 5xx the webhook may exist anyway: find it by its URL (`webhooks({query})`) before creating another.
   */
  createWebhook(input: CreateWebhookInput, opts: ListOptions = {}): Promise<Webhook> {
    return this.#webhookCall('POST', '/webhooks', { ...input }, opts, (kind) => kind === 'rate_limited');
  }
  /** Replaces the configuration details given (url, authorization, displayName, contactEmail, errorThreshold). */
  updateWebhookConfiguration(id: string, input: WebhookConfigurationInput, opts: ListOptions = {}): Promise<Webhook> {
    return this.#webhookCall('POST', `/webhooks/${seg(id)}/configuration`, { ...input }, opts);
  }
  updateWebhookStatus(id: string, active: boolean, opts: ListOptions = {}): Promise<Webhook> {
    return this.#webhookCall('POST', `/webhooks/${seg(id)}/status`, { active }, opts);
  }
  replaceWebhookTopics(id: string, webhookTopics: WebhookTopicInput[], opts: ListOptions = {}): Promise<Webhook> {
    return this.#webhookCall('PUT', `/webhooks/${seg(id)}/topics`, { webhookTopics }, opts);
  }
  /** DELETE /webhooks/{id}; a webhook already gone throws Pax8Error kind 'not_found'. */
  async deleteWebhook(id: string, opts: ListOptions = {}): Promise<void> {
    await this.#transport.call('DELETE', `/webhooks/${seg(id)}`, { baseUrl: this.#cfg.webhooksApiUrl, signal: opts.signal });
  }

  async #webhookCall(method: string, path: string, body: unknown, opts: ListOptions, retryOn?: (kind: string) => boolean): Promise<Webhook> {
    const json = await this.#transport.call(method, path, { baseUrl: this.#cfg.webhooksApiUrl, body, signal: opts.signal, retryOn });
    return this.#validateOne(json, `${method} ${path}`, webhookSchema);
  }

  /** Fetches a fresh token and one page of companies; never throws. */
  async testConnection(opts: { signal?: AbortSignal } = {}): Promise<TestConnectionResult> {
    // Only rate limits and 5xx are worth a retry here; an unreachable host should answer fast.
    const retryOn = (kind: string) => kind === 'rate_limited' || kind === 'server_error';
    try {
      await this.#transport.tokens.refresh(() => this.#transport.requestToken(retryOn));
      await this.#transport.call('GET', '/companies', {
        query: { page: 0, size: 1 },
        signal: opts.signal,
        retryOn,
        validate: (j) => (j && typeof j === 'object' && Array.isArray((j as { content?: unknown }).content) ? undefined : 'no content array'),
      });
      return { ok: true };
    } catch (err) {
      return describeConnectionFailure(err);
    }
  }

  /** When the cached token expires (epoch ms), if there is one. */
  get tokenExpiresAt(): number | undefined {
    return this.#transport.tokens.expiresAt;
  }

  toJSON(): object {
    const c = this.#cfg;
    return { tenantId: c.tenantId, tenantName: c.tenantName, clientId: c.clientId, apiBaseUrl: c.apiBaseUrl, webhooksApiUrl: c.webhooksApiUrl, tokenUrl: c.tokenUrl, audience: c.audience };
  }
  toString(): string {
    return `Pax8Client(${this.tenantName} ${this.tenantId})`;
  }
  [inspect.custom](): string {
    return `Pax8Client ${JSON.stringify(this.toJSON())}`;
  }

  #list<S extends z.ZodType>(path: string, filters: ListOptions, schema: S): Pax8List<z.output<S>> {
    const { signal, ...query } = filters;
    return paginate(this.#transport, path, query as Record<string, QueryValue>, schema, {
      pageSize: this.#cfg.pageSize,
      prefetchPages: this.#cfg.prefetchPages,
      signal,
    });
  }

  async #one<S extends z.ZodType>(path: string, schema: S, opts: ListOptions): Promise<z.output<S>> {
    const json = await this.#transport.call('GET', path, { signal: opts.signal });
    return this.#validateOne(json, `GET ${path}`, schema);
  }

  #validateOne<S extends z.ZodType>(json: unknown, endpoint: string, schema: S): z.output<S> {
    const decode = compileSchema(schema);
    if (decode !== undefined) {
      const record = decode(json);
      if (record !== FAIL) return record as z.output<S>;
    }
    const r = schema.safeParse(json);
    if (r.success) return r.data;
    throw new Pax8RecordError(`invalid record from ${endpoint} for tenant "${this.tenantName}" (${this.tenantId}): ${r.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ')}`, json, endpoint);
  }
}

function seg(id: string): string {
  return encodeURIComponent(id);
}

function wholeNumber(q: number | Decimal): number {
  const n = typeof q === 'number' ? q : q.toNumber();
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`subscription quantity must be a whole number, got ${String(q)}`);
  return n;
}

export { Pax8Error };
