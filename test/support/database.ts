import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { openDatabase, type DatabaseTarget } from '../../src/db/data-source.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { Tenant } from '../../src/db/entities/index.js';
import { ALL_MIGRATIONS } from '../../migrations/index.js';

/** TEST_DATABASE_URL selects MariaDB; without it the suites run on SQLite. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;

export function onMariaDb(): boolean {
  return TEST_DATABASE_URL !== null;
}

export async function ensureMariaDbDatabase(url: string): Promise<void> {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const conn = await createConnection({
    host: u.hostname, port: u.port ? Number.parseInt(u.port, 10) : 3306,
    user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${db.replace(/`/g, '')}\` CHARACTER SET utf8mb4`);
  } finally {
    await conn.end();
  }
}

/**
 * A target other processes can open too: a temporary SQLite file, or the MariaDB test database.
 */
export function sharedTestTarget(): DatabaseTarget {
  if (TEST_DATABASE_URL) return { url: TEST_DATABASE_URL, sqlitePath: '' };
  const dir = mkdtempSync(path.join(tmpdir(), 'recurra-test-'));
  return { url: null, sqlitePath: path.join(dir, 'recurra.sqlite') };
}

async function dropAllTables(ds: DataSource): Promise<void> {
  const qr = ds.createQueryRunner();
  try {
    const rows: Array<{ name: string }> = await qr.query(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    );
    await qr.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const r of rows) await qr.query(`DROP TABLE IF EXISTS \`${r.name}\``);
    await qr.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await qr.release();
  }
}

/** True when the database holds exactly the schema of ALL_MIGRATIONS (then emptying it is enough). */
async function schemaIsCurrent(ds: DataSource): Promise<boolean> {
  const rows: Array<{ n: number }> = await ds.query(
    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'migrations'",
  );
  if (Number(rows[0]?.n ?? 0) === 0) return false;
  const applied: Array<{ name: string }> = await ds.query('SELECT name FROM migrations ORDER BY id');
  const wanted = ALL_MIGRATIONS.map((M) => new M().name ?? M.name);
  return applied.map((r) => r.name).join(',') === wanted.join(',');
}

async function deleteAllRows(ds: DataSource): Promise<void> {
  const qr = ds.createQueryRunner();
  try {
    const rows: Array<{ name: string }> = await qr.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'migrations'",
    );
    await qr.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const r of rows) await qr.query(`DELETE FROM \`${r.name}\``);
    await qr.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await qr.release();
  }
}

/**
 * An empty, fully migrated database: SQLite in memory (or a new file at `target`), or the MariaDB test
 * database emptied (rows deleted when its schema is current, else dropped and migrated again). Tests always use the real database, never a mock.
 */
export async function freshDatabase(target?: DatabaseTarget): Promise<DataSource> {
  const t = target ?? (TEST_DATABASE_URL ? { url: TEST_DATABASE_URL, sqlitePath: '' } : { url: null, sqlitePath: ':memory:' });
  if (t.url) {
    await ensureMariaDbDatabase(t.url);
    const { ds } = await openDatabase(t, false);
    if (await schemaIsCurrent(ds)) {
      await deleteAllRows(ds);
    } else {
      await dropAllTables(ds);
      await ds.runMigrations({ transaction: 'each' });
    }
    return ds;
  }
  if (t.sqlitePath !== ':memory:') {
    for (const suffix of ['', '-wal', '-shm']) rmSync(t.sqlitePath + suffix, { force: true });
  }
  return (await openDatabase(t, true)).ds;
}

export function testSecretBox(): SecretBox {
  return new SecretBox(randomBytes(32));
}

/** The tenant's zone defaults to UTC, or TEST_TENANT_TIME_ZONE (npm run test:calendar runs the suites with tenants far from UTC). */
export async function insertTenant(ds: DataSource, name: string, timeZone = process.env.TEST_TENANT_TIME_ZONE || 'UTC'): Promise<Tenant> {
  const now = new Date();
  const tenant = ds.manager.create(Tenant, {
    id: randomUUID(), name, displayName: name, timeZone, enabled: true, settingsJson: '{}',
    pax8ClientId: null, pax8ClientSecretSealed: null, pax8TokenUrl: null, pax8Audience: null, pax8ApiUrl: null,
    createdAt: now, updatedAt: now,
  });
  return ds.manager.save(tenant);
}

/**
 * Undoes migrations, newest first, until `name` (e.g. 'InputVersions1764200000000') is no longer applied, and returns the
 * names undone in the order runMigrations() applies them again: a migration test keeps working when newer migrations land.
 */
export async function undoMigrationsThrough(ds: DataSource, name: string): Promise<string[]> {
  const undone: string[] = [];
  for (;;) {
    const rows: Array<{ name: string }> = await ds.query(`SELECT ${ds.driver.escape('name')} FROM ${ds.driver.escape('migrations')} ORDER BY ${ds.driver.escape('id')} DESC`);
    const last = rows[0]?.name;
    if (!last) throw new Error(`migration ${name} is not applied`);
    await ds.undoLastMigration({ transaction: 'each' });
    undone.unshift(last);
    if (last === name) return undone;
  }
}
