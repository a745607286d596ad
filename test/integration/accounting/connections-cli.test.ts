import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { cliEnvFor, runCli } from '../../support/cli.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../../support/database.js';
import { AccountingConnection } from '../../../src/db/entities/index.js';

const KEY = 'c'.repeat(64);

/** `recurra accounting connection show|set|disconnect` as a real process: the secret read from the environment, never printed. */
describe(`accounting connections: CLI (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(90_000);
  let ds: DataSource;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const target = sharedTestTarget();
    ds = await freshDatabase(target);
    env = { ...cliEnvFor(target), RECURRA_SECRET_KEY: KEY };
    await insertTenant(ds, 'acme');
  });
  after(async () => { await ds?.destroy(); });

  it('saves the app credentials, shows the connection without the secret, asks for the secret again for a new URL, disconnects', async () => {
    const secret = 'cli-app-secret-value-123';
    const set = await runCli(['accounting', 'connection', 'set', 'xero', '--client-id', 'CLIENT123'], { ...env, RECURRA_ACCOUNTING_CLIENT_SECRET: secret });
    expect(set.code, set.stderr).to.equal(0);
    expect(set.stdout).to.contain('CLIENT123').and.contain('not_connected').and.contain('https://api.xero.com');
    expect(set.stdout + set.stderr).not.to.contain(secret);

    const show = await runCli(['accounting', 'connection', 'show', '--json'], env);
    expect(show.code, show.stderr).to.equal(0);
    const rows = JSON.parse(show.stdout) as Array<{ vendor: string; hasClientSecret: boolean; status: string }>;
    expect(rows.map((r) => [r.vendor, r.hasClientSecret, r.status])).to.deep.equal([['xero', true, 'not_connected'], ['quickbooks', false, 'not_connected']]);
    expect(show.stdout).not.to.contain(secret);

    const moved = await runCli(['accounting', 'connection', 'set', 'xero', '--api-url', 'https://elsewhere.example'], env);
    expect(moved.code).to.equal(1);
    expect(moved.stderr).to.match(/requires entering the client secret again/);
    const row = await ds.manager.findOneBy(AccountingConnection, { vendor: 'xero' });
    expect(row!.apiUrl).to.equal('https://api.xero.com');

    const bad = await runCli(['accounting', 'connection', 'set', 'sage', '--client-id', 'x'], env);
    expect(bad.code).to.equal(2);

    const off = await runCli(['accounting', 'connection', 'disconnect', 'xero'], env);
    expect(off.code, off.stderr).to.equal(0);
    expect(off.stdout).to.contain('disconnected Xero');
  });
});
