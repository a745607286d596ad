import { cpus, loadavg } from 'node:os';
import type { DataSource } from 'typeorm';

/**
 * What a benchmark's figures depend on besides the code: the database server and its cache, and the machine's load.
 * InnoDB's default 128 MB buffer pool is smaller than the benchmarks' data (~600 MB for bench:invoices), so with it
 * every run reads from disk (O_DIRECT); docs/benchmarks.md says which size the published figures used.
 */
export async function environmentNote(ds: DataSource): Promise<string> {
  const load = `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs`;
  if (ds.options.type === 'better-sqlite3') {
    const [{ v }] = (await ds.query('SELECT sqlite_version() AS v')) as Array<{ v: string }>;
    return `SQLite ${v}; ${load}`;
  }
  const [{ v, pool }] = (await ds.query('SELECT VERSION() AS v, @@innodb_buffer_pool_size AS pool')) as Array<{ v: string; pool: string | number }>;
  return `MariaDB ${v}, InnoDB buffer pool ${Math.round(Number(pool) / 1048576)} MB; ${load}`;
}
