import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Decimal } from 'decimal.js';
import { XeroApiError, isLockedReason, reasonsFrom } from './errors.js';
import { limiterFor, XERO_PACING, type ConnectionLimiter, type PacingLimits } from './limiter.js';
import {
  XERO_ENDPOINTS, XERO_SCOPES,
  type XeroAccount, type XeroConnection, type XeroContact, type XeroCreditNote, type XeroCreditNoteInput, type XeroEndpoints,
  type XeroInvoice, type XeroInvoiceInput, type XeroPagination, type XeroSession, type XeroTaxRate, type XeroTokenSet,
} from './types.js';

export interface XeroClientOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  endpoints?: XeroEndpoints;
  /** One organisation connection: calls with the same key share one limiter in this process. */
  connectionKey: string;
  fetch?: typeof fetch;
  /** The clock for token expiry (epoch ms). */
  now?: () => number;
  pacing?: PacingLimits;
  /**
   * The connection's budget shared with other processes (any object with `take(signal)`; Recurra's is
   * src/accounting/request-budget.ts): every Accounting API call, each retry included, takes one start from it once the
   * in-process limiter has let it go.
   */
  budget?: { take(signal?: AbortSignal): Promise<void> };
  /** Attempts for a 5xx or a network failure (default 3), and how many minute/concurrent 429s a call outwaits (default 6). */
  attempts?: number;
  rateLimitRetries?: number;
  backoffBaseMs?: number;
  timeoutMs?: number;
  random?: () => number;
}

type Query = Record<string, string | number | boolean | undefined>;

const PAGE_SIZE = 100;

/** `/Date(1551744000000+0000)/` or `2019-03-05T00:00:00` → `2019-03-05`; null when absent or unreadable. */
export function xeroDate(value: string | undefined | null): string | null {
  if (!value) return null;
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
}

/** A Xero amount (a JSON number such as 34.5) as a Decimal, through its shortest decimal string. */
export function amount(value: number | string | undefined | null): Decimal {
  return new Decimal(value === undefined || value === null || value === '' ? 0 : String(value));
}

/**
 * A thin typed client for Xero's identity service and Accounting API over fetch. Every Accounting API call is paced
 * by the connection's limiter (60 a minute, 5 in flight), outwaits a minute or concurrency 429 (Retry-After), fails
 * fast as `rate_limited` on the daily limit, and retries a 5xx or a network failure a bounded number of times
 * (PUT/POST carry one Idempotency-Key across retries, so a retried create is not a second invoice).
 */
export class XeroClient {
  readonly endpoints: XeroEndpoints;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly limiter: ConnectionLimiter;
  private readonly attempts: number;
  private readonly rateLimitRetries: number;
  private readonly backoffBaseMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly opts: XeroClientOptions) {
    this.endpoints = opts.endpoints ?? XERO_ENDPOINTS;
    this.fetchImpl = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.limiter = limiterFor(opts.connectionKey, opts.pacing ?? XERO_PACING);
    this.attempts = Math.max(1, opts.attempts ?? 3);
    this.rateLimitRetries = opts.rateLimitRetries ?? 6;
    this.backoffBaseMs = opts.backoffBaseMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  /** The most calls this connection had in flight at once in this process (tests). */
  get maxInFlight(): number {
    return this.limiter.maxInFlight;
  }

  // ---- OAuth 2.0 (authorization code) ----

  authorizeUrl(state: string, scopes: readonly string[] = XERO_SCOPES): string {
    const u = new URL(this.endpoints.authorizeUrl);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('client_id', this.opts.clientId);
    u.searchParams.set('redirect_uri', this.opts.redirectUri);
    u.searchParams.set('scope', scopes.join(' '));
    u.searchParams.set('state', state);
    return u.toString();
  }

  exchangeCode(code: string): Promise<XeroTokenSet> {
    return this.tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: this.opts.redirectUri });
  }

  /** Xero rotates refresh tokens: keep the returned one, the old one stops working. */
  refresh(refreshToken: string): Promise<XeroTokenSet> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async revoke(refreshToken: string): Promise<void> {
    await this.identityCall(this.endpoints.revokeUrl, { token: refreshToken });
  }

  async connections(accessToken: string, signal?: AbortSignal): Promise<XeroConnection[]> {
    const body = await this.send('GET', `${this.endpoints.apiUrl}/connections`, { accessToken, signal }, undefined, false);
    if (!Array.isArray(body)) throw new XeroApiError('unavailable', 'Xero GET /connections answered something that is not a list');
    return body as XeroConnection[];
  }

  private async tokenRequest(form: Record<string, string>): Promise<XeroTokenSet> {
    const body = (await this.identityCall(this.endpoints.tokenUrl, form)) as Record<string, unknown> | null;
    const access = body?.['access_token'];
    const refresh = body?.['refresh_token'];
    const expires = Number(body?.['expires_in']);
    if (typeof access !== 'string' || typeof refresh !== 'string' || !Number.isFinite(expires)) {
      throw new XeroApiError('unavailable', 'Xero token endpoint answered without access_token, refresh_token and expires_in');
    }
    return { accessToken: access, refreshToken: refresh, accessExpiresAt: this.now() + expires * 1000, scope: typeof body?.['scope'] === 'string' ? body['scope'] : null };
  }

  private async identityCall(url: string, form: Record<string, string>): Promise<unknown> {
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`, 'utf8').toString('base64');
    const what = `Xero POST ${new URL(url).pathname}`;
    for (let attempt = 1; ; attempt++) {
      let res: globalThis.Response;
      let text: string;
      try {
        res = await this.fetchImpl(url, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams(form).toString(),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        text = await res.text();
      } catch (e) {
        if (attempt < this.attempts) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new XeroApiError('unavailable', `${what} could not be reached: ${(e as Error).message}`);
      }
      const json = parseJson(text);
      if (res.ok) return json ?? null;
      if (res.status >= 500 && attempt < this.attempts) {
        await sleep(this.backoff(attempt));
        continue;
      }
      const reasons = reasonsFrom(json ?? text);
      if (res.status >= 500) throw new XeroApiError('unavailable', `${what} failed: HTTP ${res.status}`, res.status, reasons);
      // invalid_grant (code used or expired, refresh token rotated away, revoked) and invalid_client: connect again.
      throw new XeroApiError('unauthorized', `${what} refused: ${reasons.join('; ') || `HTTP ${res.status}`}`, res.status, reasons);
    }
  }

  // ---- Accounting API ----

  async contacts(session: XeroSession, query: { where?: string; IDs?: string[]; searchTerm?: string; includeArchived?: boolean } = {}): Promise<XeroContact[]> {
    return this.allPages<XeroContact>(session, '/Contacts', 'Contacts', {
      where: query.where, IDs: query.IDs?.join(','), searchTerm: query.searchTerm, includeArchived: query.includeArchived,
    });
  }

  async contactsPage(session: XeroSession, page: number, query: { where?: string; pageSize?: number } = {}): Promise<{ contacts: XeroContact[]; pagination: XeroPagination | null }> {
    const body = await this.api(session, 'GET', '/Contacts', { where: query.where, page, pageSize: query.pageSize ?? PAGE_SIZE });
    return { contacts: (body['Contacts'] ?? []) as XeroContact[], pagination: (body['pagination'] ?? null) as XeroPagination | null };
  }

  async createContact(session: XeroSession, input: { Name: string; EmailAddress?: string }): Promise<XeroContact> {
    const body = await this.api(session, 'PUT', '/Contacts', {}, { Contacts: [input] });
    return first<XeroContact>(body, 'Contacts', 'PUT /Contacts');
  }

  async accounts(session: XeroSession, where?: string): Promise<XeroAccount[]> {
    return ((await this.api(session, 'GET', '/Accounts', { where }))['Accounts'] ?? []) as XeroAccount[];
  }

  async taxRates(session: XeroSession, where?: string): Promise<XeroTaxRate[]> {
    return ((await this.api(session, 'GET', '/TaxRates', { where }))['TaxRates'] ?? []) as XeroTaxRate[];
  }

  async invoices(session: XeroSession, query: { InvoiceNumbers?: string[]; IDs?: string[]; Statuses?: string[]; where?: string }): Promise<XeroInvoice[]> {
    return this.allPages<XeroInvoice>(session, '/Invoices', 'Invoices', {
      InvoiceNumbers: query.InvoiceNumbers?.join(','), IDs: query.IDs?.join(','), Statuses: query.Statuses?.join(','), where: query.where,
    });
  }

  async invoice(session: XeroSession, id: string): Promise<XeroInvoice | null> {
    try {
      return first<XeroInvoice>(await this.api(session, 'GET', `/Invoices/${encodeURIComponent(id)}`), 'Invoices', 'GET /Invoices/{id}');
    } catch (e) {
      if (e instanceof XeroApiError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async createInvoice(session: XeroSession, input: XeroInvoiceInput): Promise<XeroInvoice> {
    return first<XeroInvoice>(await this.api(session, 'PUT', '/Invoices', { unitdp: 4 }, { Invoices: [input] }), 'Invoices', 'PUT /Invoices');
  }

  async updateInvoice(session: XeroSession, id: string, input: XeroInvoiceInput): Promise<XeroInvoice> {
    const path = `/Invoices/${encodeURIComponent(id)}`;
    return first<XeroInvoice>(await this.api(session, 'POST', path, { unitdp: 4 }, { Invoices: [{ ...input, InvoiceID: id }] }), 'Invoices', 'POST /Invoices/{id}');
  }

  async creditNotes(session: XeroSession, query: { where?: string }): Promise<XeroCreditNote[]> {
    return this.allPages<XeroCreditNote>(session, '/CreditNotes', 'CreditNotes', { where: query.where });
  }

  async creditNote(session: XeroSession, id: string): Promise<XeroCreditNote | null> {
    try {
      return first<XeroCreditNote>(await this.api(session, 'GET', `/CreditNotes/${encodeURIComponent(id)}`), 'CreditNotes', 'GET /CreditNotes/{id}');
    } catch (e) {
      if (e instanceof XeroApiError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async createCreditNote(session: XeroSession, input: XeroCreditNoteInput): Promise<XeroCreditNote> {
    return first<XeroCreditNote>(await this.api(session, 'PUT', '/CreditNotes', { unitdp: 4 }, { CreditNotes: [input] }), 'CreditNotes', 'PUT /CreditNotes');
  }

  async updateCreditNote(session: XeroSession, id: string, input: XeroCreditNoteInput): Promise<XeroCreditNote> {
    const path = `/CreditNotes/${encodeURIComponent(id)}`;
    return first<XeroCreditNote>(await this.api(session, 'POST', path, { unitdp: 4 }, { CreditNotes: [{ ...input, CreditNoteID: id }] }), 'CreditNotes', 'POST /CreditNotes/{id}');
  }

  private async allPages<T>(session: XeroSession, path: string, key: string, query: Query): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const body = await this.api(session, 'GET', path, { ...query, page, pageSize: PAGE_SIZE });
      const rows = (body[key] ?? []) as T[];
      out.push(...rows);
      const p = body['pagination'] as XeroPagination | undefined;
      if (p ? page >= p.pageCount : rows.length < PAGE_SIZE) return out;
    }
  }

  private async api(session: XeroSession, method: string, path: string, query: Query = {}, body?: unknown): Promise<Record<string, unknown>> {
    const u = new URL(`${this.endpoints.apiUrl}/api.xro/2.0${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    const json = await this.send(method, u.toString(), session, body, true);
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new XeroApiError('unavailable', `Xero ${method} ${path} answered something that is not an object`);
    return json as Record<string, unknown>;
  }

  /** One call with pacing (Accounting API), retries and Xero's errors turned into XeroApiError kinds. */
  private async send(method: string, url: string, session: { accessToken: string; tenantId?: string; signal?: AbortSignal }, body: unknown, paced: boolean): Promise<unknown> {
    const what = `Xero ${method} ${new URL(url).pathname.replace(/^\/api\.xro\/2\.0/, '')}`;
    const idempotencyKey = method === 'PUT' || method === 'POST' ? randomUUID() : undefined;
    let failures = 0;
    let limited = 0;
    for (;;) {
      if (paced && this.limiter.dailyClosedUntil > this.now()) {
        throw new XeroApiError('rate_limited', `${what}: Xero's daily call limit for this organisation is used up; try again after ${new Date(this.limiter.dailyClosedUntil).toISOString()}`, 429, [], this.limiter.dailyClosedUntil);
      }
      const release = paced ? await this.limiter.acquire(session.signal) : () => {};
      if (paced && this.opts.budget) {
        try {
          await this.opts.budget.take(session.signal);
        } catch (e) {
          release();
          throw e;
        }
      }
      let res: globalThis.Response;
      let text: string;
      try {
        const signals = [AbortSignal.timeout(this.timeoutMs), ...(session.signal ? [session.signal] : [])];
        res = await this.fetchImpl(url, {
          method,
          headers: {
            authorization: `Bearer ${session.accessToken}`,
            accept: 'application/json',
            ...(session.tenantId ? { 'xero-tenant-id': session.tenantId } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.any(signals),
        });
        text = await res.text();
      } catch (e) {
        release();
        if (session.signal?.aborted) throw e;
        if (++failures < this.attempts) {
          await sleep(this.backoff(failures));
          continue;
        }
        throw new XeroApiError('unavailable', `${what}: Xero could not be reached after ${failures} attempts (${(e as Error).message})`);
      }
      release();
      const json = parseJson(text);
      if (res.ok) {
        if (json === undefined) {
          if (++failures < this.attempts) continue;
          throw new XeroApiError('unavailable', `${what}: Xero answered HTTP ${res.status} with a body that is not JSON`, res.status);
        }
        return json;
      }
      const reasons = reasonsFrom(json ?? text);
      if (res.status === 429) {
        const problem = (res.headers.get('x-rate-limit-problem') ?? '').toLowerCase();
        const waitMs = retryAfterMs(res.headers.get('retry-after')) ?? 1000 * 2 ** Math.min(limited, 5);
        if (problem === 'day' || problem === 'daily') {
          this.limiter.dailyClosedUntil = this.now() + waitMs;
          throw new XeroApiError('rate_limited', `${what}: Xero's daily call limit for this organisation is used up; try again in ${Math.ceil(waitMs / 1000)} s`, 429, reasons, this.limiter.dailyClosedUntil);
        }
        if (paced) this.limiter.pause(waitMs);
        if (++limited > this.rateLimitRetries) throw new XeroApiError('rate_limited', `${what}: still rate limited (${problem || 'unknown limit'}) after ${limited - 1} waits`, 429, reasons, this.now() + waitMs);
        if (!paced) await sleep(waitMs);
        continue;
      }
      if (res.status >= 500) {
        if (++failures < this.attempts) {
          await sleep(this.backoff(failures));
          continue;
        }
        throw new XeroApiError('unavailable', `${what}: Xero failed with HTTP ${res.status} after ${failures} attempts`, res.status, reasons);
      }
      const words = reasons.join('; ') || `HTTP ${res.status}`;
      if (res.status === 401) throw new XeroApiError('unauthorized', `${what}: Xero refused the access token (${words}); connect Xero again if a refresh does not help`, 401, reasons);
      if (res.status === 403) throw new XeroApiError('unauthorized', `${what}: Xero refused access to this organisation (${words}); it may have been disconnected`, 403, reasons);
      if (res.status === 404) throw new XeroApiError('not_found', `${what}: not found in Xero`, 404, reasons);
      if (reasons.some(isLockedReason)) throw new XeroApiError('locked', `Xero refused the change: ${words}`, res.status, reasons);
      throw new XeroApiError('invalid', `Xero refused it: ${words}`, res.status, reasons);
    }
  }

  private backoff(failures: number): number {
    const ceiling = Math.min(5_000, this.backoffBaseMs * 2 ** (failures - 1));
    return Math.floor(ceiling / 2 + this.random() * (ceiling / 2));
  }
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const v = header.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function first<T>(body: Record<string, unknown>, key: string, what: string): T {
  const rows = body[key];
  if (!Array.isArray(rows) || !rows.length) throw new XeroApiError('unavailable', `Xero ${what} answered without ${key}`);
  const row = rows[0] as Record<string, unknown>;
  // summarizeErrors=false style answers carry the refusal on the element.
  const errors = Array.isArray(row['ValidationErrors']) ? (row['ValidationErrors'] as Array<{ Message?: string }>).map((v) => v.Message ?? '').filter(Boolean) : [];
  if (errors.length && (row['HasErrors'] === true || row['HasValidationErrors'] === true)) {
    throw new XeroApiError(errors.some(isLockedReason) ? 'locked' : 'invalid', `Xero refused it: ${errors.join('; ')}`, 200, errors);
  }
  return row as T;
}
