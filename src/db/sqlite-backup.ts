import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makePrivateSqliteFile, PRIVATE_FILE_MODE } from './private-file.js';

export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * Online backup of the embedded SQLite database: consistent even while Recurra is running
 * (SQLite's backup API copies pages under a read transaction and restarts if a writer intervenes).
 */
export async function backupSqlite(source: string, destination: string): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (existsSync(destination)) throw new BackupError(`${destination} exists already; choose a new file name`);
  mkdirSync(path.dirname(path.resolve(destination)), { recursive: true });
  // Created 0600 before SQLite writes into it: a backup holds everything the database does.
  makePrivateSqliteFile(destination);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    const result = await db.backup(destination);
    chmodSync(destination, PRIVATE_FILE_MODE);
    return { pages: result.totalPages };
  } catch (err) {
    rmSync(destination, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

/** Checks that a file is an intact Recurra SQLite database: integrity check and a migrations table. */
export function verifySqliteBackup(file: string): { migrations: number } {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupError(`${file} is not a SQLite database: ${(err as Error).message}`);
  }
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} failed the integrity check: ${String(check)}`);
    const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
    if (!hasMigrations) throw new BackupError(`${file} is not a Recurra database (no migrations table)`);
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM migrations').get() as { n: number };
    return { migrations: n };
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is not a SQLite database: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Replaces the database with a verified backup. Recurra must be stopped. The current file is kept
 * beside it as `<name>.before-restore-<timestamp>` so a restore can itself be undone.
 */
export function restoreSqlite(backup: string, target: string, now = new Date()): { previous: string | null } {
  verifySqliteBackup(backup);
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  let previous: string | null = null;
  if (existsSync(target)) {
    previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, previous);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(target + suffix)) renameSync(target + suffix, previous + suffix);
    }
  }
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  copyFileSync(backup, staging);
  chmodSync(staging, PRIVATE_FILE_MODE);
  renameSync(staging, target);
  return { previous };
}
