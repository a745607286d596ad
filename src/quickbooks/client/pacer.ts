import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Intuit's published limits for the Accounting API (see README.md): 500 requests a minute per realm and app, and no
 * more than 10 requests in flight to one realm. The pacer keeps one connection under both: a sliding one-minute window
 * of request starts and a count of requests in flight. One pacer per connection key, shared by every client of that
 * connection in this process (`pacerFor`). A 429 pauses every later start (`pauseUntil`).
 */
export interface PacerLimits {
  /** Request starts in any 60 s window; null: no limit. */
  perMinute: number | null;
  /** Requests in flight at once. */
  concurrent: number;
}

export const INTUIT_LIMITS: PacerLimits = { perMinute: 500, concurrent: 10 };

const WINDOW_MS = 60_000;

export class QuickBooksPacer {
  readonly #starts: number[] = [];
  readonly #waiting: Array<() => void> = [];
  #inFlight = 0;
  #pausedUntil = 0;

  constructor(readonly limits: PacerLimits = INTUIT_LIMITS, private readonly clock: () => number = Date.now) {}

  /** Nobody starts a request before `until` (epoch ms of `clock`). */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `fn` once a slot is free and the window allows one more start. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      await this.#waitForWindow(signal);
      return await fn();
    } finally {
      this.#release();
    }
  }

  async #acquire(signal?: AbortSignal): Promise<void> {
    if (this.#inFlight < this.limits.concurrent) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.#inFlight--;
  }

  async #waitForWindow(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock();
      while (this.#starts.length && this.#starts[0]! <= now - WINDOW_MS) this.#starts.shift();
      let wait = this.#pausedUntil - now;
      const max = this.limits.perMinute;
      if (max !== null && this.#starts.length >= max) wait = Math.max(wait, this.#starts[this.#starts.length - max]! + WINDOW_MS - now);
      if (wait <= 0) {
        this.#starts.push(now);
        return;
      }
      await sleep(Math.min(wait, WINDOW_MS), undefined, { signal });
    }
  }
}

const PACERS = new Map<string, QuickBooksPacer>();

/** The process-wide pacer of one connection (created with `limits` on first use). */
export function pacerFor(connectionKey: string, limits: PacerLimits = INTUIT_LIMITS): QuickBooksPacer {
  let p = PACERS.get(connectionKey);
  if (!p) {
    p = new QuickBooksPacer(limits);
    PACERS.set(connectionKey, p);
  }
  return p;
}
