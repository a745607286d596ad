import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Decimal } from 'decimal.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { SandboxAccount, SandboxTaxRate } from './chart.js';
import { IdentityStore, type Grant } from './oauth.js';
import { TenantLimiter, XERO_LIMITS, type LimitProblem, type XeroRateLimits } from './limits.js';
import { Books, ValidationFailure, type DocKind, type SandboxDocument } from './state.js';
import { parseWhere, WhereError } from './where.js';
import { accountWire, contactWire, creditNoteWire, envelope, invoiceWire, msDate, taxRateWire } from './wire.js';

/** Where each part of the sandbox is reached (the same shape as `VendorEndpoints` in src/accounting/connector.ts). */
export interface XeroSandboxEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  apiUrl: string;
}

export interface XeroSandboxOptions {
  port?: number;
  host?: string;
  /** The sandbox clock (epoch ms): token expiry, dates of payments, UpdatedDateUTC, the daily limit. */
  now?: () => number;
  clientId?: string;
  clientSecret?: string;
  /** The authorize page redirects at once, as if the user had pressed "Allow access". */
  autoApprove?: boolean;
  /** When given, the only redirect URIs the app registration accepts (Xero requires exact registration). */
  redirectUris?: string[];
  organisationName?: string;
  tenantId?: string;
  /** Xero's limits by default; null switches limiting off. */
  rateLimits?: Partial<XeroRateLimits> | null;
  accessTokenSeconds?: number;
  /** How long an already-used refresh token may be used again (Xero: 30 minutes); 0 refuses it at once. */
  refreshGraceMs?: number;
  /** Every Accounting API answer waits this long (lets tests overlap calls). */
  latencyMs?: number;
  chart?: { accounts?: SandboxAccount[]; taxRates?: SandboxTaxRate[] };
}

export interface XeroSandboxCounters {
  /** Accounting API calls answered (any status), by "METHOD /Resource". */
  calls: Record<string, number>;
  apiCalls: number;
  rateLimited: Record<LimitProblem, number>;
  invoicesCreated: number;
  invoicesUpdated: number;
  creditNotesCreated: number;
  creditNotesUpdated: number;
  contactsCreated: number;
  validationErrors: number;
  unauthorized: number;
  /** Most Accounting API calls in progress at once. */
  maxInFlight: number;
}

export interface RunningXeroSandbox {
  baseUrl: string;
  endpoints: XeroSandboxEndpoints;
  clientId: string;
  clientSecret: string;
  tenantId: string;
  tenantName: string;
  books: Books;
  identity: IdentityStore;
  /** The invoices and credit notes as the API shows them. */
  invoices(): Array<Record<string, unknown>>;
  creditNotes(): Array<Record<string, unknown>>;
  /** A payment entered in Xero: AmountPaid/AmountDue change, AUTHORISED → PAID when fully paid. */
  recordPayment(documentId: string, amount: Decimal.Value): void;
  /** Voids (or deletes, when a draft) a document as a Xero user would. */
  voidInvoice(documentId: string): void;
  counters(): XeroSandboxCounters;
  resetCounters(): void;
  setRateLimits(limits: Partial<XeroRateLimits> | null): void;
  expireAccessTokens(): void;
  close(): Promise<void>;
}

const SCOPES_ALLOWED = /^[a-z_.\s]+$/i;

function freshCounters(): XeroSandboxCounters {
  return {
    calls: {}, apiCalls: 0, rateLimited: { minute: 0, day: 0, concurrent: 0 }, invoicesCreated: 0, invoicesUpdated: 0,
    creditNotesCreated: 0, creditNotesUpdated: 0, contactsCreated: 0, validationErrors: 0, unauthorized: 0, maxInFlight: 0,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function problem(res: Response, status: 401 | 403, detail: string): void {
  res.status(status).json({ Type: null, Title: status === 401 ? 'Unauthorized' : 'Forbidden', Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} });
}

export async function startXeroSandbox(opts: XeroSandboxOptions = {}): Promise<RunningXeroSandbox> {
  const now = opts.now ?? Date.now;
  const clientId = opts.clientId ?? 'XEROSANDBOXCLIENT';
  const clientSecret = opts.clientSecret ?? 'xero-sandbox-secret';
  const tenantId = opts.tenantId ?? randomUUID();
  const tenantName = opts.organisationName ?? 'Demo Company (UK)';
  const books = new Books(now, opts.chart);
  const identity = new IdentityStore(now, { accessTokenSeconds: opts.accessTokenSeconds ?? 1800, refreshGraceMs: opts.refreshGraceMs ?? 0 });
  const limitsOf = (l: Partial<XeroRateLimits> | null | undefined) => (l === null ? null : { ...XERO_LIMITS, ...(l ?? {}) });
  let limits = limitsOf(opts.rateLimits);
  const limiter = new TenantLimiter(limits ?? XERO_LIMITS, now);
  const connectionDates = new Map<string, { created: number; updated: number }>();
  const idempotency = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const accountsUpdatedMs = now();
  let counters = freshCounters();

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  // ---- identity: authorize (consent page), token, revocation ----

  const authorizeParams = (q: Record<string, unknown>) => ({
    responseType: String(q['response_type'] ?? ''),
    clientId: String(q['client_id'] ?? ''),
    redirectUri: String(q['redirect_uri'] ?? ''),
    scope: String(q['scope'] ?? ''),
    state: q['state'] === undefined ? undefined : String(q['state']),
  });

  const authorizeProblem = (p: ReturnType<typeof authorizeParams>): string | null => {
    if (p.clientId !== clientId) return 'unauthorized_client: unknown client_id';
    if (p.responseType !== 'code') return 'unsupported_response_type';
    if (!/^https?:\/\//.test(p.redirectUri)) return 'invalid_request: redirect_uri';
    if (opts.redirectUris && !opts.redirectUris.includes(p.redirectUri)) return 'invalid_request: redirect_uri is not registered for this app';
    if (!p.scope || !SCOPES_ALLOWED.test(p.scope)) return 'invalid_scope';
    return null;
  };

  const redirectWith = (p: ReturnType<typeof authorizeParams>, params: Record<string, string>) => {
    const u = new URL(p.redirectUri);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    if (p.state !== undefined) u.searchParams.set('state', p.state);
    return u.toString();
  };

  app.get('/identity/connect/authorize', (req, res) => {
    const p = authorizeParams(req.query as Record<string, unknown>);
    const bad = authorizeProblem(p);
    if (bad) {
      res.status(400).type('text/plain').send(`Sorry, something went wrong: ${bad}`);
      return;
    }
    if (opts.autoApprove) {
      res.redirect(302, redirectWith(p, { code: identity.issueCode(p.scope, p.redirectUri), scope: p.scope }));
      return;
    }
    const hidden = Object.entries(req.query as Record<string, string>)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(String(v))}">`)
      .join('');
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Xero sandbox: connect</title></head>
<body><main><h1>Recurra wants to access your Xero organisation</h1>
<p>Organisation: <strong>${escapeHtml(tenantName)}</strong></p>
<p>Permissions requested:</p><ul>${p.scope.split(/\s+/).map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form method="post" action="/identity/connect/authorize">${hidden}
<button type="submit" name="decision" value="allow">Allow access</button>
<button type="submit" name="decision" value="deny">Cancel</button></form>
<p>This is the local Xero sandbox, not Xero.</p></main></body></html>`);
  });

  app.post('/identity/connect/authorize', express.urlencoded({ extended: false }), (req, res) => {
    const p = authorizeParams(req.body ?? {});
    const bad = authorizeProblem(p);
    if (bad) {
      res.status(400).type('text/plain').send(`Sorry, something went wrong: ${bad}`);
      return;
    }
    if (req.body?.decision !== 'allow') {
      res.redirect(302, redirectWith(p, { error: 'access_denied' }));
      return;
    }
    res.redirect(302, redirectWith(p, { code: identity.issueCode(p.scope, p.redirectUri), scope: p.scope }));
  });

  const basicClient = (req: Request): boolean => {
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const [id, secret] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
    return id === clientId && secret === clientSecret;
  };

  app.post('/connect/token', express.urlencoded({ extended: false }), (req, res) => {
    res.set('cache-control', 'no-store');
    if (!basicClient(req)) {
      res.status(400).json({ error: 'invalid_client' });
      return;
    }
    const body = (req.body ?? {}) as Record<string, string>;
    let answer;
    if (body['grant_type'] === 'authorization_code') answer = identity.exchangeCode(String(body['code'] ?? ''), String(body['redirect_uri'] ?? ''));
    else if (body['grant_type'] === 'refresh_token') answer = identity.useRefreshToken(String(body['refresh_token'] ?? ''));
    else answer = { error: 'unsupported_grant_type' as const };
    if ('error' in answer) {
      res.status(400).json(answer);
      return;
    }
    res.json(answer);
  });

  app.post('/connect/revocation', express.urlencoded({ extended: false }), (req, res) => {
    if (!basicClient(req)) {
      res.status(400).json({ error: 'invalid_client' });
      return;
    }
    identity.revoke(String((req.body ?? {})['token'] ?? ''));
    res.status(200).end();
  });

  // ---- bearer auth (connections and the Accounting API) ----

  const bearer = (req: Request, res: Response): Grant | null => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const checked = m ? identity.check(m[1]!) : { problem: 'unknown' as const };
    if ('grant' in checked) return checked.grant;
    counters.unauthorized++;
    if (checked.problem === 'expired') problem(res, 401, `TokenExpired: token expired at ${new Date(checked.expiredAt!).toISOString()}`);
    else problem(res, 401, 'AuthenticationUnsuccessful');
    return null;
  };

  const connectionOf = (grant: Grant) => {
    const dates = connectionDates.get(grant.connectionId) ?? { created: grant.createdMs, updated: grant.createdMs };
    connectionDates.set(grant.connectionId, dates);
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$10000');
    return { id: grant.connectionId, authEventId: grant.authEventId, tenantId, tenantType: 'ORGANISATION', tenantName, createdDateUtc: iso(dates.created), updatedDateUtc: iso(dates.updated) };
  };
  const disconnected = new Set<string>();

  app.get('/connections', (req, res) => {
    const grant = bearer(req, res);
    if (!grant) return;
    res.json(disconnected.has(grant.connectionId) ? [] : [connectionOf(grant)]);
  });

  app.delete('/connections/:id', (req, res) => {
    const grant = bearer(req, res);
    if (!grant) return;
    if (req.params['id'] !== grant.connectionId || disconnected.has(grant.connectionId)) {
      res.status(404).end();
      return;
    }
    disconnected.add(grant.connectionId);
    res.status(204).end();
  });

  // ---- the Accounting API ----

  const api = express.Router({ caseSensitive: false });
  api.use(express.json({ limit: '3.5mb' }));
  api.use(async (req: Request, res: Response, next: NextFunction) => {
    const resource = `${req.method} /${(req.path.split('/')[1] ?? '').replace(/^./, (c) => c.toUpperCase())}${req.path.split('/').length > 2 ? '/{id}' : ''}`;
    counters.calls[resource] = (counters.calls[resource] ?? 0) + 1;
    counters.apiCalls++;
    const grant = bearer(req, res);
    if (!grant) return;
    if (req.headers['xero-tenant-id'] !== tenantId || disconnected.has(grant.connectionId)) {
      problem(res, 403, 'AuthenticationUnsuccessful');
      return;
    }
    if (limits) {
      const refused = limiter.acquire();
      if (refused) {
        counters.rateLimited[refused.problem]++;
        const rem = limiter.remaining();
        res.status(429).set({ 'retry-after': String(refused.retryAfterSeconds), 'x-rate-limit-problem': refused.problem, 'x-daylimit-remaining': String(rem.day), 'x-minlimit-remaining': String(rem.minute) }).type('text/plain').send('');
        return;
      }
      counters.maxInFlight = Math.max(counters.maxInFlight, limiter.inFlight);
      let released = false;
      const release = () => {
        if (!released) limiter.release();
        released = true;
      };
      // The slot is free once the answer is handed over (before any byte reaches the caller), so a caller that
      // starts its next call after reading an answer never meets its own previous call still counted.
      const end = res.end.bind(res) as (...a: unknown[]) => Response;
      res.end = ((...a: unknown[]) => {
        release();
        return end(...a);
      }) as typeof res.end;
      res.on('close', release);
      const rem = limiter.remaining();
      res.set({ 'x-daylimit-remaining': String(rem.day), 'x-minlimit-remaining': String(rem.minute), 'x-appminlimit-remaining': '9999' });
    }
    if (opts.latencyMs) await sleep(opts.latencyMs);
    next();
  });

  // Idempotency-Key on PUT/POST (Xero's OpenAPI header parameter): the same key answers the first answer again.
  api.use((req, res, next) => {
    const key = req.headers['idempotency-key'];
    if ((req.method !== 'PUT' && req.method !== 'POST') || typeof key !== 'string' || !key) return next();
    const fingerprint = createHash('sha256').update(`${req.method} ${req.path} ${JSON.stringify(req.body ?? null)}`).digest('hex');
    const seen = idempotency.get(key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        validation(res, [{ ValidationErrors: [{ Message: `Idempotency Key: ${key} is used with a different request.` }] }]);
        return;
      }
      res.status(seen.status).json(seen.body);
      return;
    }
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 500) idempotency.set(key, { fingerprint, status: res.statusCode, body });
      return json(body);
    };
    next();
  });

  const validation = (res: Response, elements: Array<Record<string, unknown>>) => {
    counters.validationErrors++;
    res.status(400).json({ ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred', Elements: elements });
  };

  const filtered = <T extends Record<string, unknown>>(req: Request, res: Response, rows: T[]): T[] | null => {
    const where = req.query['where'];
    if (typeof where !== 'string' || !where.trim()) return rows;
    try {
      const f = parseWhere(where);
      return rows.filter(f);
    } catch (e) {
      if (!(e instanceof WhereError)) throw e;
      validation(res, [{ ValidationErrors: [{ Message: `The sandbox cannot read this where clause: ${e.message}` }] }]);
      return null;
    }
  };

  /** `page` (1-based) with `pageSize` (default 100, at most 1000) adds `pagination`; without `page`, every row. */
  const paged = <T>(req: Request, rows: T[]): { rows: T[]; pagination?: Record<string, number> } => {
    if (req.query['page'] === undefined) return { rows };
    const page = Math.max(1, Number.parseInt(String(req.query['page']), 10) || 1);
    const pageSize = Math.min(1000, Math.max(1, Number.parseInt(String(req.query['pageSize'] ?? '100'), 10) || 100));
    return {
      rows: rows.slice((page - 1) * pageSize, page * pageSize),
      pagination: { page, pageSize, pageCount: Math.ceil(rows.length / pageSize), itemCount: rows.length },
    };
  };

  const list = (q: unknown) => (typeof q === 'string' && q ? q.split(',').map((s) => s.trim().toLowerCase()) : null);

  api.get('/Contacts', (req, res) => {
    const ids = list(req.query['IDs']);
    const term = typeof req.query['searchTerm'] === 'string' ? req.query['searchTerm'].toLowerCase() : null;
    let rows = [...books.contacts.values()]
      .filter((c) => req.query['includeArchived'] === 'true' || c.ContactStatus === 'ACTIVE')
      .filter((c) => !ids || ids.includes(c.ContactID.toLowerCase()))
      .filter((c) => !term || c.Name.toLowerCase().includes(term) || c.EmailAddress.toLowerCase().includes(term))
      .sort((a, b) => a.Name.localeCompare(b.Name))
      .map(contactWire);
    const f = filtered(req, res, rows);
    if (!f) return;
    rows = f;
    const p = paged(req, rows);
    res.json(envelope(now(), { ...(p.pagination ? { pagination: p.pagination } : {}), Contacts: p.rows }));
  });

  api.get('/Contacts/:id', (req, res) => {
    const c = books.contacts.get(String(req.params['id']));
    if (!c) return notFound(res);
    res.json(envelope(now(), { Contacts: [contactWire(c)] }));
  });

  const writeContacts = (req: Request, res: Response) => {
    const input = (req.body?.Contacts ?? []) as Array<Record<string, unknown>>;
    const out: Array<Record<string, unknown>> = [];
    const failed: Array<Record<string, unknown>> = [];
    for (const c of input) {
      try {
        out.push(contactWire(books.createContact(c)));
        counters.contactsCreated++;
      } catch (e) {
        if (!(e instanceof ValidationFailure)) throw e;
        failed.push({ ...e.element, ValidationErrors: e.messages.map((Message) => ({ Message })) });
      }
    }
    if (failed.length && req.query['summarizeErrors'] !== 'false') return validation(res, failed);
    res.json(envelope(now(), { Contacts: [...out, ...failed.map((f) => ({ ...f, HasValidationErrors: true }))] }));
  };
  api.put('/Contacts', writeContacts);
  api.post('/Contacts', writeContacts);

  api.get('/Accounts', (req, res) => {
    const rows = filtered(req, res, books.accounts.map((a) => accountWire(a, accountsUpdatedMs)));
    if (rows) res.json(envelope(now(), { Accounts: rows }));
  });

  api.get('/TaxRates', (req, res) => {
    const rows = filtered(req, res, books.taxRates.map(taxRateWire));
    if (rows) res.json(envelope(now(), { TaxRates: rows }));
  });

  const wireOf = (doc: SandboxDocument) => (doc.kind === 'invoice' ? invoiceWire(books, doc) : creditNoteWire(books, doc));
  const collection = (kind: DocKind) => (kind === 'invoice' ? 'Invoices' : 'CreditNotes');

  const listDocuments = (kind: DocKind) => (req: Request, res: Response) => {
    const ids = list(req.query['IDs']);
    const numbers = list(req.query['InvoiceNumbers']);
    const statuses = list(req.query['Statuses']);
    const contacts = list(req.query['ContactIDs']);
    let rows = books
      .documentsOf(kind)
      .filter((d) => !ids || ids.includes(d.id.toLowerCase()))
      .filter((d) => !numbers || numbers.includes(d.number.toLowerCase()))
      .filter((d) => !statuses || statuses.includes(d.Status.toLowerCase()))
      .filter((d) => !contacts || contacts.includes(d.contactId.toLowerCase()))
      .map(wireOf);
    const f = filtered(req, res, rows);
    if (!f) return;
    rows = f;
    const p = paged(req, rows);
    res.json(envelope(now(), { ...(p.pagination ? { pagination: p.pagination } : {}), [collection(kind)]: p.rows }));
  };

  const getDocument = (kind: DocKind) => (req: Request, res: Response) => {
    const doc = books.documents.get(String(req.params['id']));
    if (!doc || doc.kind !== kind) return notFound(res);
    res.json(envelope(now(), { [collection(kind)]: [wireOf(doc)] }));
  };

  const writeDocuments = (kind: DocKind, mode: 'create' | 'upsert') => (req: Request, res: Response) => {
    const input = (req.body?.[collection(kind)] ?? []) as Array<Record<string, unknown>>;
    const pathId = req.params['id'] ? String(req.params['id']) : undefined;
    if (pathId && !books.documents.has(pathId)) return notFound(res);
    const out: Array<Record<string, unknown>> = [];
    const failed: Array<Record<string, unknown>> = [];
    for (const d of pathId ? input.slice(0, 1) : input) {
      try {
        const { doc, created } = books.write(kind, d, mode, pathId);
        if (kind === 'invoice') counters[created ? 'invoicesCreated' : 'invoicesUpdated']++;
        else counters[created ? 'creditNotesCreated' : 'creditNotesUpdated']++;
        out.push(wireOf(doc));
      } catch (e) {
        if (!(e instanceof ValidationFailure)) throw e;
        failed.push({ ...e.element, HasErrors: true, ValidationErrors: e.messages.map((Message) => ({ Message })) });
      }
    }
    if (failed.length && req.query['summarizeErrors'] !== 'false') return validation(res, failed);
    res.json(envelope(now(), { [collection(kind)]: [...out, ...failed] }));
  };

  for (const kind of ['invoice', 'credit_note'] as const) {
    const path = `/${collection(kind)}`;
    api.get(path, listDocuments(kind));
    api.get(`${path}/:id`, getDocument(kind));
    api.put(path, writeDocuments(kind, 'create'));
    api.post(path, writeDocuments(kind, 'upsert'));
    api.post(`${path}/:id`, writeDocuments(kind, 'upsert'));
  }

  api.use((_req: Request, res: Response) => notFound(res));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if ((err as { type?: string }).type === 'entity.parse.failed') return validation(res, [{ ValidationErrors: [{ Message: 'The request body is not valid JSON.' }] }]);
    res.status(500).type('text/plain').send('An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.');
  });

  function notFound(res: Response): void {
    res.status(404).type('text/plain').send("The resource you're looking for cannot be found");
  }

  app.use('/api.xro/2.0', api);

  const server = app.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    baseUrl,
    endpoints: {
      authorizeUrl: `${baseUrl}/identity/connect/authorize`,
      tokenUrl: `${baseUrl}/connect/token`,
      revokeUrl: `${baseUrl}/connect/revocation`,
      apiUrl: baseUrl,
    },
    clientId,
    clientSecret,
    tenantId,
    tenantName,
    books,
    identity,
    invoices: () => books.documentsOf('invoice').map(wireOf),
    creditNotes: () => books.documentsOf('credit_note').map(wireOf),
    recordPayment: (id, amount) => void books.recordPayment(id, amount),
    voidInvoice: (id) => void books.voidDocument(id),
    counters: () => structuredClone(counters),
    resetCounters: () => {
      counters = freshCounters();
    },
    setRateLimits: (l) => {
      limits = limitsOf(l);
      if (limits) limiter.setLimits(limits);
    },
    expireAccessTokens: () => identity.expireAccessTokens(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { msDate };
