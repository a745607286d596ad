import type { RequestBudget } from './config.js';
import { Pacer } from './pacer.js';

/**
 * Bounded concurrency for one client, plus the pacing of a Pacer: its own (a rate per minute, or null for none) or
 * one shared by every client of the tenant (see tenant-state.ts), and then, when given, one start from the tenant's
 * request budget shared with other processes.
 */
export class Scheduler {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  readonly pacer: Pacer;

  constructor(
    private readonly concurrency: number,
    pacing: number | null | Pacer,
    private readonly budget?: RequestBudget,
  ) {
    this.pacer = pacing instanceof Pacer ? pacing : new Pacer(pacing);
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire();
    try {
      await this.pacer.pace(signal);
      await this.budget?.take(signal);
      return await task();
    } finally {
      this.release();
    }
  }

  /** Nobody starts a request before `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.pacer.pauseUntil(until);
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
