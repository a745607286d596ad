import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { RequestBudget } from '../pax8/client/index.js';

/** Time is cut in 5 s slices; any 60 s window overlaps at most 13 of them, so each slice gets 1/13 of the minute's limit. */
export const SLICE_MS = 5_000;
const SLICES_PER_WINDOW = 13;
/** At most this many starts are claimed from a slice at once (one database round trip per LEASE requests, when busy). */
const LEASE = 10;
/** Slices older than this are deleted as new ones are claimed. */
const KEEP_MS = 60 * 60_000;

/**
 * The tenant's Pax8 request budget shared by every process on the database (several `recurra worker`s and the web
 * process): request starts are counted per tenant per 5 s slice in `pax8_request_budget`, claimed by each process a
 * few at a time with one conditional UPDATE (atomic on SQLite, whose writes are serialised, and on MariaDB, where
 * InnoDB re-checks the condition under the row lock), so all processes together start at most `perMinute` requests
 * in any 60 s window. A slice that is spent makes the caller wait for the next. If the database cannot be reached the
 * request goes ahead (each process's own pacer still holds it to the limit).
 */
export class DbRequestBudget implements RequestBudget {
  readonly perSlice: number;
  #slice = -1;
  #left = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** Starts asked for and not yet given: a claim takes no more than these (a process never sits on starts it has no use for). */
  #waiting = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly tenantId: string,
    perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perSlice = Math.max(1, Math.floor(perMinute / SLICES_PER_WINDOW));
  }

  /** One request start; callers are served one after another. */
  take(signal?: AbortSignal): Promise<void> {
    this.#waiting++;
    const next = this.#queue.then(() => this.#takeOne(signal)).finally(() => { this.#waiting--; });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const slice = Math.floor(now / SLICE_MS) * SLICE_MS;
      if (slice === this.#slice && this.#left > 0) {
        this.#left--;
        return;
      }
      let got: number;
      try {
        got = await this.#claim(slice);
      } catch {
        return; // fail open: see the class comment
      }
      if (got > 0) {
        this.#slice = slice;
        this.#left = got - 1;
        return;
      }
      // Short naps, so a clock that jumps (tests) or a slice that ends is seen at once.
      await sleep(Math.min(250, Math.max(1, slice + SLICE_MS - this.now())), undefined, { signal });
    }
  }

  /** Claims up to LEASE starts of `slice`; answers how many (0 when it is spent). */
  async #claim(slice: number): Promise<number> {
    const sqlite = this.ds.options.type === 'better-sqlite3';
    const inserted = await this.#run(`INSERT ${sqlite ? 'OR IGNORE' : 'IGNORE'} INTO pax8_request_budget (tenantId, sliceStart, used) VALUES (?, ?, 0)`, [this.tenantId, slice]);
    if (inserted > 0) await this.#run('DELETE FROM pax8_request_budget WHERE tenantId = ? AND sliceStart < ?', [this.tenantId, slice - KEEP_MS]);
    for (let n = Math.min(LEASE, this.perSlice, Math.max(1, this.#waiting)); n > 0;) {
      const won = await this.#run('UPDATE pax8_request_budget SET used = used + ? WHERE tenantId = ? AND sliceStart = ? AND used + ? <= ?', [n, this.tenantId, slice, n, this.perSlice]);
      if (won > 0) return n;
      const rows = (await this.ds.query('SELECT used FROM pax8_request_budget WHERE tenantId = ? AND sliceStart = ?', [this.tenantId, slice])) as Array<{ used: number | string }>;
      n = Math.min(n - 1, this.perSlice - Number(rows[0]?.used ?? this.perSlice));
    }
    return 0;
  }

  async #run(sql: string, params: unknown[]): Promise<number> {
    const qr = this.ds.createQueryRunner();
    try {
      return (await qr.query(sql, params, true)).affected ?? 0;
    } finally {
      await qr.release();
    }
  }
}

const budgets = new WeakMap<DataSource, Map<string, DbRequestBudget>>();

/** The process's one budget object for a tenant and limit on this database (its claimed starts are shared). */
export function requestBudgetFor(ds: DataSource, tenantId: string, perMinute: number): DbRequestBudget {
  let byTenant = budgets.get(ds);
  if (!byTenant) budgets.set(ds, (byTenant = new Map()));
  const key = `${tenantId}|${perMinute}`;
  let b = byTenant.get(key);
  if (!b) byTenant.set(key, (b = new DbRequestBudget(ds, tenantId, perMinute)));
  return b;
}
