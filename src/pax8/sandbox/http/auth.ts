import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AUDIENCES, type SandboxState } from '../state.js';
import { sendError } from './errors.js';
import { sendJson } from './send.js';

interface IssuedToken {
  /** Expiry in wall-clock ms; the sandbox clock's advances count against it too. */
  expiresAtMs: number;
}

/** Issues and checks bearer tokens (client-credentials grant). */
export class TokenStore {
  private tokens = new Map<string, IssuedToken>();

  constructor(private readonly state: SandboxState) {}

  issue(): { token: string; expiresIn: number } {
    const token = randomBytes(24).toString('base64url');
    const lifetime = this.state.tokenLifetimeSeconds;
    this.tokens.set(token, { expiresAtMs: Date.now() + this.state.data.clock.advancedMs() + lifetime * 1000 });
    return { token, expiresIn: lifetime };
  }

  valid(token: string): boolean {
    const t = this.tokens.get(token);
    if (!t) return false;
    if (Date.now() + this.state.data.clock.advancedMs() >= t.expiresAtMs) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  expireAll(): void {
    this.tokens.clear();
  }
}

/** POST /v1/token (also /oauth/token): JSON or form body `{client_id, client_secret, audience, grant_type}`. */
export function tokenHandler(state: SandboxState, store: TokenStore) {
  return (req: Request, res: Response): void => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body['grant_type'] !== 'client_credentials') {
      sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
      return;
    }
    const audienceOk = body['audience'] === undefined || AUDIENCES.includes(String(body['audience']));
    if (body['client_id'] !== state.clientId || body['client_secret'] !== state.clientSecret || !audienceOk) {
      sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
      return;
    }
    const { token, expiresIn } = store.issue();
    state.stats.tokensIssued++;
    sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
  };
}

/** Partner endpoints need `Authorization: Bearer <token>`; otherwise 401 with Pax8's error body. */
export function requireBearer(store: TokenStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendError(req, res, 401, 'UNAUTHORIZED', 'Full authentication is required to access this resource');
      return;
    }
    if (!store.valid(m[1]!)) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendError(req, res, 401, 'UNAUTHORIZED', 'Invalid or expired access token');
      return;
    }
    res.locals['token'] = m[1];
    next();
  };
}
