import { setTimeout as sleep } from 'node:timers/promises';

export interface Pax8Logger {
  debug?(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
  error?(obj: object, msg: string): void;
}

/** A request budget shared beyond this process: `take` resolves when one more request may start. */
export interface RequestBudget {
  take(signal?: AbortSignal): Promise<void>;
}

export interface Pax8ClientConfig {
  tenantId: string;
  tenantName: string;
  clientId: string;
  clientSecret: string;
  /** Default https://api.pax8.com/v1/token */
  tokenUrl?: string;
  /** Default https://api.pax8.com */
  audience?: string;
  /** Default https://api.pax8.com/v1 */
  apiBaseUrl?: string;
  /**
   * Base of the webhooks API (its paths start with /webhooks). Default: derived from apiBaseUrl, whose trailing
   * `/v1` becomes `/api/v2` (https://api.pax8.com/v1 → https://api.pax8.com/api/v2, as Pax8 publishes it).
   */
  webhooksApiUrl?: string;
  /** Per attempt, covering headers and body. Default 30 000. */
  timeoutMs?: number;
  /** Retries after the first attempt (429s aside: see rateLimitWaitMs). Default 5; 0 retries nothing, not even a 429. */
  maxRetries?: number;
  /**
   * How long one request keeps retrying 429s, waiting in total: a `Retry-After` (seconds or HTTP date) is waited exactly
   * (a longer one fails the request at once), otherwise backoff that outlasts Pax8's one-minute window. Default 65 000.
   */
  rateLimitWaitMs?: number;
  /** Backoff: full jitter over min(retryMaxDelayMs, retryBaseMs * 2^retry). Defaults 500 and 30 000. */
  retryBaseMs?: number;
  retryMaxDelayMs?: number;
  /** Pacing of all requests of this client. Default 1000; null disables pacing. */
  rateLimitPerMinute?: number | null;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Pages requested while the consumer reads the current one (at least 1). Default 2. */
  prefetchPages?: number;
  /** Default 200 (Pax8's maximum). */
  pageSize?: number;
  /** Refresh the token this long before it expires. Default min(60 s, 10 % of its lifetime). */
  tokenRefreshSkewMs?: number;
  logger?: Pax8Logger;
  /**
   * Share the tenant's one token and one pacer with every other client of the same connection in this process
   * (tenant-state.ts). Default true, except for a client given a fetch, clock or random source of its own (tests).
   */
  shareTenantState?: boolean;
  /** The shared pacer's memory, for a client built in another thread (the import's client thread). */
  pacerBuffer?: SharedArrayBuffer;
  /** The tenant's request budget across processes (src/tenants/request-budget.ts): each request start takes one. */
  requestBudget?: RequestBudget;
  /** For tests. */
  fetch?: typeof fetch;
  random?: () => number;
  now?: () => number;
  /** Waits between retries (tests pass one that advances their clock). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const PAX8_DEFAULTS = {
  tokenUrl: 'https://api.pax8.com/v1/token',
  audience: 'https://api.pax8.com',
  apiBaseUrl: 'https://api.pax8.com/v1',
  timeoutMs: 30_000,
  maxRetries: 5,
  rateLimitWaitMs: 65_000,
  retryBaseMs: 500,
  retryMaxDelayMs: 30_000,
  rateLimitPerMinute: 1000,
  concurrency: 4,
  prefetchPages: 2,
  pageSize: 200,
} as const;

/** The webhooks API base next to a partner API base: `…/v1` → `…/api/v2`, otherwise `<base>/api/v2`. */
export function webhooksApiUrlFor(apiBaseUrl: string): string {
  const base = apiBaseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base.slice(0, -3)}/api/v2` : `${base}/api/v2`;
}

export type ResolvedConfig = Required<Omit<Pax8ClientConfig, 'logger' | 'tokenRefreshSkewMs' | 'rateLimitPerMinute' | 'clientSecret' | 'shareTenantState' | 'pacerBuffer' | 'requestBudget'>> & {
  requestBudget?: RequestBudget;
  /** Whether `sleep` is real time (the pacer's pause after a Retry-After is real time). */
  realTime: boolean;
  rateLimitPerMinute: number | null;
  tokenRefreshSkewMs?: number;
  logger?: Pax8Logger;
};

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`Pax8 client: ${name} must be a positive number`);
  return v;
}

/** Whether a client of this configuration uses the tenant's shared token and pacer. */
export function sharesTenantState(c: Pax8ClientConfig): boolean {
  return c.shareTenantState ?? (c.fetch === undefined && c.now === undefined && c.random === undefined);
}

/** Everything but the secret, which the client keeps in a private field. */
export function resolveConfig(c: Pax8ClientConfig): ResolvedConfig {
  if (!c.tenantId) throw new TypeError('Pax8 client: tenantId is required');
  if (!c.clientId || !c.clientSecret) throw new TypeError(`Pax8 client for tenant ${c.tenantId}: clientId and clientSecret are required`);
  const rate = c.rateLimitPerMinute === undefined ? PAX8_DEFAULTS.rateLimitPerMinute : c.rateLimitPerMinute;
  const apiBaseUrl = (c.apiBaseUrl || PAX8_DEFAULTS.apiBaseUrl).replace(/\/+$/, '');
  return {
    tenantId: c.tenantId,
    tenantName: c.tenantName ?? c.tenantId,
    clientId: c.clientId,
    tokenUrl: c.tokenUrl || PAX8_DEFAULTS.tokenUrl,
    audience: c.audience || PAX8_DEFAULTS.audience,
    apiBaseUrl,
    webhooksApiUrl: (c.webhooksApiUrl || webhooksApiUrlFor(apiBaseUrl)).replace(/\/+$/, ''),
    timeoutMs: positive('timeoutMs', c.timeoutMs ?? PAX8_DEFAULTS.timeoutMs),
    maxRetries: Math.max(0, Math.floor(c.maxRetries ?? PAX8_DEFAULTS.maxRetries)),
    rateLimitWaitMs: Math.max(0, c.rateLimitWaitMs ?? PAX8_DEFAULTS.rateLimitWaitMs),
    retryBaseMs: Math.max(0, c.retryBaseMs ?? PAX8_DEFAULTS.retryBaseMs),
    retryMaxDelayMs: Math.max(0, c.retryMaxDelayMs ?? PAX8_DEFAULTS.retryMaxDelayMs),
    rateLimitPerMinute: rate === null ? null : positive('rateLimitPerMinute', rate),
    concurrency: Math.floor(positive('concurrency', c.concurrency ?? PAX8_DEFAULTS.concurrency)),
    prefetchPages: Math.max(0, Math.floor(c.prefetchPages ?? PAX8_DEFAULTS.prefetchPages)),
    pageSize: Math.min(200, Math.floor(positive('pageSize', c.pageSize ?? PAX8_DEFAULTS.pageSize))),
    tokenRefreshSkewMs: c.tokenRefreshSkewMs,
    logger: c.logger,
    fetch: c.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    random: c.random ?? Math.random,
    now: c.now ?? Date.now,
    sleep: c.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal })),
    realTime: c.sleep === undefined,
    requestBudget: c.requestBudget,
  };
}
