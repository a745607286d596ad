import type { NextFunction, Request, Response } from 'express';
import type { SandboxState } from '../state.js';
import { sendError } from './errors.js';
import { sendJson } from './send.js';

const WINDOW_MS = 60_000;

/** A fixed one-minute window (wall clock): `take()` counts one request and says whether it is within `limit`. */
class Window {
  private start = -Infinity;
  private count = 0;
  private limit = 0;

  /** A changed limit (admin API) starts a new window. */
  take(limit: number, now: number): { ok: boolean; retryAfterSeconds: number } {
    if (now - this.start >= WINDOW_MS || limit !== this.limit) {
      this.limit = limit;
      this.start = now;
      this.count = 0;
    }
    this.count++;
    return { ok: this.count <= limit, retryAfterSeconds: Math.max(1, Math.ceil((this.start + WINDOW_MS - now) / 1000)) };
  }
}

/**
 * One limit for the whole partner account: every token of the account counts against the same fixed one-minute
 * window, as Pax8 publishes its limit per partner. Request N+1 in a window answers 429 with Pax8's error body;
 * `Retry-After` only if enabled.
 */
export function rateLimiter(state: SandboxState) {
  const window = new Window();
  return (req: Request, res: Response, next: NextFunction): void => {
    const limit = state.rateLimitPerMinute;
    if (limit === null) {
      next();
      return;
    }
    const taken = window.take(limit, Date.now());
    if (!taken.ok) {
      state.stats.rateLimited++;
      if (state.rateLimitRetryAfter) res.setHeader('Retry-After', String(taken.retryAfterSeconds));
      sendError(req, res, 429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded');
      return;
    }
    next();
  };
}

/**
 * Token issuance is limited too: the token requests of the account in a fixed one-minute window beyond
 * `tokenIssuePerMinute` answer 429 with an OAuth error body (`too_many_requests`), before the credentials are read.
 */
export function tokenIssueLimiter(state: SandboxState) {
  const window = new Window();
  return (_req: Request, res: Response, next: NextFunction): void => {
    const limit = state.tokenIssuePerMinute;
    if (limit === null) {
      next();
      return;
    }
    const taken = window.take(limit, Date.now());
    if (!taken.ok) {
      state.stats.tokensRefused++;
      if (state.rateLimitRetryAfter) res.setHeader('Retry-After', String(taken.retryAfterSeconds));
      sendJson(res, 429, { error: 'too_many_requests', error_description: 'Too many token requests' });
      return;
    }
    next();
  };
}
