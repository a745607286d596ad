import { expect } from 'chai';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { parseSecretKey } from '../../../src/crypto/secret-key.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { runCli } from '../../support/cli.js';
import { TEST_DATABASE_URL, freshDatabase, sharedTestTarget } from '../../support/database.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';

const KEY = 'b'.repeat(64);

describe('recurra import / imports / mappings / customers / subscriptions (CLI)', function () {
  this.timeout(400_000);
  let ds: DataSource;
  let sandbox: RunningSandbox;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    const target = sharedTestTarget();
    ds = await freshDatabase(target);
    sandbox = await startTestSandbox({ seed: 11, companies: 15, subscriptions: 45, usageSummaries: 0 });
    await createTestTenant(ds, new SecretBox(parseSecretKey(KEY)), sandbox, { settings: { imports: { productImportMode: 'none' } } });
    env = {
      RECURRA_SECRET_KEY: KEY, PAX8_PORTAL_COMPANY_URL: 'https://portal.example/c/{companyId}',
      ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath) }),
    };
  });
  after(async () => {
    await sandbox.close();
    await ds.destroy();
  });

  it('imports with --json printing the run record, then lists and shows runs, customers, mappings and subscriptions', async () => {
    const dry = await runCli(['import', '--tenant', 'acme', '--entities', 'customers', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).to.equal(0);
    const dryRun = JSON.parse(dry.stdout) as { dryRun: boolean; counts: { customers: { created: number } } };
    expect(dryRun.dryRun).to.equal(true);

    const r = await runCli(['import', '--tenant', 'acme', '--entities', 'customers,subscriptions', '--json'], env);
    expect(r.code, r.stderr).to.equal(0);
    const run = JSON.parse(r.stdout) as { id: string; status: string; counts: Record<string, { created: number }>; errors: unknown[]; trigger: string };
    expect(run).to.include({ status: 'succeeded', trigger: 'cli' });
    expect(run.counts.customers!.created).to.equal(dryRun.counts.customers.created);
    expect(run.counts.subscriptions!.created).to.be.greaterThan(0);
    expect(run.errors).to.deep.equal([]);

    const list = await runCli(['imports', 'list', '--tenant', 'acme'], env);
    expect(list.stdout).to.include(run.id);
    const show = await runCli(['imports', 'show', run.id, '--tenant', 'acme', '--json'], env);
    expect((JSON.parse(show.stdout) as { id: string }).id).to.equal(run.id);

    const customers = JSON.parse((await runCli(['customers', 'list', '--tenant', 'acme', '--json'], env)).stdout) as Array<{ pax8CompanyId: string; pax8PortalUrl: string }>;
    expect(customers.length).to.equal(run.counts.customers!.created);
    expect(customers[0]!.pax8PortalUrl).to.equal(`https://portal.example/c/${customers[0]!.pax8CompanyId}`);
    const mappings = await runCli(['mappings', 'list', '--tenant', 'acme'], env);
    expect(mappings.stdout).to.include('https://portal.example/c/');

    const subs = JSON.parse((await runCli(['subscriptions', 'list', '--tenant', 'acme', '--json'], env)).stdout) as Array<{ id: string; quantity: string }>;
    expect(subs.length).to.equal(run.counts.subscriptions!.created);
    const refused = await runCli(['subscriptions', 'set-quantity', subs[0]!.id, String(Number(subs[0]!.quantity) + 1), '--tenant', 'acme'], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('allowQuantityIncrease');
  });

  it('exits 2 on bad usage and 1 for an unknown tenant', async () => {
    const bad = await runCli(['import', '--tenant', 'acme', '--entities', 'customers,invoices'], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('invoices');
    const missing = await runCli(['import', '--tenant', 'nobody'], env);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('no tenant named "nobody"');
  });
});
