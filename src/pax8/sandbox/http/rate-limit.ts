import type { NextFunction, Request, Response } from 'express';
import type { SandboxState } from '../state.js';
import { sendError } from './errors.js';

const WINDOW_MS = 60_000;

/**
 * Per-token fixed one-minute windows (wall clock): request N+1 in a window answers 429 with
 * Pax8's error body; `Retry-After` only if enabled.
 */
export function rateLimiter(state: SandboxState) {
  const windows = new Map<string, { start: number; count: number }>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const limit = state.rateLimitPerMinute;
    if (limit === null) {
      next();
      return;
    }
    const key = String(res.locals['token'] ?? req.ip);
    const now = Date.now();
    let w = windows.get(key);
    if (!w || now - w.start >= WINDOW_MS) {
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    if (w.count > limit) {
      state.stats.rateLimited++;
      if (state.rateLimitRetryAfter) res.setHeader('Retry-After', String(Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000))));
      sendError(req, res, 429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded');
      return;
    }
    next();
  };
}
