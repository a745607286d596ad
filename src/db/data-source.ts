import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ALL_ENTITIES } from './entities/index.js';
import { makePrivateSqliteFile } from './private-file.js';
import { ALL_MIGRATIONS } from '../../migrations/index.js';

export interface DatabaseTarget {
  /** mysql:// or mariadb:// URL; null for the embedded SQLite file. */
  url: string | null;
  /** SQLite file path, or ':memory:'. Used when url is null. */
  sqlitePath: string;
  logging?: boolean;
}

export function describeTarget(t: DatabaseTarget): string {
  if (!t.url) return `sqlite:${t.sqlitePath}`;
  const u = new URL(t.url);
  return `mariadb://${u.host}${u.pathname}`;
}

export function dataSourceOptions(t: DatabaseTarget): DataSourceOptions {
  const common = {
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: t.logging ?? false,
  } as const;
  if (t.url) {
    const u = new URL(t.url.replace(/^mariadb:/, 'mysql:'));
    return {
      ...common,
      type: 'mysql',
      host: u.hostname,
      port: u.port ? Number.parseInt(u.port, 10) : 3306,
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.replace(/^\//, '')),
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: true,
      extra: { connectionLimit: 10, decimalNumbers: false },
    };
  }
  if (t.sqlitePath !== ':memory:') {
    mkdirSync(path.dirname(t.sqlitePath), { recursive: true });
    makePrivateSqliteFile(t.sqlitePath);
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: t.sqlitePath,
    enableWAL: t.sqlitePath !== ':memory:',
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('busy_timeout = 10000');
      db.pragma('foreign_keys = ON');
      // In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses nothing committed, and
      // a power cut can only roll back the latest commits, never corrupt the file. FULL cost ~10 ms per commit.
      if (t.sqlitePath !== ':memory:') db.pragma('synchronous = NORMAL');
      // A checkpoint (copying the WAL back into the file) syncs the disk: every 1,000 pages (the default) it made
      // a commit of the imports and the invoice run cost ~20 ms. 10,000 pages bounds the WAL at ~40 MB.
      db.pragma('wal_autocheckpoint = 10000');
      // SQLite's own page cache defaults to 2 MB: an invoice run reading 400,000 rows of lines, links and histories
      // went to the OS for most pages (a system call each). 16 MB, allocated only as pages are read: 64 MB ran the
      // invoice and import benchmarks no faster (5.1-5.3 s runs either way) and added ~60 MB to the import's peak RSS.
      db.pragma('cache_size = -16384');
    },
  };
}

export function createDataSource(t: DatabaseTarget): DataSource {
  return new DataSource(dataSourceOptions(t));
}

/** Opens the database, runs pending migrations, and returns the names of those applied. */
export async function openDatabase(t: DatabaseTarget, migrate = true): Promise<{ ds: DataSource; applied: string[] }> {
  const ds = createDataSource(t);
  await ds.initialize();
  const applied = migrate ? (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name) : [];
  return { ds, applied };
}
