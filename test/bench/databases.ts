import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { DatabaseTarget } from '../../src/db/data-source.js';
import { freshDatabase } from '../support/database.js';

/**
 * The databases a benchmark runs on, one way for every bench: BENCH_DB (both | sqlite | mariadb, default both) chooses,
 * SQLite is a temporary file (removed afterwards), MariaDB is BENCH_DATABASE_URL or mysql://root@127.0.0.1:3306/<the
 * bench's default database>. Each gets a fresh, migrated database; its section of the output starts with its label
 * ("SQLite", "MariaDB (host/database)"), which bench:smoke looks for.
 */

export type BenchDatabaseKind = 'sqlite' | 'mariadb';

export interface BenchDatabase {
  kind: BenchDatabaseKind;
  /** "SQLite" or "MariaDB (host/database)": the start of this database's section of the output. */
  label: string;
  ds: DataSource;
  target: DatabaseTarget;
}

/** The databases BENCH_DB asks for, in the order they run. */
export function benchDatabaseKinds(): BenchDatabaseKind[] {
  const which = (process.env.BENCH_DB ?? 'both').toLowerCase();
  if (which === 'sqlite' || which === 'mariadb') return [which];
  if (which === 'both') return ['sqlite', 'mariadb'];
  throw new Error(`BENCH_DB=${which}: expected both, sqlite or mariadb`);
}

/** BENCH_DATABASE_URL, else the bench's own database on the local server (recurra_bench unless told). */
export function benchMariaDbUrl(defaultDatabase = 'recurra_bench'): string {
  return process.env.BENCH_DATABASE_URL ?? `mysql://root@127.0.0.1:3306/${defaultDatabase}`;
}

/**
 * Runs `bench` once per database BENCH_DB asks for, on a fresh database, closing it (and removing the SQLite file)
 * afterwards. A MariaDB server that refuses the connection is reported and skipped (bench:smoke then reports the
 * missing section); any other error ends the run.
 */
export async function forEachBenchDatabase(
  bench: (db: BenchDatabase) => Promise<void>, opts: { mariaDbUrl?: string } = {},
): Promise<void> {
  for (const kind of benchDatabaseKinds()) {
    if (kind === 'sqlite') {
      const dir = mkdtempSync(path.join(tmpdir(), 'recurra-bench-'));
      const target: DatabaseTarget = { url: null, sqlitePath: path.join(dir, 'bench.sqlite') };
      try {
        const ds = await freshDatabase(target);
        try {
          await bench({ kind, label: 'SQLite', ds, target });
        } finally {
          await ds.destroy();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const url = opts.mariaDbUrl ?? benchMariaDbUrl();
      const target: DatabaseTarget = { url, sqlitePath: '' };
      let ds: DataSource;
      try {
        ds = await freshDatabase(target);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ECONNREFUSED') throw err;
        process.stdout.write(`\nMariaDB: not reachable at ${url}; skipped\n`);
        continue;
      }
      const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
      try {
        await bench({ kind, label: `MariaDB (${u.host}${u.pathname})`, ds, target });
      } finally {
        await ds.destroy();
      }
    }
  }
}
