import { expect } from 'chai';
import { LATENESS_MS, SharedRequestBudget, SLICE_MS, type BudgetStore } from '../../../src/tenants/request-budget.js';

/**
 * Issue 26 (request pacing): the shared request budget's arithmetic on a simulated clock. The slices are counted in
 * memory by the same rule the database applies (a claim fits when the starts of every slice from the window's first on
 * stay within the limit), several budgets share them as processes share the table, and the run's starts are checked
 * the way Pax8 counts them: per 60 s window.
 */

const LIMIT = 1000;
const MINUTE = 60_000;

/** The table in memory: starts per slice. */
class MemoryStore implements BudgetStore {
  readonly used = new Map<number, number>();

  async claim(slice: number, from: number, want: number, limit: number): Promise<number> {
    let sum = 0;
    for (const [s, n] of this.used) {
      if (s >= from) sum += n;
      else this.used.delete(s);
    }
    const n = Math.min(want, limit - sum);
    if (n <= 0) return 0;
    this.used.set(slice, (this.used.get(slice) ?? 0) + n);
    return n;
  }
}

/** A simulated clock: sleeps are timers on it, run in time order once every promise has settled. */
class SimClock {
  now: number;
  readonly #timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  #seq = 0;

  constructor(start: number) {
    this.now = start;
  }

  sleep = (ms: number): Promise<void> => new Promise((wake) => {
    this.#timers.push({ at: this.now + Math.max(0, ms), seq: this.#seq++, wake });
  });

  until = (at: number): Promise<void> => this.sleep(at - this.now);

  /** Runs the timers due up to `end`. */
  async run(end: number): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r)); // everything the last wake-up set off
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > end) return;
      this.#timers.shift();
      this.now = next.at;
      next.wake();
    }
  }
}

/** A deterministic 0..1 sequence (whether a start is late). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The most starts any 60 s window [t, t + 60 s) holds. */
function busiestWindow(starts: number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= MINUTE) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** Starts in each whole simulated minute from `from`. */
function perMinute(starts: number[], from: number, minutes: number): number[] {
  return Array.from({ length: minutes }, (_, m) => starts.filter((t) => t >= from + m * MINUTE && t < from + (m + 1) * MINUTE).length);
}

/**
 * `loops` callers sharing one budget per process, each asking for its starts on a timeline `interval` ms apart (as the
 * client's pacer does: a caller held back catches up); answers when each start reached Pax8: at its claim, or for half
 * of them (at random) `lateness` ms later — the spread that a window at Pax8 could squeeze more starts from.
 */
async function simulate(opts: { processes: number; loops: number; interval: number; minutes: number; lateness: number }): Promise<{ starts: number[]; t0: number }> {
  const t0 = Date.parse('2026-11-16T09:00:00.100Z');
  const clock = new SimClock(t0);
  const store = new MemoryStore();
  const late = lcg(26);
  const starts: number[] = [];
  const end = t0 + opts.minutes * MINUTE;
  const loops: Array<Promise<void>> = [];
  for (let p = 0; p < opts.processes; p++) {
    const budget = new SharedRequestBudget(store, LIMIT, () => clock.now, clock.sleep);
    for (let l = 0; l < opts.loops; l++) {
      loops.push((async () => {
        for (let slot = t0 + p * 7 + l * opts.interval; clock.now < end; slot += opts.interval * opts.loops) {
          if (slot > clock.now) await clock.until(slot);
          await budget.take();
          if (clock.now < end) starts.push(clock.now + (late() < 0.5 ? 0 : opts.lateness));
        }
      })());
    }
  }
  await clock.run(end);
  void loops; // the callers still waiting at the end are left asleep
  return { starts, t0 };
}

describe('Pax8 request budget: a sliding window over 250 ms slices (simulated clock)', () => {
  it('one process paced as the client paces 1,000 a minute: every minute reaches 98 % of the limit and no 60 s window passes it', async () => {
    // The client's pacer: 60 000 / 1000 ms apart plus its 1 % margin, 8 requests in flight.
    const { starts, t0 } = await simulate({ processes: 1, loops: 8, interval: 60.6, minutes: 10, lateness: 0 });
    expect(busiestWindow(starts)).to.be.at.most(LIMIT);
    for (const n of perMinute(starts, t0, 10)) expect(n).to.be.at.least(0.98 * LIMIT);
  });

  it('three processes asking for three times the limit, half the starts reaching Pax8 LATENESS_MS after their claim: no 60 s window passes the limit, and the run averages 98 % of it', async () => {
    const minutes = 10;
    const { starts, t0 } = await simulate({ processes: 3, loops: 3, interval: 20, minutes, lateness: LATENESS_MS });
    expect(busiestWindow(starts)).to.be.at.most(LIMIT);
    const counts = perMinute(starts, t0, minutes);
    expect(counts.reduce((a, b) => a + b, 0) / minutes).to.be.at.least(0.98 * LIMIT);
    expect(Math.max(...counts)).to.be.at.most(LIMIT);
  });

  it('a spent window makes the caller wait until its oldest slice leaves it, not a whole slice of 5 s', async () => {
    const t0 = Date.parse('2026-11-16T09:00:00Z');
    const clock = new SimClock(t0);
    const budget = new SharedRequestBudget(new MemoryStore(), 10, () => clock.now, clock.sleep);
    const times: number[] = [];
    void (async () => {
      for (let i = 0; i < 11; i++) {
        await budget.take();
        times.push(clock.now);
      }
    })();
    await clock.run(t0 + 2 * MINUTE);
    expect(times.slice(0, 10)).to.deep.equal(Array(10).fill(t0)); // a burst fits the window
    // The 11th start: once the slice of the first ten has left the window of 60 s + lateness.
    expect(times[10]! - t0).to.be.at.least(MINUTE + LATENESS_MS).and.at.most(MINUTE + LATENESS_MS + 2 * SLICE_MS);
  });
});
