import { QuickBooksError } from './errors.js';
import { DEFAULT_RETRY, requestJson, type HttpDeps, type RetryPolicy } from './http.js';
import { INTUIT_LIMITS, pacerFor, QuickBooksPacer, type PacerLimits } from './pacer.js';
import type {
  QboCompanyInfo,
  QboCreditMemo,
  QboCustomer,
  QboEntityMap,
  QboEntityName,
  QboInvoice,
  QboTokenResponse,
  QboTransactionInput,
} from './types.js';

/** Where QuickBooks Online is reached: Intuit's hosts (INTUIT_ENDPOINTS) or the local sandbox. */
export interface QuickBooksEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** `https://quickbooks.api.intuit.com` (production), `https://sandbox-quickbooks.api.intuit.com` (Intuit's developer sandbox). */
  apiUrl: string;
}

/** Intuit's production hosts, from its OAuth 2.0 discovery document and API reference (README.md). */
export const INTUIT_ENDPOINTS: QuickBooksEndpoints = {
  authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
  tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revokeUrl: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
  apiUrl: 'https://quickbooks.api.intuit.com',
};

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';
/** The minor version every API call names (Intuit ignores the ones below 75 since 2025; see README.md). */
export const MINOR_VERSION = 75;
/** Intuit's ceiling for MAXRESULTS. */
export const MAX_PAGE = 1000;

export interface QuickBooksClientOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  endpoints?: QuickBooksEndpoints;
  /** Paces every client of one connection in this process together (see pacer.ts); without it the client has its own pacer. */
  connectionKey?: string;
  limits?: PacerLimits;
  /**
   * The connection's budget shared with other processes (any object with `take(signal)`; Recurra's is
   * src/accounting/request-budget.ts): every API call, each retry included, takes one start from it once the pacer
   * lets it go. OAuth calls are not paced and take none.
   */
  budget?: { take(signal?: AbortSignal): Promise<void> };
  retry?: Partial<RetryPolicy>;
  minorVersion?: number;
  fetch?: typeof fetch;
  /** For token expiry times. */
  now?: () => number;
  random?: () => number;
  onAttempt?: (status: number, endpoint: string) => void;
}

export interface QuickBooksTokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: Date;
  refreshExpiresAt: Date | null;
}

/** One call's credentials: an access token and the company (realm) it reaches. */
export interface QuickBooksSession {
  accessToken: string;
  realmId: string;
  signal?: AbortSignal;
}

export interface QueryPage<T> {
  items: T[];
  startPosition: number;
  maxResults: number;
  totalCount?: number;
}

/** A literal for a query's WHERE clause: single quotes, with `\` and `'` escaped by a backslash. */
export function qboLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `Field = 'v'` */
export function whereEq(field: string, value: string): string {
  return `${field} = ${qboLiteral(value)}`;
}

/** `Field IN ('a', 'b')` */
export function whereIn(field: string, values: readonly string[]): string {
  return `${field} IN (${values.map(qboLiteral).join(', ')})`;
}

/** The lower-case resource name of an entity in the API's paths (`/invoice`, `/creditmemo`). */
function resource(entity: QboEntityName): string {
  return entity.toLowerCase();
}

/**
 * A thin typed client for QuickBooks Online: OAuth 2.0 (authorization code, refresh, revoke) and the Accounting API
 * calls Recurra uses. Every call goes through the connection's pacer and Intuit's retry rules (http.ts).
 */
export class QuickBooksClient {
  readonly endpoints: QuickBooksEndpoints;
  readonly pacer: QuickBooksPacer;
  readonly #opts: QuickBooksClientOptions;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;

  constructor(opts: QuickBooksClientOptions) {
    this.#opts = opts;
    this.endpoints = opts.endpoints ?? INTUIT_ENDPOINTS;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#now = opts.now ?? Date.now;
    this.pacer = opts.connectionKey ? pacerFor(opts.connectionKey, opts.limits ?? INTUIT_LIMITS) : new QuickBooksPacer(opts.limits ?? INTUIT_LIMITS);
  }

  #deps(paced: boolean): HttpDeps {
    return {
      fetch: this.#opts.fetch ?? fetch,
      retry: this.#retry,
      pacer: paced ? this.pacer : null,
      budget: paced ? this.#opts.budget : undefined,
      random: this.#opts.random ?? Math.random,
      onAttempt: this.#opts.onAttempt,
    };
  }

  // ---- OAuth 2.0 -------------------------------------------------------------------------------------------------

  /** The consent page: Intuit sends the browser back to redirectUri with `code`, `state` and `realmId`. */
  authorizationUrl(state: string, scope: string = ACCOUNTING_SCOPE): string {
    const u = new URL(this.endpoints.authorizeUrl);
    u.searchParams.set('client_id', this.#opts.clientId);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('scope', scope);
    u.searchParams.set('redirect_uri', this.#opts.redirectUri);
    u.searchParams.set('state', state);
    return u.toString();
  }

  exchangeCode(code: string, signal?: AbortSignal): Promise<QuickBooksTokens> {
    return this.#token({ grant_type: 'authorization_code', code, redirect_uri: this.#opts.redirectUri }, signal);
  }

  /** A new access token; Intuit may answer a new refresh token too (keep the one answered). */
  refresh(refreshToken: string, signal?: AbortSignal): Promise<QuickBooksTokens> {
    return this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
  }

  /** Revokes the grant (a refresh or access token); Intuit answers 200 with an empty body. */
  async revoke(token: string, signal?: AbortSignal): Promise<void> {
    await this.#oauthCall(this.endpoints.revokeUrl, 'application/json', JSON.stringify({ token }), signal);
  }

  #basic(): string {
    return `Basic ${Buffer.from(`${this.#opts.clientId}:${this.#opts.clientSecret}`).toString('base64')}`;
  }

  async #token(form: Record<string, string>, signal?: AbortSignal): Promise<QuickBooksTokens> {
    const json = (await this.#oauthCall(this.endpoints.tokenUrl, 'application/x-www-form-urlencoded', new URLSearchParams(form).toString(), signal)) as Partial<QboTokenResponse> | undefined;
    if (!json || typeof json.access_token !== 'string' || typeof json.refresh_token !== 'string' || typeof json.expires_in !== 'number') {
      throw new QuickBooksError({ kind: 'unavailable', endpoint: `POST ${new URL(this.endpoints.tokenUrl).pathname}`, attempts: 1, detail: 'the token endpoint answered no token' });
    }
    const now = this.#now();
    return {
      accessToken: json.access_token,
      refreshToken: json.refresh_token,
      accessExpiresAt: new Date(now + json.expires_in * 1000),
      refreshExpiresAt: typeof json.x_refresh_token_expires_in === 'number' ? new Date(now + json.x_refresh_token_expires_in * 1000) : null,
    };
  }

  async #oauthCall(url: string, contentType: string, body: string, signal?: AbortSignal): Promise<unknown> {
    const endpoint = `POST ${new URL(url).pathname}`;
    try {
      return await requestJson(
        { method: 'POST', url, endpoint, body, signal, headers: { authorization: this.#basic(), accept: 'application/json', 'content-type': contentType } },
        this.#deps(false),
      );
    } catch (err) {
      // The token endpoint answers 400 invalid_grant for a used, revoked or expired refresh token or code, and 401
      // invalid_client for a wrong secret: both mean "connect again".
      if (err instanceof QuickBooksError && err.kind === 'invalid' && err.faults.some((f) => /^invalid_(grant|client)$/.test(f.Message))) {
        throw new QuickBooksError({ kind: 'unauthorized', endpoint: err.endpoint, attempts: err.attempts, status: err.status, faults: err.faults });
      }
      throw err;
    }
  }

  // ---- Accounting API --------------------------------------------------------------------------------------------

  #url(realmId: string, path: string, params: Record<string, string> = {}): string {
    const u = new URL(`${this.endpoints.apiUrl.replace(/\/$/, '')}/v3/company/${encodeURIComponent(realmId)}/${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    u.searchParams.set('minorversion', String(this.#opts.minorVersion ?? MINOR_VERSION));
    return u.toString();
  }

  #api(session: QuickBooksSession, method: 'GET' | 'POST', path: string, params?: Record<string, string>, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${session.accessToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return requestJson(
      {
        method,
        url: this.#url(session.realmId, path, params),
        endpoint: `${method} /v3/company/${session.realmId}/${path}`,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: session.signal,
      },
      this.#deps(true),
    );
  }

  /** One page of `SELECT * FROM <entity> [WHERE ...] STARTPOSITION n MAXRESULTS m` (positions count from 1). */
  async query<E extends QboEntityName>(
    session: QuickBooksSession,
    entity: E,
    opts: { where?: string; startPosition?: number; maxResults?: number } = {},
  ): Promise<QueryPage<QboEntityMap[E]>> {
    const start = opts.startPosition ?? 1;
    const max = Math.min(opts.maxResults ?? MAX_PAGE, MAX_PAGE);
    const statement = `SELECT * FROM ${entity}${opts.where ? ` WHERE ${opts.where}` : ''} STARTPOSITION ${start} MAXRESULTS ${max}`;
    const json = (await this.#api(session, 'GET', 'query', { query: statement })) as { QueryResponse?: Record<string, unknown> } | undefined;
    const qr = json?.QueryResponse ?? {};
    const items = Array.isArray(qr[entity]) ? (qr[entity] as QboEntityMap[E][]) : [];
    return {
      items,
      startPosition: typeof qr.startPosition === 'number' ? qr.startPosition : start,
      maxResults: typeof qr.maxResults === 'number' ? qr.maxResults : items.length,
      ...(typeof qr.totalCount === 'number' ? { totalCount: qr.totalCount } : {}),
    };
  }

  /** Every row, page after page, until a page comes back short. */
  async queryAll<E extends QboEntityName>(session: QuickBooksSession, entity: E, where?: string, pageSize: number = MAX_PAGE): Promise<QboEntityMap[E][]> {
    const out: QboEntityMap[E][] = [];
    for (let start = 1; ; start += pageSize) {
      const page = await this.query(session, entity, { where, startPosition: start, maxResults: pageSize });
      out.push(...page.items);
      if (page.items.length < pageSize) return out;
    }
  }

  async read<E extends 'Invoice' | 'CreditMemo' | 'Customer'>(session: QuickBooksSession, entity: E, id: string): Promise<QboEntityMap[E]> {
    const json = (await this.#api(session, 'GET', `${resource(entity)}/${encodeURIComponent(id)}`)) as Record<string, unknown>;
    return this.#entity(json, entity, 'GET');
  }

  /** The company's name and country (`GET /companyinfo/{realmId}`). */
  async companyInfo(session: QuickBooksSession): Promise<QboCompanyInfo> {
    const json = (await this.#api(session, 'GET', `companyinfo/${encodeURIComponent(session.realmId)}`)) as Record<string, unknown>;
    const info = json?.CompanyInfo;
    if (!info || typeof info !== 'object') {
      throw new QuickBooksError({ kind: 'unavailable', endpoint: 'GET /companyinfo', attempts: 1, detail: 'the answer holds no CompanyInfo' });
    }
    return info as QboCompanyInfo;
  }

  async createCustomer(session: QuickBooksSession, input: { DisplayName: string; PrimaryEmailAddr?: { Address: string }; CompanyName?: string }): Promise<QboCustomer> {
    const json = (await this.#api(session, 'POST', 'customer', {}, input)) as Record<string, unknown>;
    return this.#entity(json, 'Customer', 'POST');
  }

  /** Creates (no Id) or updates (Id + SyncToken; `sparse: true` changes only the fields sent) an invoice. */
  async saveInvoice(session: QuickBooksSession, input: QboTransactionInput): Promise<QboInvoice> {
    const json = (await this.#api(session, 'POST', 'invoice', {}, input)) as Record<string, unknown>;
    return this.#entity(json, 'Invoice', 'POST');
  }

  async saveCreditMemo(session: QuickBooksSession, input: QboTransactionInput): Promise<QboCreditMemo> {
    const json = (await this.#api(session, 'POST', 'creditmemo', {}, input)) as Record<string, unknown>;
    return this.#entity(json, 'CreditMemo', 'POST');
  }

  #entity<E extends QboEntityName>(json: Record<string, unknown> | undefined, entity: E, method: string): QboEntityMap[E] {
    const value = json?.[entity];
    if (!value || typeof value !== 'object') {
      throw new QuickBooksError({ kind: 'unavailable', endpoint: `${method} /${resource(entity)}`, attempts: 1, detail: `the answer holds no ${entity}` });
    }
    return value as QboEntityMap[E];
  }
}
