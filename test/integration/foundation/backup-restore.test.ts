import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../../support/cli.js';
import { onMariaDb } from '../../support/database.js';

/** Every table's rows, ordered, as one comparable value. */
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
    return Object.fromEntries(tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}" ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}

describe('recurra backup / restore (embedded SQLite)', function () {
  this.timeout(60000);
  // The embedded SQLite file is what these commands serve; the MariaDB pass adds nothing here.
  before(function () {
    if (onMariaDb()) this.skip();
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'recurra-backup-'));
  const env = { RECURRA_DATA_DIR: dataDir, PAX8_CLIENT_SECRET: 'secret-value' };
  const dbFile = path.join(dataDir, 'recurra.sqlite');
  const backupFile = path.join(dataDir, 'backups', 'b1.sqlite');

  it('backs up a live database while another connection writes, and the backup is a consistent copy', async () => {
    expect((await runCli(['tenants', 'add', 'alpha', '--client-id', 'c1'], env)).code).to.equal(0);
    const writer = new Database(dbFile);
    writer.pragma('busy_timeout = 10000');
    writer.exec("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)");
    const insert = writer.prepare('INSERT INTO scratch (n) VALUES (?)');
    const writes = setInterval(() => insert.run(Date.now()), 2);
    try {
      const r = await runCli(['backup', backupFile], env);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('integrity ok');
    } finally {
      clearInterval(writes);
      writer.exec('DROP TABLE scratch');
      writer.close();
    }
    const copy = dump(backupFile);
    expect((copy.tenants as Array<{ name: string }>).map((t) => t.name)).to.deep.equal(['alpha']);
  });

  it('restores the backup exactly, keeping the replaced database aside', async () => {
    const before = dump(backupFile);
    expect((await runCli(['tenants', 'add', 'beta', '--client-id', 'c2'], env)).code).to.equal(0);
    expect((await runCli(['restore', backupFile], env)).code).to.equal(2);
    const r = await runCli(['restore', backupFile, '--yes'], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/previous database is kept at .*before-restore/);
    const after = dump(dbFile);
    delete before.scratch;
    delete after.scratch;
    expect(after).to.deep.equal(before);
    const list = await runCli(['tenants', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).map((t: { name: string }) => t.name)).to.deep.equal(['alpha']);
  });

  it('refuses to overwrite an existing backup or restore from a file that is not a Recurra database', async () => {
    const again = await runCli(['backup', backupFile], env);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('exists already');
    const junk = path.join(dataDir, 'junk.sqlite');
    writeFileSync(junk, 'not a database');
    const bad = await runCli(['restore', junk, '--yes'], env);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('not a SQLite database');
    expect(dump(dbFile).tenants).to.have.length(1);
  });
});
