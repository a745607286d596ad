import type { NextFunction, Request, Response } from 'express';
import { Rng } from '../prng.js';
import type { SandboxState } from '../state.js';
import type { FaultConfig } from '../types.js';
import { sendError } from './errors.js';

export const DEFAULT_SLOW_MS = 30_000;

/**
 * Injects faults at the configured rate, drawn from a seeded generator (same seed and request
 * order → same faults). `slow` delays the real answer by `slowMs`; `reset` destroys the socket;
 * `truncated`/`malformed` let the route answer and damage the body (see send.ts).
 */
export class FaultInjector {
  private rng = new Rng(0);

  constructor(private readonly state: SandboxState) {
    this.configure(state.faults);
  }

  configure(f: FaultConfig | null): void {
    if (f) {
      if (!(f.rate >= 0 && f.rate <= 1)) throw new Error('fault rate must be within 0..1');
      if (!Array.isArray(f.kinds) || f.kinds.length === 0) throw new Error('fault kinds must be a non-empty list');
    }
    this.state.faults = f;
    this.rng = new Rng(f?.seed ?? 1);
  }

  middleware(isToken: boolean) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const f = this.state.faults;
      if (!f || f.rate <= 0 || (isToken && !f.includeToken)) {
        next();
        return;
      }
      if (this.rng.next() >= f.rate) {
        next();
        return;
      }
      const kind = this.rng.pick(f.kinds);
      this.state.stats.faultsInjected++;
      switch (kind) {
        case '429':
          sendError(req, res, 429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded');
          return;
        case '500':
          sendError(req, res, 500, 'INTERNAL_SERVER_ERROR', 'An unexpected error occurred');
          return;
        case '503':
          sendError(req, res, 503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable');
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'slow': {
          const timer = setTimeout(next, f.slowMs ?? DEFAULT_SLOW_MS);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'truncated':
        case 'malformed':
          res.locals['bodyFault'] = kind;
          next();
          return;
      }
    };
  }
}
