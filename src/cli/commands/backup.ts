import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { databaseTarget } from '../../app/runtime.js';
import { BackupError, backupSqlite, restoreSqlite, verifySqliteBackup } from '../../db/sqlite-backup.js';
import { CliFailure, UsageError } from '../errors.js';

function embeddedDatabaseFile(): string {
  const config = loadConfig();
  if (config.database.url) {
    throw new UsageError('backup/restore handle the embedded SQLite database; for MariaDB use mariadb-dump (see README)');
  }
  return databaseTarget(config).sqlitePath;
}

function failuresAsCli<T>(fn: () => Promise<T> | T): Promise<T> {
  return Promise.resolve()
    .then(fn)
    .catch((err) => {
      throw err instanceof BackupError ? new CliFailure(err.message) : err;
    });
}

export function register(program: Command): void {
  program
    .command('backup <file>')
    .description('online backup of the embedded SQLite database to FILE (safe while Recurra runs)')
    .action((file: string) =>
      failuresAsCli(async () => {
        const source = embeddedDatabaseFile();
        const { pages } = await backupSqlite(source, path.resolve(file));
        const { migrations } = verifySqliteBackup(path.resolve(file));
        process.stdout.write(`backed up ${source} to ${path.resolve(file)} (${pages} pages, ${migrations} migrations, integrity ok)\n`);
      }),
    );

  program
    .command('restore <file>')
    .description('replace the embedded SQLite database with a backup (stop Recurra first; the current file is kept aside)')
    .option('--yes', 'confirm the restore')
    .action((file: string, o: { yes?: boolean }) =>
      failuresAsCli(() => {
        if (!o.yes) throw new UsageError('restore replaces the current database: repeat with --yes to confirm');
        const target = embeddedDatabaseFile();
        const { previous } = restoreSqlite(path.resolve(file), target);
        process.stdout.write(`restored ${target} from ${path.resolve(file)}${previous ? `; the previous database is kept at ${previous}` : ''}\n`);
      }),
    );
}
