import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

/** The embedded database, its WAL/SHM and its backups are readable by the owner only, like secret.key. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `file` if missing and sets mode 0600 on it whatever the umask (also on a file an older version left 0644).
 * SQLite gives the -wal, -shm and -journal files it creates the database file's mode; those already there are set too.
 */
export function makePrivateSqliteFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(file + suffix)) chmodSync(file + suffix, PRIVATE_FILE_MODE);
  }
}
