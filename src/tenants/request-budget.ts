import { setTimeout as timersSleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { RequestBudget } from '../pax8/client/index.js';

/** Request starts are counted per 250 ms slice of time. */
export const SLICE_MS = 250;
/** Pax8 counts requests per 60 s. */
const LIMIT_WINDOW_MS = 60_000;
/**
 * How much later than its claim a start may reach Pax8 (the hop to the import's thread, a busy event loop, the
 * network) without a 60 s window at Pax8 holding more than the limit: the claims checked together span the window
 * plus this.
 */
export const LATENESS_MS = 500;
/**
 * A claim is checked against the starts of its slice and the previous SLICES_PER_WINDOW - 1 slices: any span of
 * LIMIT_WINDOW_MS + LATENESS_MS lies within that many consecutive slices. Those slices together never hold more than
 * the limit, so at full load the budget gives 60 000 / (SLICES_PER_WINDOW × SLICE_MS) of the limit: 98.8 %.
 */
export const SLICES_PER_WINDOW = Math.ceil((LIMIT_WINDOW_MS + LATENESS_MS) / SLICE_MS) + 1;
/** At most this many starts are claimed at once (one database round trip per LEASE requests, when busy). */
const LEASE = 10;
/** Slices older than this are deleted as new ones are claimed. */
const KEEP_MS = 5 * 60_000;

/** Where the starts of a tenant's slices are counted: the database (DbBudgetStore), or memory in a unit test. */
export interface BudgetStore {
  /**
   * Adds up to `want` starts to the slice starting at `slice` (epoch ms), as many as keep the starts of every slice
   * from `from` on, later ones included, within `limit`; answers how many it added (0: none left). Atomic across processes.
   */
  claim(slice: number, from: number, want: number, limit: number): Promise<number>;
}

/**
 * The tenant's Pax8 request budget shared by every process on the database (several `recurra worker`s and the web
 * process): request starts are counted per tenant per 250 ms slice in `pax8_request_budget` and claimed by each
 * process a few at a time; a claim succeeds only while the starts of its slice and the 242 before it (60.75 s in all:
 * SLICES_PER_WINDOW, a window sliding over the slices) stay within `perMinute`, so all processes together start at most
 * `perMinute` requests in any 60 s window, even when a start reaches Pax8 up to LATENESS_MS after its claim, and a
 * busy tenant gets 98.8 % of the limit. When the window is spent the caller waits for the next slice. If the database
 * cannot be reached the request goes ahead (each process's own pacer still holds it to the limit).
 */
export class SharedRequestBudget implements RequestBudget {
  readonly perMinute: number;
  #slice = -1;
  #left = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** Starts asked for and not yet given: a claim takes no more than these (a process never sits on starts it has no use for). */
  #waiting = 0;

  constructor(
    private readonly store: BudgetStore,
    perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<unknown> = (ms, signal) => timersSleep(ms, undefined, { signal }),
  ) {
    this.perMinute = Math.max(1, Math.floor(perMinute));
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
      // Starts claimed for a slice are only used within it (an unused one is lost: it still counts, to the safe side).
      if (slice === this.#slice && this.#left > 0) {
        this.#left--;
        return;
      }
      let got: number;
      try {
        got = await this.store.claim(slice, slice - (SLICES_PER_WINDOW - 1) * SLICE_MS, Math.min(LEASE, Math.max(1, this.#waiting)), this.perMinute);
      } catch {
        return; // fail open: see the class comment
      }
      if (got > 0) {
        this.#slice = slice;
        this.#left = got - 1;
        return;
      }
      // The window is spent: the oldest slice leaves it at the end of this one. Short naps, so a clock that jumps
      // (tests) is seen at once.
      await this.sleep(Math.min(250, Math.max(1, slice + SLICE_MS - this.now())), signal);
    }
  }
}

/**
 * A table of budget slices: `name` (key column, sliceStart bigint, used int; primary key (key, sliceStart)) and its key
 * column. The Pax8 budget's is `pax8_request_budget` by tenantId; accounting connections use another (src/accounting).
 */
export interface BudgetTable {
  name: string;
  key: string;
}

export const PAX8_BUDGET_TABLE: BudgetTable = { name: 'pax8_request_budget', key: 'tenantId' };

/** The budget's slices in `pax8_request_budget` (or another BudgetTable), claimed atomically on SQLite and MariaDB. */
export class DbBudgetStore implements BudgetStore {
  /** The newest slice whose row this process made sure of. */
  #ensured = -1;
  readonly #t: string;
  readonly #k: string;

  /** `tenantId`: the key's value (a tenant's id for the Pax8 table). */
  constructor(private readonly ds: DataSource, private readonly tenantId: string, table: BudgetTable = PAX8_BUDGET_TABLE) {
    this.#t = table.name;
    this.#k = table.key;
  }

  async claim(slice: number, from: number, want: number, limit: number): Promise<number> {
    const sqlite = this.ds.options.type === 'better-sqlite3';
    if (slice !== this.#ensured) {
      const inserted = await this.#run(`INSERT ${sqlite ? 'OR IGNORE' : 'IGNORE'} INTO ${this.#t} (${this.#k}, sliceStart, used) VALUES (?, ?, 0)`, [this.tenantId, slice]);
      if (inserted > 0) await this.#run(`DELETE FROM ${this.#t} WHERE ${this.#k} = ? AND sliceStart < ?`, [this.tenantId, slice - KEEP_MS]);
      this.#ensured = slice;
    }
    return sqlite ? this.#claimSqlite(slice, from, want, limit) : this.#claimMariaDb(slice, from, want, limit);
  }

  /** One UPDATE whose condition sums the window: SQLite runs a writing statement under its one write lock, so it is atomic. */
  async #claimSqlite(slice: number, from: number, want: number, limit: number): Promise<number> {
    for (;;) {
      const n = Math.min(want, limit - (await this.#windowSum(from)));
      if (n <= 0) return 0;
      const won = await this.#run(
        `UPDATE ${this.#t} SET used = used + ? WHERE ${this.#k} = ? AND sliceStart = ?
           AND (SELECT SUM(w.used) FROM ${this.#t} w WHERE w.${this.#k} = ? AND w.sliceStart >= ?) + ? <= ?`,
        [n, this.tenantId, slice, this.tenantId, from, n, limit]);
      if (won > 0) return n;
      // Another process took starts meanwhile, or the slice's row is gone (made again; a removed tenant's fails).
      await this.#run(`INSERT OR IGNORE INTO ${this.#t} (${this.#k}, sliceStart, used) VALUES (?, ?, 0)`, [this.tenantId, slice]);
    }
  }

  /**
   * In one transaction: the window's rows read FOR UPDATE (InnoDB locks them and the gaps between them in key order, so
   * claimers of the tenant take turns and nobody adds a slice within the window meanwhile), then the slice's UPDATE.
   * A deadlock or lock timeout is tried again.
   */
  async #claimMariaDb(slice: number, from: number, want: number, limit: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const qr = this.ds.createQueryRunner();
      try {
        await qr.startTransaction();
        const rows = (await qr.query(`SELECT COALESCE(SUM(used), 0) AS n FROM ${this.#t} WHERE ${this.#k} = ? AND sliceStart >= ? FOR UPDATE`, [this.tenantId, from])) as Array<{ n: number | string }>;
        const n = Math.min(want, limit - Number(rows[0]?.n ?? 0));
        if (n > 0) {
          await qr.query(`INSERT INTO ${this.#t} (${this.#k}, sliceStart, used) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE used = used + VALUES(used)`, [this.tenantId, slice, n]);
        }
        await qr.commitTransaction();
        return Math.max(0, n);
      } catch (err) {
        if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
        const errno = (err as { errno?: number; driverError?: { errno?: number } }).driverError?.errno ?? (err as { errno?: number }).errno;
        if (attempt < 5 && (errno === 1213 || errno === 1205)) continue;
        throw err;
      } finally {
        await qr.release();
      }
    }
  }

  async #windowSum(from: number): Promise<number> {
    const rows = (await this.ds.query(`SELECT COALESCE(SUM(used), 0) AS n FROM ${this.#t} WHERE ${this.#k} = ? AND sliceStart >= ?`, [this.tenantId, from])) as Array<{ n: number | string }>;
    return Number(rows[0]?.n ?? 0);
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

/** The tenant's request budget on the database (see SharedRequestBudget). */
export class DbRequestBudget extends SharedRequestBudget {
  constructor(ds: DataSource, tenantId: string, perMinute: number, now: () => number = Date.now) {
    super(new DbBudgetStore(ds, tenantId), perMinute, now);
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
