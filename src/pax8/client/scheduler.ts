import { setTimeout as sleep } from 'node:timers/promises';

// 1 % slack so that network jitter cannot squeeze limit + 1 requests into one server window.
const PACING_MARGIN = 1.01;

/**
 * Bounded concurrency plus even pacing for one client. Slots are handed out
 * `60 000 / perMinute` ms apart (plus the margin), so no one-minute window sees
 * more than the limit; a Retry-After pushes every later slot back.
 */
export class Scheduler {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly concurrency: number,
    perMinute: number | null,
    private readonly now: () => number = Date.now,
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
    this.nextSlot = Math.max(this.nextSlot, until);
  }

  private async pace(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    if (this.intervalMs > 0) this.nextSlot = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now, undefined, { signal });
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
