import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/db/data-source.js';
import { backupSqlite, restoreSqlite } from '../../../src/db/sqlite-backup.js';

/** Issue 21, finding 9: the embedded database, its WAL/SHM and backups are readable by the owner only. */
function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8);
}

describe('SQLite files are created 0600 whatever the umask', function () {
  this.timeout(60_000);
  let umask: number;
  before(() => { umask = process.umask(0o022); });
  after(() => { process.umask(umask); });

  it('the database file, its -wal and -shm, a backup and a restored file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recurra-modes-'));
    const file = path.join(dir, 'recurra.sqlite');
    const { ds } = await openDatabase({ url: null, sqlitePath: file });
    try {
      await ds.query('CREATE TABLE scratch (n INTEGER)');
      await ds.query('INSERT INTO scratch (n) VALUES (1)');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(f), f).to.equal(true);
        expect(mode(f), f).to.equal('600');
      }
      const backup = path.join(dir, 'backups', 'b.sqlite');
      await backupSqlite(file, backup);
      expect(mode(backup)).to.equal('600');
    } finally {
      await ds.destroy();
    }
    const target = path.join(dir, 'restored.sqlite');
    const loose = path.join(dir, 'loose.sqlite');
    await backupSqlite(file, loose);
    chmodSync(loose, 0o644);
    restoreSqlite(loose, target);
    expect(mode(target)).to.equal('600');
  });

  it('an existing database file left 0644 by an older version is tightened when opened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recurra-modes-'));
    const file = path.join(dir, 'recurra.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const { ds } = await openDatabase({ url: null, sqlitePath: file });
    await ds.destroy();
    expect(mode(file)).to.equal('600');
  });
});
