import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

// 1 % slack so that network jitter cannot squeeze limit + 1 requests into one server window.
const PACING_MARGIN = 1.01;

/**
 * Bounded concurrency plus even pacing for one client. Request starts are at
 * least `60 000 / perMinute` ms apart (plus the margin), measured from the
 * previous actual start, so a late timer never lets two requests bunch up;
 * a Retry-After holds every later start back.
 */
export class Scheduler {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly intervalMs: number;
  private lastStart = -Infinity;
  private pausedUntil = -Infinity; // performance.now() clock
  private turn: Promise<void> = Promise.resolve();

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

  private pace(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === 0 && this.pausedUntil <= performance.now()) return Promise.resolve();
    // One waiter at a time, in order; each measures from the previous real start.
    const mine = this.turn.then(async () => {
      const wait = Math.max(this.lastStart + this.intervalMs, this.pausedUntil) - performance.now();
      if (wait > 0) await sleep(Math.ceil(wait), undefined, { signal });
      this.lastStart = performance.now();
    });
    this.turn = mine.catch(() => undefined);
    return mine;
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
