import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SandboxData } from './data.js';
import { TokenStore, requireBearer, tokenHandler } from './http/auth.js';
import { sendError } from './http/errors.js';
import { FaultInjector } from './http/faults.js';
import { rateLimiter, tokenIssueLimiter } from './http/rate-limit.js';
import { adminRouter } from './routes/admin.js';
import { companyRoutes } from './routes/companies.js';
import { productRoutes } from './routes/products.js';
import { settleDue, subscriptionRoutes } from './routes/subscriptions.js';
import { usageRoutes } from './routes/usage.js';
import { invoiceRoutes } from './routes/invoices.js';
import { webhookRoutes } from './routes/webhooks.js';
import { Rng } from './prng.js';
import { SandboxWebhooks } from './webhooks.js';
import { AUDIENCES, countRequest, type SandboxState, type SandboxStats } from './state.js';
import type { FaultConfig, SandboxOptions } from './types.js';

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:PORT/v1 (partner endpoints under it). */
  baseUrl: string;
  /** e.g. http://127.0.0.1:PORT/v1/token (POST JSON {client_id, client_secret, audience, grant_type}). */
  tokenUrl: string;
  /** e.g. http://127.0.0.1:PORT/admin */
  adminUrl: string;
  /** e.g. http://127.0.0.1:PORT/api/v2 (the webhooks API: `${webhooksApiUrl}/webhooks`), like https://api.pax8.com/api/v2. */
  webhooksApiUrl: string;
  /** The webhooks registered with the sandbox (with their authorization values) and their delivery logs. */
  webhooks: SandboxWebhooks;
  /** 'https://api.pax8.com' (also accepts 'api://p8p.client'). */
  audience: string;
  clientId: string;
  clientSecret: string;
  data: SandboxData;
  setFaults(f: FaultConfig | null): void;
  setRateLimit(perMinute: number | null): void;
  /** Every issued token becomes invalid (to test refresh after 401). */
  expireTokens(): void;
  /** Settles every pending quantity change now (or only those due) and delivers their webhooks; answers how many. */
  settlePending(opts?: { all?: boolean }): number;
  stats(): SandboxStats;
  close(): Promise<void>;
}

export const DEFAULT_NOW = '2026-11-15T12:00:00Z';

function count(v: number | undefined, fallback: number, name: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new Error(`sandbox option ${name} must be a non-negative integer`);
  return n;
}

/** Builds the data set and starts the HTTP server; resolves once it listens. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const companies = Math.max(1, count(opts.companies, 200, 'companies'));
  const data = new SandboxData({
    seed: opts.seed ?? 42,
    companies,
    subscriptions: count(opts.subscriptions, companies * 5, 'subscriptions'),
    usageSummaries: count(opts.usageSummaries, Math.max(1, Math.round(companies * 0.4)), 'usageSummaries'),
    now: opts.now ?? DEFAULT_NOW,
    pending: {
      ...(opts.quantityChanges !== undefined ? { mode: opts.quantityChanges } : {}),
      ...(opts.pendingSettleMs !== undefined ? { settleMs: opts.pendingSettleMs } : {}),
      ...(opts.pendingSettleWallMs !== undefined ? { settleWallMs: opts.pendingSettleWallMs } : {}),
      ...(opts.pendingFailureRate !== undefined ? { failureRate: opts.pendingFailureRate } : {}),
      ...(opts.requireProvisioningDetails !== undefined ? { requireProvisioningDetails: opts.requireProvisioningDetails } : {}),
    },
  });
  const state: SandboxState = {
    data,
    clientId: opts.clientId ?? 'sandbox-client',
    clientSecret: opts.clientSecret ?? 'sandbox-secret',
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 86400,
    rateLimitPerMinute: opts.rateLimitPerMinute === undefined ? 1000 : opts.rateLimitPerMinute,
    rateLimitRetryAfter: opts.rateLimitRetryAfter ?? false,
    tokenIssuePerMinute: opts.tokenIssuePerMinute === undefined ? 30 : opts.tokenIssuePerMinute,
    faults: null,
    oversizePage: opts.oversizePage ?? 'clamp',
    stats: { requests: 0, faultsInjected: 0, rateLimited: 0, tokensIssued: 0, tokensRefused: 0, requestsByKind: {} },
    webhooks: new SandboxWebhooks(Rng.from(opts.seed ?? 42, 'partner-account').uuid(), data.clock, { retryDelayMs: opts.webhookRetryDelayMs }),
  };
  const tokens = new TokenStore(state);
  const faults = new FaultInjector(state);
  faults.configure(opts.faults ?? null);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use('/admin', express.json({ limit: '1mb' }), adminRouter(state, faults, tokens));

  const v1 = express.Router();
  v1.use((req, _res, next) => {
    countRequest(state.stats, req.originalUrl);
    settleDue(state);
    next();
  });
  const parse = [express.json({ limit: '1mb' }), express.urlencoded({ extended: false })];
  const tokenLimiter = tokenIssueLimiter(state);
  v1.post('/token', faults.middleware(true), tokenLimiter, ...parse, tokenHandler(state, tokens));
  // One rate limit for the whole partner account (all its tokens) across the partner and the webhooks APIs.
  const limiter = rateLimiter(state);
  v1.use(faults.middleware(false), requireBearer(tokens), limiter, express.json({ limit: '1mb' }));
  companyRoutes(v1, state);
  productRoutes(v1, state);
  subscriptionRoutes(v1, state);
  usageRoutes(v1, state);
  invoiceRoutes(v1, state);
  v1.use((req: Request, res: Response) => sendError(req, res, 404, 'NOT_FOUND', `No endpoint ${req.method} ${req.originalUrl.split('?')[0]}`));
  app.use('/v1', v1);

  // The webhooks API lives beside the partner API, like https://api.pax8.com/api/v2/webhooks.
  const v2 = express.Router();
  v2.use((req, _res, next) => {
    countRequest(state.stats, req.originalUrl);
    settleDue(state);
    next();
  });
  v2.use(faults.middleware(false), requireBearer(tokens), limiter, express.json({ limit: '1mb' }));
  webhookRoutes(v2, state);
  v2.use((req: Request, res: Response) => sendError(req, res, 404, 'NOT_FOUND', `No endpoint ${req.method} ${req.originalUrl.split('?')[0]}`));
  app.use('/api/v2', v2);
  // The older token URL some clients use.
  app.post('/oauth/token', (req, _res, next) => { countRequest(state.stats, req.originalUrl); next(); }, faults.middleware(true), tokenLimiter, ...parse, tokenHandler(state, tokens));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    sendError(req, res, status, status === 400 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : 'error');
  });

  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.on('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    baseUrl: `${origin}/v1`,
    tokenUrl: `${origin}/v1/token`,
    adminUrl: `${origin}/admin`,
    webhooksApiUrl: `${origin}/api/v2`,
    webhooks: state.webhooks,
    audience: AUDIENCES[0]!,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    data,
    setFaults: (f) => faults.configure(f),
    setRateLimit: (perMinute) => {
      state.rateLimitPerMinute = perMinute;
    },
    expireTokens: () => tokens.expireAll(),
    settlePending: (o) => settleDue(state, o?.all ?? true),
    stats: () => ({ ...state.stats, requestsByKind: { ...state.stats.requestsByKind } }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        state.webhooks.closed = true;
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
