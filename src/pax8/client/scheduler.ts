import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

// 1 % slack so that network jitter cannot squeeze limit + 1 requests into one server window.
const PACING_MARGIN = 1.01;

/**
 * Bounded concurrency plus even pacing for one client. Starts are assigned on an
 * ideal timeline `60 000 / perMinute` ms apart (plus the margin), so a timer that
 * fires late does not slow every later request; a late start may catch up, but
 * never closer than half an interval to the previous real start, so any window
 * holds at most limit·(1 + lateness / window) requests — the margin covers that.
 * A Retry-After holds every later start back.
 */
export class Scheduler {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly intervalMs: number;
  private nextSlot = -Infinity; // performance.now() clock, as are the two below
  private lastStart = -Infinity;
  private pausedUntil = -Infinity;

  constructor(
    private readonly concurrency: number,
    perMinute: number | null,
  ) {
    this.intervalMs = perMinute ? (60_000 / perMinute) * PACING_MARGIN : 0;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire();
    try {
      await this.pace(signal);
      return await task();
    } finally {
      this.release();
    }
  }

  /** Nobody starts a request before `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + (until - Date.now()));
  }

  private async pace(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === 0 && this.pausedUntil <= performance.now()) return;
    const slot = Math.max(performance.now(), this.nextSlot, this.pausedUntil);
    this.nextSlot = slot + this.intervalMs;
    for (;;) {
      const now = performance.now();
      const wait = Math.max(slot, this.pausedUntil, this.lastStart + this.intervalMs / 2) - now;
      if (wait <= 0) break;
      await sleep(Math.ceil(wait), undefined, { signal });
    }
    this.lastStart = performance.now();
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
