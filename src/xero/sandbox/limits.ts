import { performance } from 'node:perf_hooks';

/** Xero's per-organisation limits (developer.xero.com FAQ "Limits"): 60 calls a minute, 5 in progress, 5000 a day. */
export interface XeroRateLimits {
  perMinute: number;
  /** The minute window's length (60 000 ms; tests shorten it to keep bursts quick). */
  windowMs: number;
  concurrent: number;
  /** Calls per rolling 24 hours of the sandbox clock. */
  daily: number;
}

export const XERO_LIMITS: XeroRateLimits = { perMinute: 60, windowMs: 60_000, concurrent: 5, daily: 5000 };

export type LimitProblem = 'minute' | 'day' | 'concurrent';

export interface LimitRefusal {
  problem: LimitProblem;
  retryAfterSeconds: number;
}

/**
 * Counts one organisation's calls. Refused calls are not counted (a guess: Xero does not say). Minute and concurrency
 * windows run on real time (they pace real requests); the daily window runs on the sandbox clock (so a test can move
 * a day on).
 */
export class TenantLimiter {
  private readonly minute: number[] = [];
  private readonly day: number[] = [];
  inFlight = 0;

  constructor(private limits: XeroRateLimits, private readonly clock: () => number) {}

  setLimits(limits: XeroRateLimits): void {
    this.limits = limits;
  }

  /** Takes a slot for one call, or says which limit refuses it. */
  acquire(): LimitRefusal | null {
    const real = performance.now();
    const sandboxNow = this.clock();
    while (this.minute.length && this.minute[0]! <= real - this.limits.windowMs) this.minute.shift();
    while (this.day.length && this.day[0]! <= sandboxNow - 86_400_000) this.day.shift();
    if (this.day.length >= this.limits.daily) {
      return { problem: 'day', retryAfterSeconds: Math.max(1, Math.ceil((this.day[0]! + 86_400_000 - sandboxNow) / 1000)) };
    }
    if (this.minute.length >= this.limits.perMinute) {
      return { problem: 'minute', retryAfterSeconds: Math.max(1, Math.ceil((this.minute[0]! + this.limits.windowMs - real) / 1000)) };
    }
    if (this.inFlight >= this.limits.concurrent) return { problem: 'concurrent', retryAfterSeconds: 1 };
    this.minute.push(real);
    this.day.push(sandboxNow);
    this.inFlight++;
    return null;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  remaining(): { day: number; minute: number } {
    return { day: Math.max(0, this.limits.daily - this.day.length), minute: Math.max(0, this.limits.perMinute - this.minute.length) };
  }
}
