import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FaultInjector } from '../http/faults.js';
import type { TokenStore } from '../http/auth.js';
import { sendJson } from '../http/send.js';
import { renderCompany, renderSubscription } from '../render.js';
import type { SandboxState } from '../state.js';
import type { BillingTerm, FaultConfig, SubscriptionStatus } from '../types.js';
import { BadRequest } from '../http/paging.js';
import { SandboxError } from '../data.js';
import { param } from './handle.js';
import { settleDue } from './subscriptions.js';
import { companyEvent, renderLog, renderWebhook, subscriptionEvent } from '../webhooks.js';

/** Basic auth with the sandbox's client id/secret, or X-Sandbox-Client-Id / X-Sandbox-Client-Secret headers. */
function requireAdmin(state: SandboxState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let id = req.header('x-sandbox-client-id');
    let secret = req.header('x-sandbox-client-secret');
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      id = decoded.slice(0, i);
      secret = decoded.slice(i + 1);
    }
    if (id !== state.clientId || secret !== state.clientSecret) {
      res.setHeader('WWW-Authenticate', 'Basic realm="sandbox-admin"');
      sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
      return;
    }
    next();
  };
}

function adminHandle(fn: (req: Request, res: Response) => void) {
  return (req: Request, res: Response): void => {
    try {
      fn(req, res);
    } catch (err) {
      const status = err instanceof SandboxError ? err.status : 400;
      sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

function body(req: Request): Record<string, unknown> {
  const b = req.body as unknown;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

function num(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`${name} must be a number`);
  return v;
}

/** Admin API (not under /v1): never faulted or rate limited. See README.md. */
export function adminRouter(state: SandboxState, faults: FaultInjector, tokens: TokenStore): Router {
  const r = express.Router();
  const data = state.data;
  r.use(requireAdmin(state));

  const summary = () => ({
    now: data.clock.nowIso(),
    version: data.version,
    seed: data.seed,
    partnerCompanyId: data.partnerCompanyId,
    counts: { companies: data.companies.length, products: data.products.length, subscriptions: data.subscriptions.length, usageSummaries: data.usageSummaries.length },
    faults: state.faults,
    rateLimitPerMinute: state.rateLimitPerMinute,
    rateLimitRetryAfter: state.rateLimitRetryAfter,
    tokenIssuePerMinute: state.tokenIssuePerMinute,
    stats: { ...state.stats, requestsByKind: { ...state.stats.requestsByKind } },
  });

  r.get('/state', adminHandle((_req, res) => sendJson(res, 200, summary())));

  r.post('/clock/advance', adminHandle((req, res) => {
    const b = body(req);
    let ms = 0;
    if (b['to'] !== undefined) {
      const to = Date.parse(String(b['to']));
      if (Number.isNaN(to)) throw new BadRequest('to must be an ISO instant');
      ms = to - data.clock.nowMs();
    } else {
      ms = (Number(b['days'] ?? 0) * 86400 + Number(b['hours'] ?? 0) * 3600 + Number(b['seconds'] ?? 0)) * 1000 + Number(b['ms'] ?? 0);
    }
    if (!Number.isFinite(ms) || ms < 0) throw new BadRequest('the clock only moves forward');
    for (const s of data.advanceClock(ms)) state.webhooks.emit(subscriptionEvent(s, 'UPDATED'));
    sendJson(res, 200, { now: data.clock.nowIso() });
  }));

  /** Settles every pending quantity change now (`{all: false}`: only those due). */
  r.post('/pending/settle', adminHandle((req, res) => {
    const b = body(req);
    sendJson(res, 200, { settled: settleDue(state, b['all'] !== false) });
  }));

  r.post('/subscriptions', adminHandle((req, res) => {
    const b = body(req);
    const s = data.addSubscription({
      companyId: String(b['companyId'] ?? ''),
      productId: String(b['productId'] ?? ''),
      ...(b['quantity'] !== undefined ? { quantity: num(b['quantity'], 'quantity') } : {}),
      ...(b['billingTerm'] !== undefined ? { billingTerm: String(b['billingTerm']) as BillingTerm } : {}),
      ...(b['status'] !== undefined ? { status: String(b['status']) as SubscriptionStatus } : {}),
    });
    state.webhooks.emit(subscriptionEvent(s, 'CREATED'));
    sendJson(res, 201, renderSubscription(s, true));
  }));

  r.post('/subscriptions/:id/quantity', adminHandle((req, res) => {
    const version = data.version;
    const s = data.setQuantity(param(req, 'id'), num(body(req)['quantity'], 'quantity'), false);
    if (data.version !== version) state.webhooks.emit(subscriptionEvent(s, 'UPDATED'));
    sendJson(res, 200, renderSubscription(s, true));
  }));

  r.post('/subscriptions/:id/cancel', adminHandle((req, res) => {
    const raw = body(req)['cancelDate'];
    const at = raw === undefined ? undefined : Date.parse(String(raw));
    if (at !== undefined && Number.isNaN(at)) throw new BadRequest('cancelDate must be an ISO instant');
    const s = data.cancel(param(req, 'id'), at);
    state.webhooks.emit(subscriptionEvent(s, 'CANCELLED'));
    sendJson(res, 200, renderSubscription(s, true));
  }));

  r.delete('/subscriptions/:id', adminHandle((req, res) => {
    const s = data.requireSubscription(param(req, 'id'));
    data.deleteSubscription(s.id);
    state.webhooks.emit(subscriptionEvent(s, 'DELETED'));
    res.status(204).end();
  }));

  r.post('/companies/:id/rename', adminHandle((req, res) => {
    const name = body(req)['name'];
    if (typeof name !== 'string' || name === '') throw new BadRequest('name must be a non-empty string');
    const c = data.renameCompany(param(req, 'id'), name);
    state.webhooks.emit(companyEvent(c, 'UPDATED'));
    sendJson(res, 200, renderCompany(c));
  }));

  r.post('/companies/:id/status', adminHandle((req, res) => {
    const status = body(req)['status'];
    if (status !== 'Active' && status !== 'Inactive' && status !== 'Deleted') throw new BadRequest('status must be Active, Inactive or Deleted');
    const c = data.setCompanyStatus(param(req, 'id'), status);
    state.webhooks.emit(companyEvent(c, 'UPDATED'));
    sendJson(res, 200, renderCompany(c));
  }));

  r.put('/faults', adminHandle((req, res) => {
    const b = req.body as FaultConfig | null;
    faults.configure(b && typeof b === 'object' && 'rate' in b ? b : null);
    sendJson(res, 200, { faults: state.faults });
  }));

  r.delete('/faults', adminHandle((_req, res) => {
    faults.configure(null);
    sendJson(res, 200, { faults: null });
  }));

  r.put('/rate-limit', adminHandle((req, res) => {
    const b = body(req);
    const per = b['perMinute'];
    if (per !== null && (typeof per !== 'number' || !(per > 0))) throw new BadRequest('perMinute must be a positive number or null');
    const tokensPer = b['tokensPerMinute'];
    if (tokensPer !== undefined && tokensPer !== null && (typeof tokensPer !== 'number' || !(tokensPer > 0))) throw new BadRequest('tokensPerMinute must be a positive number or null');
    state.rateLimitPerMinute = per;
    if (tokensPer !== undefined) state.tokenIssuePerMinute = tokensPer;
    if (typeof b['retryAfter'] === 'boolean') state.rateLimitRetryAfter = b['retryAfter'];
    sendJson(res, 200, { rateLimitPerMinute: state.rateLimitPerMinute, rateLimitRetryAfter: state.rateLimitRetryAfter, tokenIssuePerMinute: state.tokenIssuePerMinute });
  }));

  r.post('/tokens/expire', adminHandle((_req, res) => {
    tokens.expireAll();
    sendJson(res, 200, { expired: true });
  }));

  /** The registered webhooks (with their authorization values: this is the sandbox's own view) and delivery logs. */
  r.get('/webhooks', adminHandle((_req, res) => sendJson(res, 200, {
    webhooks: state.webhooks.list().map((w) => ({ ...renderWebhook(w), authorization: w.authorization ?? null })),
    logs: state.webhooks.logs.map(renderLog),
  })));

  r.get('/stats', adminHandle((_req, res) => sendJson(res, 200, { ...state.stats, requestsByKind: { ...state.stats.requestsByKind } })));
  return r;
}
