import path from 'node:path';
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { parseSecretKey } from '../../../src/crypto/secret-key.js';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { CustomerMapping, Subscription } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { runCli } from '../../support/cli.js';
import { TEST_DATABASE_URL, freshDatabase, sharedTestTarget } from '../../support/database.js';

const KEY = 'c'.repeat(64);

describe('recurra licences / events (CLI)', function () {
  this.timeout(400_000);
  let ds: DataSource;
  let sandbox: RunningSandbox;
  let env: NodeJS.ProcessEnv;
  let tenantId: string;
  before(async () => {
    const target = sharedTestTarget();
    ds = await freshDatabase(target);
    sandbox = await startTestSandbox({ seed: 13, companies: 10, subscriptions: 30, usageSummaries: 0 });
    tenantId = (await createTestTenant(ds, new SecretBox(parseSecretKey(KEY)), sandbox, { settings: { imports: { productImportMode: 'none' } } })).tenant.id;
    env = { RECURRA_SECRET_KEY: KEY, ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath) }) };
  });
  after(async () => {
    await sandbox.close();
    await ds.destroy();
  });

  it('previews a purchase, completes it with --yes, and shows and exports it in the event log', async () => {
    const imp = await runCli(['import', '--tenant', 'acme', '--entities', 'customers,subscriptions'], env);
    expect(imp.code, imp.stderr).to.equal(0);
    const scope = new TenantScope(ds.manager, tenantId);
    const mapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    const src = sandbox.data.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active')!;
    const sub = (await scope.repo(Subscription).findOneBy({ pax8Id: src.id }))!;
    const q = src.quantity;

    const preview = await runCli(['licences', 'purchase', sub.id, '2', '--tenant', 'acme'], env);
    expect(preview.code, preview.stderr).to.equal(0);
    expect(preview.stdout).to.include('purchase of 2 licence(s)').and.include('next invoice:');
    expect(sandbox.data.subscriptionById.get(src.id)!.quantity).to.equal(q);

    // The sandbox's default: Pax8 answers the change pending (issue 22), so the purchase is provisioning, not applied.
    sandbox.data.pending.failureRate = 0;
    const done = await runCli(['licences', 'purchase', sub.id, '2', '--tenant', 'acme', '--yes'], env);
    expect(done.code, done.stderr).to.equal(0);
    expect(done.stdout).to.match(/^purchase provisioning \(operation /).and.include('Pax8 accepted the change and is provisioning it');
    expect(sandbox.data.subscriptionById.get(src.id)!.quantity).to.equal(q + 2);
    const opsLine = async () => {
      const ops = await runCli(['licences', 'operations', '--tenant', 'acme'], env);
      expect(ops.code, ops.stderr).to.equal(0);
      return ops.stdout.split('\n').find((l) => l.includes(' purchase '))!;
    };
    expect(await opsLine()).to.match(/ purchase\s+provisioning\s+2 /);
    sandbox.settlePending();
    expect((await runCli(['import', '--tenant', 'acme', '--entities', 'subscriptions'], env)).code).to.equal(0);
    expect(await opsLine()).to.match(/ purchase\s+applied\s+2 /);

    const refused = await runCli(['licences', 'decrease', sub.id, String(q + 2), '--tenant', 'acme', '--yes'], env);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.match(/no licences left/);

    const list = await runCli(['events', 'list', '--tenant', 'acme', '--columns', 'type,licenceCount,initiatedBy'], env);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout.split('\n')[0]).to.match(/^Event type\s+Licence count\s+Initiated by$/);
    expect(list.stdout).to.match(/purchase\s+2\s+cli:/);
    const csv = await runCli(['events', 'export', '--tenant', 'acme', '--columns', 'type,licenceCount', '--type', 'purchase'], env);
    expect(csv.stdout).to.equal('Event type,Licence count\npurchase,2\n');
  });
});
