/** Driver error classification for SQLite (better-sqlite3) and MariaDB (mysql2), through TypeORM's QueryFailedError. */
function driverCode(err: unknown): { code?: string; errno?: number } {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  return e?.driverError ?? e ?? {};
}

export function isUniqueViolation(err: unknown): boolean {
  const { code, errno } = driverCode(err);
  return code === 'ER_DUP_ENTRY' || errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Lock conflicts worth retrying the whole transaction for. */
export function isTransient(err: unknown): boolean {
  const { code, errno } = driverCode(err);
  return code === 'ER_LOCK_DEADLOCK' || errno === 1213 || code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1205
    || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/** Another run got there first (a row we meant to claim is no longer free). */
export class RunConflict extends Error {
  override name = 'RunConflict';
}

export async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isTransient(err)) throw err;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
