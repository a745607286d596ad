import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Decimal } from 'decimal.js';
import { Company, type SandboxTxn } from './company.js';
import { faultBody, faults, SandboxFault } from './faults.js';
import { parseQuery, QueryParseError } from './query.js';

/**
 * A local QuickBooks Online: Intuit's OAuth 2.0 endpoints (consent page, token, revoke) and the parts of the
 * Accounting API v3 Recurra uses, with in-memory companies (realms). README.md names the public source of each
 * behaviour and what is a guess.
 */
export interface QuickBooksSandboxOptions {
  port?: number;
  host?: string;
  /** The sandbox clock (token expiry, TxnDate defaults, the per-minute throttle window). Default Date.now. */
  now?: () => number;
  clientId?: string;
  clientSecret?: string;
  /** Skip the consent page: /connect/oauth2 redirects at once with a code for the first realm. */
  autoApprove?: boolean;
  realms?: Array<{ realmId?: string; name?: string; homeCurrency?: string; multiCurrency?: boolean }>;
  /** Access token lifetime (Intuit: 3600 s). */
  accessTokenSeconds?: number;
  /** Refresh token lifetime (Intuit: 100 days; the answer's x_refresh_token_expires_in counts down). */
  refreshTokenSeconds?: number;
  /** 'always' (default): each refresh answers a new refresh token and the old one stops working; 'never': the same one. */
  refreshTokenRotation?: 'always' | 'never';
  /** Requests a minute per realm on the sandbox clock (Intuit: 500); null: no limit. */
  rateLimitPerMinute?: number | null;
  /** Requests in flight per realm (Intuit: 10). */
  maxConcurrent?: number;
  /** Hold every API answer this long (wall clock), so concurrency limits can be met in tests. */
  latencyMs?: number;
  /** Default true: a DocNumber used by another transaction of the same type is Fault 6140. */
  rejectDuplicateDocNumber?: boolean;
}

export interface SandboxStats {
  /** Accounting API requests, throttled ones included. */
  requests: number;
  /** Per operation: "query Invoice", "POST invoice", "GET invoice/{id}" counted as "GET invoice". */
  byOperation: Record<string, number>;
  throttled: number;
  faults: number;
  tokenRequests: number;
  codeExchanges: number;
  refreshes: number;
  revokes: number;
}

export interface RunningQuickBooksSandbox {
  /** The origin; the API is `${baseUrl}/v3/company/{realmId}/...`. */
  baseUrl: string;
  /** The shape of src/accounting/connector.ts VendorEndpoints. */
  endpoints: { authorizeUrl: string; tokenUrl: string; revokeUrl: string; apiUrl: string };
  clientId: string;
  clientSecret: string;
  /** The first realm's id. */
  realmId: string;
  company(realmId?: string): Company;
  /** Invoices of a realm as the API answers them. */
  invoices(realmId?: string): Array<Record<string, unknown>>;
  creditMemos(realmId?: string): Array<Record<string, unknown>>;
  customers(realmId?: string): Array<Record<string, unknown>>;
  recordPayment(invoiceId: string, amount: Decimal.Value, realmId?: string): { paymentId: string };
  voidInvoice(invoiceId: string, realmId?: string): void;
  /** The next `n` API requests answer 429. */
  throttleNext(n: number): void;
  setRateLimit(perMinute: number | null, maxConcurrent?: number): void;
  /** Every access token stops working (a refresh still works). */
  expireAccessTokens(): void;
  stats(): SandboxStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Grant {
  realmId: string;
  revoked: boolean;
}

const CODE_SECONDS = 300;

function token(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startQuickBooksSandbox(opts: QuickBooksSandboxOptions = {}): Promise<RunningQuickBooksSandbox> {
  const now = opts.now ?? Date.now;
  const clientId = opts.clientId ?? 'qbo-sandbox-client';
  const clientSecret = opts.clientSecret ?? 'qbo-sandbox-secret';
  const accessSeconds = opts.accessTokenSeconds ?? 3600;
  const refreshSeconds = opts.refreshTokenSeconds ?? 8_726_400;
  const rotation = opts.refreshTokenRotation ?? 'always';
  let perMinute = opts.rateLimitPerMinute === undefined ? 500 : opts.rateLimitPerMinute;
  let maxConcurrent = opts.maxConcurrent ?? 10;
  const realmSpecs = opts.realms?.length ? opts.realms : [{}];
  const companies = new Map<string, Company>();
  realmSpecs.forEach((r, i) => {
    const realmId = r.realmId ?? String(9341453050298761n + BigInt(i));
    companies.set(
      realmId,
      new Company(
        {
          realmId,
          name: r.name ?? `Sandbox Company_${i + 1}`,
          homeCurrency: (r.homeCurrency ?? 'USD').toUpperCase(),
          multiCurrency: r.multiCurrency ?? false,
          rejectDuplicateDocNumber: opts.rejectDuplicateDocNumber ?? true,
        },
        now,
      ),
    );
  });
  const firstRealm = [...companies.keys()][0]!;

  const grants = new Map<string, Grant>();
  const codes = new Map<string, { grantRealm: string; redirectUri: string; expiresAt: number; used: boolean }>();
  const accessTokens = new Map<string, { grant: string; expiresAt: number }>();
  const refreshTokens = new Map<string, { grant: string; expiresAt: number; valid: boolean }>();
  const throttle = { next: 0, starts: new Map<string, number[]>(), inFlight: new Map<string, number>() };
  const fresh = (): SandboxStats => ({ requests: 0, byOperation: {}, throttled: 0, faults: 0, tokenRequests: 0, codeExchanges: 0, refreshes: 0, revokes: 0 });
  let stats = fresh();

  const time = () => new Date(now()).toISOString();
  const sendFault = (res: Response, f: SandboxFault) => {
    if (f.status !== 429) stats.faults++;
    res.status(f.status).json(faultBody(f, time()));
  };
  const oauthError = (res: Response, status: number, error: string, description?: string) =>
    res.status(status).json({ error, ...(description ? { error_description: description } : {}) });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  // ---- OAuth 2.0: consent -----------------------------------------------------------------------------------------
  function consentProblem(q: Record<string, unknown>): string | null {
    if (q.client_id !== clientId) return 'invalid_client: unknown client_id';
    if (q.response_type !== 'code') return 'unsupported_response_type: response_type must be code';
    if (typeof q.redirect_uri !== 'string' || !/^https?:\/\//.test(q.redirect_uri)) return 'invalid_request: redirect_uri is required';
    return null;
  }
  function redirectWith(res: Response, redirectUri: string, params: Record<string, string>) {
    const u = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    res.redirect(302, u.toString());
  }
  function issueCode(realmId: string, redirectUri: string): string {
    const code = token('AB11');
    codes.set(code, { grantRealm: realmId, redirectUri, expiresAt: now() + CODE_SECONDS * 1000, used: false });
    return code;
  }

  app.get('/connect/oauth2', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const problem = consentProblem(q);
    if (problem) return res.status(400).type('text/plain').send(problem);
    const scopes = String(q.scope ?? '').split(/\s+/);
    const state = q.state ?? '';
    if (!scopes.includes('com.intuit.quickbooks.accounting')) return redirectWith(res, q.redirect_uri!, { error: 'invalid_scope', state });
    if (opts.autoApprove) return redirectWith(res, q.redirect_uri!, { code: issueCode(firstRealm, q.redirect_uri!), state, realmId: firstRealm });
    const options = [...companies.values()].map((c) => `<option value="${esc(c.opts.realmId)}">${esc(c.opts.name)} (${esc(c.opts.realmId)})</option>`).join('');
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect to QuickBooks (local sandbox)</title></head>
<body>
<h1>Connect to QuickBooks</h1>
<p>An app (client id <code>${esc(clientId)}</code>) asks to read and write the accounting data of a company.</p>
<form method="post" action="/connect/oauth2/decision">
<input type="hidden" name="redirect_uri" value="${esc(q.redirect_uri!)}">
<input type="hidden" name="state" value="${esc(state)}">
<input type="hidden" name="client_id" value="${esc(clientId)}">
<label>Company <select name="realmId">${options}</select></label>
<button type="submit" name="decision" value="connect">Connect</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>
</body></html>`);
  });

  app.post('/connect/oauth2/decision', express.urlencoded({ extended: false }), (req, res) => {
    const b = req.body as Record<string, string | undefined>;
    if (b.client_id !== clientId || typeof b.redirect_uri !== 'string') return res.status(400).type('text/plain').send('invalid_request');
    const state = b.state ?? '';
    if (b.decision !== 'connect') return redirectWith(res, b.redirect_uri, { error: 'access_denied', state });
    const realmId = b.realmId && companies.has(b.realmId) ? b.realmId : firstRealm;
    redirectWith(res, b.redirect_uri, { code: issueCode(realmId, b.redirect_uri), state, realmId });
  });

  // ---- OAuth 2.0: tokens and revoke -------------------------------------------------------------------------------
  function basicClient(req: Request): boolean {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) return false;
    const [id, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
    return id === clientId && rest.join(':') === clientSecret;
  }
  function issueTokens(grantId: string, refresh?: string): Record<string, unknown> {
    const at = token('eyJ');
    accessTokens.set(at, { grant: grantId, expiresAt: now() + accessSeconds * 1000 });
    let rt = refresh;
    if (!rt) {
      rt = token('AB11');
      refreshTokens.set(rt, { grant: grantId, expiresAt: now() + refreshSeconds * 1000, valid: true });
    }
    const left = Math.max(0, Math.floor((refreshTokens.get(rt)!.expiresAt - now()) / 1000));
    return { token_type: 'bearer', access_token: at, refresh_token: rt, expires_in: accessSeconds, x_refresh_token_expires_in: left };
  }

  app.post('/oauth2/v1/tokens/bearer', express.urlencoded({ extended: false }), (req, res) => {
    stats.tokenRequests++;
    if (!basicClient(req)) return oauthError(res, 401, 'invalid_client');
    const b = req.body as Record<string, string | undefined>;
    if (b.grant_type === 'authorization_code') {
      stats.codeExchanges++;
      const c = b.code ? codes.get(b.code) : undefined;
      if (!c || c.used || c.expiresAt <= now()) return oauthError(res, 400, 'invalid_grant');
      if (c.redirectUri !== b.redirect_uri) return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match');
      c.used = true;
      const grantId = token('g');
      grants.set(grantId, { realmId: c.grantRealm, revoked: false });
      return res.json(issueTokens(grantId));
    }
    if (b.grant_type === 'refresh_token') {
      stats.refreshes++;
      const r = b.refresh_token ? refreshTokens.get(b.refresh_token) : undefined;
      const grant = r ? grants.get(r.grant) : undefined;
      if (!r || !r.valid || r.expiresAt <= now() || !grant || grant.revoked) return oauthError(res, 400, 'invalid_grant', 'Incorrect or invalid refresh token');
      if (rotation === 'always') {
        r.valid = false;
        return res.json(issueTokens(r.grant));
      }
      return res.json(issueTokens(r.grant, b.refresh_token));
    }
    return oauthError(res, 400, 'unsupported_grant_type');
  });

  app.post('/v2/oauth2/tokens/revoke', express.json(), express.urlencoded({ extended: false }), (req, res) => {
    stats.revokes++;
    if (!basicClient(req)) return oauthError(res, 401, 'invalid_client');
    const t = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof t !== 'string' || !t) return oauthError(res, 400, 'invalid_request', 'token is required');
    const grantId = refreshTokens.get(t)?.grant ?? accessTokens.get(t)?.grant;
    if (grantId) grants.get(grantId)!.revoked = true;
    res.status(200).end();
  });

  // ---- Accounting API ---------------------------------------------------------------------------------------------
  const api = express.Router({ mergeParams: true });
  api.use(express.json({ limit: '2mb', type: () => true }));

  function operation(req: Request): string {
    const rest = req.path.split('/').filter(Boolean);
    if (rest[0] === 'query') {
      const m = /from\s+(\w+)/i.exec(String(req.query.query ?? ''));
      return `query ${m?.[1] ?? '?'}`;
    }
    return `${req.method} ${rest[0] ?? ''}`;
  }

  const v3 = express.Router();
  v3.use('/company/:realmId', (req: Request, res: Response, next: NextFunction) => {
    const realmId = String(req.params.realmId);
    stats.requests++;
    const op = operation(req);
    stats.byOperation[op] = (stats.byOperation[op] ?? 0) + 1;
    const company = companies.get(realmId);
    const h = req.headers.authorization ?? '';
    const at = h.startsWith('Bearer ') ? accessTokens.get(h.slice(7)) : undefined;
    const grant = at ? grants.get(at.grant) : undefined;
    if (!at || !grant || grant.revoked) return sendFault(res, faults.auth('Token revoked or invalid'));
    if (at.expiresAt <= now()) return sendFault(res, faults.auth('Token expired'));
    if (!company || grant.realmId !== realmId) return sendFault(res, faults.auth(`The token does not grant access to company ${realmId}`));
    // Throttling: the next-n switch, the per-minute window on the sandbox clock, and requests in flight.
    const starts = throttle.starts.get(realmId) ?? [];
    while (starts.length && starts[0]! <= now() - 60_000) starts.shift();
    const inFlight = throttle.inFlight.get(realmId) ?? 0;
    if (throttle.next > 0 || (perMinute !== null && starts.length >= perMinute) || inFlight >= maxConcurrent) {
      if (throttle.next > 0) throttle.next--;
      stats.throttled++;
      return sendFault(res, faults.throttled());
    }
    starts.push(now());
    throttle.starts.set(realmId, starts);
    throttle.inFlight.set(realmId, inFlight + 1);
    let released = false;
    const release = () => {
      if (!released) throttle.inFlight.set(realmId, (throttle.inFlight.get(realmId) ?? 1) - 1);
      released = true;
    };
    res.on('finish', release);
    res.on('close', release);
    res.locals.company = company;
    if (opts.latencyMs) setTimeout(next, opts.latencyMs);
    else next();
  }, api);

  const wrap = (fn: (req: Request, res: Response, company: Company) => void) => (req: Request, res: Response) => {
    try {
      fn(req, res, res.locals.company as Company);
    } catch (err) {
      if (err instanceof SandboxFault) return sendFault(res, err);
      throw err;
    }
  };
  const envelope = (body: Record<string, unknown>) => ({ ...body, time: time() });

  api.get('/query', wrap((req, res, company) => {
    const text = req.query.query;
    if (typeof text !== 'string' || !text.trim()) throw faults.query('the query parameter is missing');
    let parsed;
    try {
      parsed = parseQuery(text);
    } catch (err) {
      if (err instanceof QueryParseError) throw faults.query(err.message);
      throw err;
    }
    const { entity, rows } = company.query(parsed);
    res.json(envelope({ QueryResponse: rows.length ? { [entity]: rows, startPosition: parsed.startPosition, maxResults: rows.length } : {} }));
  }));

  api.get('/companyinfo/:id', wrap((req, res, company) => {
    if (String(req.params.id) !== company.opts.realmId) throw faults.notFound('CompanyInfo', String(req.params.id));
    res.json(envelope({ CompanyInfo: company.companyInfoJson() }));
  }));
  api.post('/customer', wrap((req, res, company) => {
    const c = company.createCustomer(bodyOf(req));
    res.json(envelope({ Customer: company.customerJson(c) }));
  }));
  api.get('/customer/:id', wrap((req, res, company) => {
    const c = company.customers.get(String(req.params.id));
    if (!c) throw faults.notFound('Customer', String(req.params.id));
    res.json(envelope({ Customer: company.customerJson(c) }));
  }));

  for (const [path, kind] of [['invoice', 'Invoice'], ['creditmemo', 'CreditMemo']] as const) {
    api.post(`/${path}`, wrap((req, res, company) => {
      if (req.query.operation !== undefined) throw faults.invalid('operation', `operation=${String(req.query.operation)} is not supported by this sandbox`);
      const t = company.saveTxn(kind, bodyOf(req));
      res.json(envelope({ [kind]: company.txnJson(t) }));
    }));
    api.get(`/${path}/:id`, wrap((req, res, company) => {
      const t: SandboxTxn | undefined = (kind === 'Invoice' ? company.invoices : company.creditMemos).get(String(req.params.id));
      if (!t) throw faults.notFound(kind, String(req.params.id));
      res.json(envelope({ [kind]: company.txnJson(t) }));
    }));
  }
  api.use((req, res) => sendFault(res, new SandboxFault(404, '0', 'Not Found', `No endpoint ${req.method} ${req.originalUrl.split('?')[0]} in this sandbox`, 'SystemFault')));
  app.use('/v3', v3);

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status === 400) return sendFault(res, new SandboxFault(400, '2010', 'Request has invalid or unsupported property', 'The request body is not valid JSON'));
    sendFault(res, new SandboxFault(500, '10000', 'An application error has occurred while processing your request', err instanceof Error ? err.message : 'error', 'SystemFault'));
  });

  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.on('error', reject);
  });
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const company = (realmId = firstRealm) => {
    const c = companies.get(realmId);
    if (!c) throw new Error(`no realm ${realmId}`);
    return c;
  };
  return {
    baseUrl: origin,
    endpoints: {
      authorizeUrl: `${origin}/connect/oauth2`,
      tokenUrl: `${origin}/oauth2/v1/tokens/bearer`,
      revokeUrl: `${origin}/v2/oauth2/tokens/revoke`,
      apiUrl: origin,
    },
    clientId,
    clientSecret,
    realmId: firstRealm,
    company,
    invoices: (r) => company(r).rows('Invoice')!,
    creditMemos: (r) => company(r).rows('CreditMemo')!,
    customers: (r) => company(r).rows('Customer')!,
    recordPayment: (invoiceId, amount, r) => ({ paymentId: company(r).recordPayment(invoiceId, amount).paymentId }),
    voidInvoice: (invoiceId, r) => void company(r).voidInvoice(invoiceId),
    throttleNext: (n) => {
      throttle.next = n;
    },
    setRateLimit: (pm, mc) => {
      perMinute = pm;
      if (mc !== undefined) maxConcurrent = mc;
    },
    expireAccessTokens: () => {
      for (const t of accessTokens.values()) t.expiresAt = Math.min(t.expiresAt, now());
    },
    stats: () => ({ ...stats, byOperation: { ...stats.byOperation } }),
    resetStats: () => {
      stats = fresh();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function bodyOf(req: Request): Record<string, unknown> {
  const b = req.body as unknown;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw faults.invalid('body', 'The request body must be a JSON object');
  return b as Record<string, unknown>;
}
