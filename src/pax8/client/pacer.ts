import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

// 1 % slack so that network jitter cannot squeeze limit + 1 requests into one server window.
const PACING_MARGIN = 1.01;
const NEXT_SLOT = 0;
const LAST_START = 1;
const PAUSED_UNTIL = 2;

/** Epoch microseconds, the same clock in every thread of the process. */
function nowUs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

/**
 * Even pacing of request starts, shareable by every client of a tenant, in any thread: its timeline lives in a
 * SharedArrayBuffer (`buffer`) updated atomically, so a client built in the import's thread from the same buffer
 * draws its starts from the same timeline. Starts are assigned on an ideal timeline `60 000 / perMinute` ms apart
 * (plus the margin), so a timer that fires late does not slow every later request; a late start may catch up, but
 * never closer than half an interval to the previous real start, so any window holds at most
 * limit·(1 + lateness / window) requests — the margin covers that. A Retry-After holds every later start back.
 */
export class Pacer {
  readonly buffer: SharedArrayBuffer;
  readonly #cells: BigInt64Array;
  readonly #intervalUs: bigint;

  constructor(readonly perMinute: number | null, buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(3 * 8);
    this.#cells = new BigInt64Array(this.buffer);
    this.#intervalUs = perMinute ? BigInt(Math.round((60_000_000 / perMinute) * PACING_MARGIN)) : 0n;
  }

  /** Nobody starts a request before `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.#raise(PAUSED_UNTIL, BigInt(Math.round(until * 1000)));
  }

  /** Resolves when the caller may start its request. */
  async pace(signal?: AbortSignal): Promise<void> {
    const paused = () => Atomics.load(this.#cells, PAUSED_UNTIL);
    if (this.#intervalUs === 0n && paused() <= nowUs()) return;
    const slot = this.#reserve();
    for (;;) {
      const lastStart = Atomics.load(this.#cells, LAST_START);
      const target = max(slot, paused(), lastStart === 0n ? 0n : lastStart + this.#intervalUs / 2n);
      const waitUs = target - nowUs();
      if (waitUs <= 0n) break;
      await sleep(Math.ceil(Number(waitUs) / 1000), undefined, { signal });
    }
    this.#raise(LAST_START, nowUs());
  }

  /** Takes the next slot of the timeline: max(now, next slot, pause), and moves the next slot one interval on. */
  #reserve(): bigint {
    for (;;) {
      const next = Atomics.load(this.#cells, NEXT_SLOT);
      const slot = max(nowUs(), next, Atomics.load(this.#cells, PAUSED_UNTIL));
      if (Atomics.compareExchange(this.#cells, NEXT_SLOT, next, slot + this.#intervalUs) === next) return slot;
    }
  }

  #raise(cell: number, value: bigint): void {
    for (;;) {
      const old = Atomics.load(this.#cells, cell);
      if (old >= value || Atomics.compareExchange(this.#cells, cell, old, value) === old) return;
    }
  }
}

function max(...values: bigint[]): bigint {
  return values.reduce((a, b) => (a > b ? a : b));
}
