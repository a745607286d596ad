import { backoffDelay, rateLimitDelay } from './backoff.js';
import type { ResolvedConfig } from './config.js';
import { Pax8Error, type Pax8ErrorKind } from './errors.js';
import { attempt, type AttemptOutcome } from './http-attempt.js';
import { Scheduler } from './scheduler.js';
import type { TenantClientState } from './tenant-state.js';
import { readTokenBody, TokenCache } from './token.js';

export type QueryValue = string | number | boolean | null | undefined;

export interface CallOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** Checks a 2xx body; a returned text makes it an `invalid_response` (retried). */
  validate?: (json: unknown) => string | undefined;
  /** Narrows which retryable kinds are retried (testConnection retries fewer). */
  retryOn?: (kind: Pax8ErrorKind) => boolean;
  /** Instead of apiBaseUrl (the webhooks API lives under another base). */
  baseUrl?: string;
}

type Failure = Extract<AttemptOutcome, { ok: false }>;

/** Auth, pacing, timeouts and retries shared by every call of one client. */
export class Transport {
  readonly tokens: TokenCache;
  readonly scheduler: Scheduler;
  readonly #secret: string;

  /** `shared`: the token and pacer every client of the tenant uses in this process (tenant-state.ts); else its own. */
  constructor(private readonly cfg: ResolvedConfig, secret: string, shared?: TenantClientState) {
    this.#secret = secret;
    this.scheduler = new Scheduler(cfg.concurrency, shared?.pacer ?? cfg.rateLimitPerMinute, cfg.requestBudget);
    this.tokens = shared?.tokens ?? new TokenCache(() => this.requestToken(), cfg.now, cfg.tokenRefreshSkewMs);
  }

  /** `path` is relative to apiBaseUrl, e.g. `/subscriptions`. Resolves to the parsed JSON body. */
  async call(method: string, path: string, opts: CallOptions = {}): Promise<unknown> {
    const url = buildUrl((opts.baseUrl ?? this.cfg.apiBaseUrl) + path, opts.query);
    const endpoint = `${method} ${path}`;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    let retried401 = false;
    return this.withRetries(endpoint, opts, async () => {
      const token = await this.tokens.get(() => this.requestToken());
      const out = await this.send(method, url, { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body, opts);
      if (!out.ok && out.status === 401 && !retried401) {
        // The token died early (revoked, clock skew): one fresh token, one more try.
        retried401 = true;
        this.tokens.invalidate(token);
        this.log('info', { endpoint }, 'pax8 401, refreshing token once');
        return 'again';
      }
      if (!out.ok && out.status === 401) return { ...out, detail: 'the API refused a freshly issued token' };
      return out;
    });
  }

  /** Fetches a token from the token URL (no cache). */
  async requestToken(retryOn?: (kind: Pax8ErrorKind) => boolean): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const body = JSON.stringify({
      client_id: this.cfg.clientId,
      client_secret: this.#secret,
      audience: this.cfg.audience,
      grant_type: 'client_credentials',
    });
    const endpoint = `POST ${this.cfg.tokenUrl}`;
    const json = await this.withRetries(endpoint, { retryOn, validate: (j) => (readTokenBody(j) ? undefined : 'token response has no access_token') }, async () => {
      const out = await this.send('POST', this.cfg.tokenUrl, { 'content-type': 'application/json' }, body, {});
      // The token endpoint answers bad credentials with 400/401 `access_denied`.
      if (!out.ok && (out.status === 400 || out.status === 401)) return { ...out, kind: 'bad_credentials', retryable: false };
      return out;
    });
    return readTokenBody(json)!;
  }

  private async send(method: string, url: string, headers: Record<string, string>, body: string | undefined, opts: CallOptions): Promise<AttemptOutcome> {
    const out = await this.scheduler.run(
      () => attempt({ url, method, headers: { accept: 'application/json', ...headers }, body, timeoutMs: this.cfg.timeoutMs, signal: opts.signal, fetch: this.cfg.fetch, now: this.cfg.now }),
      opts.signal,
    );
    if (out.ok && opts.validate) {
      const problem = opts.validate(out.json);
      if (problem) return { ok: false, kind: 'invalid_response', retryable: true, status: out.status, detail: problem };
    }
    return out;
  }

  private async withRetries(endpoint: string, opts: CallOptions, once: () => Promise<AttemptOutcome | 'again'>): Promise<unknown> {
    let attempts = 0;
    let retries = 0;
    const limited = { retries: 0, waitedMs: 0 };
    for (;;) {
      attempts++;
      const out = await once();
      if (out === 'again') continue;
      if (out.ok) return out.json;
      if (out.kind === 'rate_limited' && this.cfg.maxRetries > 0 && (opts.retryOn?.(out.kind) ?? true)) {
        await this.waitOutRateLimit(endpoint, opts, out, attempts, limited);
        continue;
      }
      const retry = out.retryable && retries < this.cfg.maxRetries && (opts.retryOn?.(out.kind) ?? true);
      if (!retry) throw this.error(out, endpoint, attempts);
      const delay = out.retryAfterMs ?? backoffDelay(retries, this.cfg.retryBaseMs, this.cfg.retryMaxDelayMs, this.cfg.random);
      if (out.retryAfterMs !== undefined && this.cfg.realTime) this.scheduler.pauseUntil(Date.now() + out.retryAfterMs);
      retries++;
      this.log('warn', { endpoint, attempt: attempts, kind: out.kind, status: out.status, delayMs: delay, detail: out.detail }, 'pax8 request failed, retrying');
      await this.cfg.sleep(delay, opts.signal);
    }
  }

  /**
   * A 429: waits what `Retry-After` asks (every request of the tenant waits with it), or backs off until the wait adds
   * up to rateLimitWaitMs (the last wait is cut to what is left, so the final try comes after the whole budget).
   * Throws when the budget is spent or a Retry-After asks for more than is left.
   */
  private async waitOutRateLimit(endpoint: string, opts: CallOptions, out: Failure, attempts: number, limited: { retries: number; waitedMs: number }): Promise<void> {
    const left = this.cfg.rateLimitWaitMs - limited.waitedMs;
    const asked = out.retryAfterMs;
    if (left <= 0) throw this.error({ ...out, detail: `still rate limited after waiting ${Math.round(limited.waitedMs / 1000)} s` }, endpoint, attempts);
    if (asked !== undefined && asked > left) {
      throw this.error({ ...out, detail: `rate limited; Retry-After asks ${Math.ceil(asked / 1000)} s, more than the ${Math.round(left / 1000)} s left to wait` }, endpoint, attempts);
    }
    const delay = asked ?? Math.min(left, rateLimitDelay(limited.retries, this.cfg.retryBaseMs, this.cfg.retryMaxDelayMs, this.cfg.random));
    if (asked !== undefined && this.cfg.realTime) this.scheduler.pauseUntil(Date.now() + asked);
    limited.retries++;
    limited.waitedMs += delay;
    this.log('warn', { endpoint, attempt: attempts, kind: out.kind, status: out.status, delayMs: delay, retryAfter: asked !== undefined }, 'pax8 rate limited, waiting');
    await this.cfg.sleep(delay, opts.signal);
  }

  private error(out: Failure, endpoint: string, attempts: number): Pax8Error {
    const err = new Pax8Error({
      kind: out.kind,
      tenantId: this.cfg.tenantId,
      tenantName: this.cfg.tenantName,
      endpoint,
      attempts,
      status: out.status,
      reasons: out.reasons,
      body: out.body,
      cause: out.cause,
      detail: out.detail,
    });
    this.log('error', { endpoint, attempts, kind: out.kind, status: out.status }, err.message);
    return err;
  }

  private log(level: 'info' | 'warn' | 'error', obj: object, msg: string): void {
    this.cfg.logger?.[level]?.({ tenantId: this.cfg.tenantId, tenantName: this.cfg.tenantName, ...obj }, msg);
  }
}

export function buildUrl(base: string, query?: Record<string, QueryValue>): string {
  if (!query) return base;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${base}?${qs}` : base;
}
