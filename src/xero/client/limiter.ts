import { performance } from 'node:perf_hooks';

/**
 * Paces one Xero connection (organisation) for this whole process: at most `perMinute` calls in any window of
 * `windowMs` (plus a margin) and at most `concurrent` in flight. A call occupies the minute window from the moment it
 * finishes, not when it starts, so however long the request took to reach Xero, Xero never sees more than `perMinute`
 * arrivals in one of its windows. A daily-limit answer closes the connection until Xero's Retry-After.
 */
export interface PacingLimits {
  perMinute: number;
  windowMs: number;
  concurrent: number;
}

export const XERO_PACING: PacingLimits = { perMinute: 60, windowMs: 60_000, concurrent: 5 };

export class ConnectionLimiter {
  private readonly finished: number[] = [];
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  /** Real-time instant (performance.now) before which no call starts (a minute 429's Retry-After). */
  private pausedUntil = 0;
  /** Epoch ms until which the daily limit is spent (Xero's Retry-After on a daily 429). */
  dailyClosedUntil = 0;
  maxInFlight = 0;

  constructor(private limits: PacingLimits) {}

  setLimits(limits: PacingLimits): void {
    this.limits = limits;
    this.pump();
  }

  private get window(): number {
    return this.limits.windowMs + Math.max(50, this.limits.windowMs * 0.01);
  }

  /** Resolves when a call may start; the caller must call the returned release exactly once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const i = this.waiters.indexOf(go);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.push(go);
      this.pump();
    });
    // pump() counted this call in flight when it let it go.
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.finished.push(performance.now());
      this.pump();
    };
  }

  /** Nobody starts before `ms` from now (Xero's Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + ms);
    this.pump();
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.waiters.length) {
      const now = performance.now();
      while (this.finished.length && this.finished[0]! <= now - this.window) this.finished.shift();
      if (this.inFlight >= this.limits.concurrent) return; // a release pumps again
      let wait = this.pausedUntil - now;
      if (this.finished.length + this.inFlight >= this.limits.perMinute) {
        // Full: wait for the oldest finished call to leave the window (if every slot is in flight, a release pumps).
        if (!this.finished.length) return;
        wait = Math.max(wait, this.finished[0]! + this.window - now);
      }
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(wait));
        return;
      }
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      this.waiters.shift()!();
    }
  }
}

const registry = new Map<string, ConnectionLimiter>();

/** The one limiter of a connection in this process. */
export function limiterFor(connectionKey: string, limits: PacingLimits = XERO_PACING): ConnectionLimiter {
  let l = registry.get(connectionKey);
  if (!l) {
    l = new ConnectionLimiter(limits);
    registry.set(connectionKey, l);
  } else {
    l.setLimits(limits);
  }
  return l;
}
