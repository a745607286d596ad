import { inspect } from 'node:util';
import type { Decimal } from 'decimal.js';
import type { z } from 'zod';
import { companySchema, type Company } from '../schemas/company.js';
import { invoiceItemSchema, invoiceSchema, type Invoice, type InvoiceItem } from '../schemas/invoice.js';
import { pricingSchema, productSchema, type Pricing, type Product } from '../schemas/product.js';
import { subscriptionSchema, type Subscription } from '../schemas/subscription.js';
import { usageLineSchema, usageSummarySchema, type UsageLine, type UsageSummary } from '../schemas/usage.js';
import { resolveConfig, type Pax8ClientConfig, type ResolvedConfig } from './config.js';
import { Pax8Error } from './errors.js';
import { paginate, Pax8RecordError, unpaged, type Pax8Item } from './paging.js';
import { describeConnectionFailure, type TestConnectionResult } from './test-connection.js';
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
    this.#transport = new Transport(this.#cfg, config.clientSecret);
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
  invoices(filters: InvoiceFilters = {}): Pax8List<Invoice> {
    return this.#list('/invoices', filters, invoiceSchema);
  }
  invoiceItems(invoiceId: string, opts: ListOptions = {}): Pax8List<InvoiceItem> {
    return this.#list(`/invoices/${seg(invoiceId)}/items`, opts, invoiceItemSchema);
  }
  draftInvoiceItems(filters: DraftInvoiceItemFilters = {}): Pax8List<InvoiceItem> {
    return this.#list('/invoices/draftItems', filters, invoiceItemSchema);
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
    return { tenantId: c.tenantId, tenantName: c.tenantName, clientId: c.clientId, apiBaseUrl: c.apiBaseUrl, tokenUrl: c.tokenUrl, audience: c.audience };
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
