import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { timeOrderedId } from '../../src/db/row-ids.js';

/**
 * The floor of writing a tenant's invoice lines, independent of the application's writer: the lines the run left in
 * invoice_lines are read back as stored and written again (new ids, one new invoice id per original invoice, so no key
 * collides), through the database's own fastest path for a client: `LOAD DATA LOCAL INFILE` fed by mysql2's
 * infileStreamFactory on MariaDB, a prepared better-sqlite3 INSERT run per row in one transaction on SQLite. Only the
 * write is timed (for MariaDB, with the tab-separated text made as the server reads it).
 */
export async function writeFloor(ds: DataSource, tenantId: string, mariaDbUrl: string): Promise<{ ms: number; rows: number; how: string }> {
  return ds.options.type === 'better-sqlite3' ? sqliteFloor(ds, tenantId) : mariaDbFloor(tenantId, mariaDbUrl);
}

type Row = Record<string, unknown>;

/** New ids for a copy: its own id, and the same new invoice id for every line of one original invoice. */
function renamer(): (row: Row) => Row {
  const invoices = new Map<unknown, string>();
  return (row) => {
    let inv = invoices.get(row.invoiceId);
    if (!inv) invoices.set(row.invoiceId, (inv = timeOrderedId()));
    return { ...row, id: timeOrderedId(), invoiceId: inv };
  };
}

function sqliteFloor(ds: DataSource, tenantId: string): { ms: number; rows: number; how: string } {
  const db = (ds.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
  const stored = db.prepare('SELECT * FROM invoice_lines WHERE tenantId = ?').all(tenantId) as Row[];
  if (stored.length === 0) throw new Error('no invoice lines to copy');
  const columns = Object.keys(stored[0]!);
  const rows = stored.map(renamer());
  const t0 = performance.now();
  const insert = db.prepare(`INSERT INTO invoice_lines (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
  db.transaction((all: Row[]) => {
    for (const r of all) insert.run(r);
  })(rows);
  return { ms: performance.now() - t0, rows: rows.length, how: 'prepared better-sqlite3 INSERT, one transaction' };
}

/** A value as LOAD DATA's default format reads it (tab-separated, backslash escapes, \N for NULL). */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const text = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return text.replace(/[\\\t\n\r\0]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\0'));
}

async function mariaDbFloor(tenantId: string, url: string): Promise<{ ms: number; rows: number; how: string }> {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  // Its own connection, dates and decimals read as the server's text, so they are written back unchanged.
  const conn = await createConnection({
    host: u.hostname, port: u.port ? Number(u.port) : 3306, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)), dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, charset: 'utf8mb4',
  });
  try {
    const [stored] = await conn.query('SELECT * FROM invoice_lines WHERE tenantId = ?', [tenantId]) as unknown as [Row[]];
    if (stored.length === 0) throw new Error('no invoice lines to copy');
    const columns = Object.keys(stored[0]!);
    const rows = stored.map(renamer());
    const t0 = performance.now();
    await conn.query({
      sql: `LOAD DATA LOCAL INFILE 'invoice_lines.tsv' INTO TABLE invoice_lines CHARACTER SET utf8mb4 (${columns.map((c) => `\`${c}\``).join(', ')})`,
      infileStreamFactory: () => Readable.from((function* chunks() {
        for (let i = 0; i < rows.length; i += 1000) {
          yield Buffer.from(rows.slice(i, i + 1000).map((r) => `${columns.map((c) => cell(r[c])).join('\t')}\n`).join(''), 'utf8');
        }
      })()),
    });
    const ms = performance.now() - t0;
    const [[{ n }]] = await conn.query('SELECT COUNT(*) AS n FROM invoice_lines WHERE tenantId = ?', [tenantId]) as unknown as [[{ n: string }]];
    if (Number(n) !== stored.length * 2) throw new Error(`LOAD DATA wrote ${Number(n) - stored.length} of ${stored.length} lines`);
    return { ms, rows: rows.length, how: 'LOAD DATA LOCAL INFILE (mysql2 infileStreamFactory)' };
  } finally {
    await conn.end();
  }
}
