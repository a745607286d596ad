import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { runCli, startCli } from '../../support/cli.js';
import { TEST_DATABASE_URL, ensureMariaDbDatabase } from '../../support/database.js';

const KEY = 'a'.repeat(64);

function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'recurra-cli-'));
}

function sqliteTables(file: string): Record<string, string[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    return Object.fromEntries(
      tables.map((t) => [t.name, (db.prepare(`PRAGMA table_info("${t.name}")`).all() as Array<{ name: string }>).map((c) => c.name).sort()]),
    );
  } finally {
    db.close();
  }
}

describe('recurra CLI', function () {
  // Each case starts real processes that compile through tsx and migrate a whole schema.
  this.timeout(90000);

  it('prints help and exits 0; exits 2 on bad usage', async () => {
    const help = await runCli(['migrate', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('Usage: recurra migrate');
    const bad = await runCli(['migrate', '--no-such-flag']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include("unknown option '--no-such-flag'");
  });

  it('stops on a bad config value with exit 1 and a message naming the key', async () => {
    const r = await runCli(['migrate'], { RECURRA_DATA_DIR: tempDataDir(), LOG_LEVEL: 'chatty' });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('config key "log.level" (from LOG_LEVEL)');
  });

  it('creates the schema on SQLite, and a second run has nothing to do', async () => {
    const dir = tempDataDir();
    const first = await runCli(['migrate', '--json'], { RECURRA_DATA_DIR: dir });
    expect(first.code, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout).applied.length).to.be.greaterThan(1);
    const second = await runCli(['migrate', '--json'], { RECURRA_DATA_DIR: dir });
    expect(JSON.parse(second.stdout).applied).to.deep.equal([]);
    expect(Object.keys(sqliteTables(path.join(dir, 'recurra.sqlite')))).to.include.members(['tenants', 'subscriptions', 'migrations']);
  });

  it('creates the same tables and columns on MariaDB as on SQLite', async function () {
    if (!TEST_DATABASE_URL) this.skip();
    const url = new URL(TEST_DATABASE_URL!.replace(/^mariadb:/, 'mysql:'));
    url.pathname = '/recurra_test_cli';
    const conn = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
    await conn.query('DROP DATABASE IF EXISTS recurra_test_cli');
    await conn.end();
    await ensureMariaDbDatabase(url.toString());
    const dir = tempDataDir();
    expect((await runCli(['migrate'], { RECURRA_DATA_DIR: dir })).code).to.equal(0);
    const r = await runCli(['migrate'], { RECURRA_DATA_DIR: dir, DATABASE_URL: url.toString(), RECURRA_SECRET_KEY: KEY });
    expect(r.code, r.stderr).to.equal(0);
    const m = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: 'recurra_test_cli' });
    const [rows] = await m.query(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'recurra_test_cli'",
    );
    await m.end();
    const maria: Record<string, string[]> = {};
    for (const row of rows as Array<{ t: string; c: string }>) (maria[row.t] ??= []).push(row.c);
    for (const t of Object.keys(maria)) maria[t].sort();
    expect(maria).to.deep.equal(sqliteTables(path.join(dir, 'recurra.sqlite')));
  });

  it('start migrates, answers /healthz and stops cleanly on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { RECURRA_DATA_DIR: tempDataDir(), PORT: '0' };
    if (TEST_DATABASE_URL) Object.assign(env, { DATABASE_URL: TEST_DATABASE_URL, RECURRA_SECRET_KEY: KEY });
    const { child, match, exited } = await startCli(['start'], env, /listening on (http:\/\/\S+)/);
    const res = await fetch(`${match[1]}/healthz`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { status: string; database: { status: string; type: string } };
    expect(body.status).to.equal('ok');
    expect(body.database).to.deep.include({ status: 'up', type: TEST_DATABASE_URL ? 'mariadb' : 'sqlite' });
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
  });
});
