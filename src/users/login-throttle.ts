import type { DataSource } from 'typeorm';
import { UserLoginAttempt } from '../db/entities/index.js';
import { withRetry } from '../db/errors.js';

/** Sign-ins allowed per (account, client address) before each further one locks that key for a growing time. */
export const LOGIN_FREE_FAILURES = 5;
/** Sign-ins allowed per account, across every address, before the same lock applies to the account. */
export const LOGIN_ACCOUNT_FREE_FAILURES = 10;
export const LOGIN_MAX_LOCK_MS = 15 * 60 * 1000;
/**
 * Lock after the n-th attempt past the free ones: 30 s, 1, 2, 4, 8 min, then 15 min (LOGIN_MAX_LOCK_MS) for each
 * further attempt. The first lock is long enough that a burst of parallel guesses cannot outlast it.
 */
const STEPS = 6;

export function lockMs(step: number): number {
  return Math.min(LOGIN_MAX_LOCK_MS, 15_000 * 2 ** step);
}

export type Claim = { ok: true; failures: number } | { ok: false; retryAfterMs: number };

/**
 * Counts sign-in attempts atomically, in the database, *before* the password is checked, so parallel requests cannot
 * all read "not locked" and all be checked: each attempt is one conditional UPDATE that adds 1 to the key's counter
 * only while the key is not locked, and in the same statement locks it when the new count is past the free attempts
 * (the lock's end is chosen by a CASE over precomputed instants, so both databases evaluate it the same way). An
 * attempt that finds the key locked changes nothing and is refused without checking the password. A right password
 * clears the keys (`clear`); a wrong one needs no further write, as it was counted up front.
 */
export class LoginThrottle {
  constructor(private readonly ds: DataSource) {}

  /** Claims one attempt on every key (address key first, then the account key); refused if any is locked. */
  async claim(keys: ReadonlyArray<{ key: string; free: number }>, now: Date): Promise<Claim> {
    let failures = 0;
    for (const k of keys) {
      const r = await this.claimOne(k.key, k.free, now);
      if (!r.ok) return r;
      failures = Math.max(failures, r.failures);
    }
    return { ok: true, failures };
  }

  async clear(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.ds.manager.delete(UserLoginAttempt, { key });
  }

  private async claimOne(key: string, free: number, now: Date): Promise<Claim> {
    const driver = this.ds.driver;
    const meta = this.ds.getMetadata(UserLoginAttempt);
    const at = (d: Date) => driver.preparePersistentValue(d, meta.findColumnWithPropertyName('updatedAt')!);
    const q = (n: string) => driver.escape(n);
    // The row exists from the first attempt on (a no-op when it does): the UPDATE below is then the only writer.
    // Each statement commits alone; one that InnoDB picks as a deadlock victim was rolled back and is run again.
    await withRetry(() => this.ds.createQueryBuilder().insert().into(UserLoginAttempt)
      .values({ key, failures: 0, lockedUntil: null, updatedAt: now }).orIgnore().execute());
    // lockedUntil is assigned before failures: MariaDB evaluates SET left to right with the new values, SQLite with
    // the old ones; in this order both read the old count.
    const steps = Array.from({ length: STEPS }, (_, i) => `WHEN ${q('failures')} + 1 = ${free + i + 1} THEN ?`).join(' ');
    const sql = `UPDATE ${q(meta.tableName)} SET `
      + `${q('lockedUntil')} = CASE WHEN ${q('failures')} + 1 <= ${free} THEN NULL ${steps} ELSE ? END, `
      + `${q('failures')} = ${q('failures')} + 1, ${q('updatedAt')} = ? `
      + `WHERE ${q('key')} = ? AND (${q('lockedUntil')} IS NULL OR ${q('lockedUntil')} <= ?)`;
    const until = Array.from({ length: STEPS + 1 }, (_, i) => at(new Date(now.getTime() + lockMs(i + 1))));
    const params = [...until, at(now), key, at(now)];
    const affected = await withRetry(async () => {
      const runner = this.ds.createQueryRunner();
      try {
        return ((await runner.query(sql, params, true)) as { affected?: number }).affected ?? 0;
      } finally {
        await runner.release();
      }
    });
    const row = await this.ds.manager.findOneBy(UserLoginAttempt, { key });
    if (affected === 0) {
      const left = row?.lockedUntil ? row.lockedUntil.getTime() - now.getTime() : 1000;
      return { ok: false, retryAfterMs: Math.max(1000, left) };
    }
    return { ok: true, failures: row?.failures ?? 1 };
  }
}
