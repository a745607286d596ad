import { expect } from 'chai';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { PARTNER_COMPANY_NAME } from '../../../src/pax8/sandbox/generator/companies.js';
import { runCli } from '../../support/cli.js';
import { TEST_DATABASE_URL, freshDatabase, sharedTestTarget } from '../../support/database.js';
import { startTestSandbox } from '../../support/fixtures.js';

const KEY = 'c'.repeat(64);

/** Issue 22, point 7 from the command line: `tenants add` offers the partner company; imports refuse until it is set. */
describe('recurra tenants add / partner-company (CLI, Pax8 sandbox)', function () {
  this.timeout(300_000);
  let ds: DataSource;
  let sandbox: RunningSandbox;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    const target = sharedTestTarget();
    ds = await freshDatabase(target);
    sandbox = await startTestSandbox({ seed: 5, companies: 12, subscriptions: 30, usageSummaries: 0 });
    env = {
      RECURRA_SECRET_KEY: KEY, PAX8_CLIENT_SECRET: sandbox.clientSecret,
      ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath) }),
    };
  });
  after(async () => {
    await sandbox.close();
    await ds.destroy();
  });

  const add = (name: string, extra: string[]) => runCli([
    'tenants', 'add', name, '--client-id', sandbox.clientId, '--api-url', sandbox.baseUrl, '--token-url', sandbox.tokenUrl, '--audience', sandbox.audience, ...extra,
  ], env);
  const own = () => sandbox.data.partnerCompanyId;

  it('without a choice: lists the matching companies, leaves it not chosen, and the import refuses until it is set', async () => {
    const added = await add('acme', ['--display-name', 'Northwind Managed']);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.include('partner company: not yet chosen');
    expect(added.stdout).to.include(`${own()}\t${PARTNER_COMPANY_NAME}`);
    expect(added.stdout).to.include('recurra tenants partner-company acme --set');
    expect(added.stdout + added.stderr).to.not.include(sandbox.clientSecret);

    const refused = await runCli(['import', '--tenant', 'acme', '--entities', 'customers'], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('not chosen yet').and.include('recurra tenants partner-company acme --set');
    const again = await runCli(['import', '--tenant', 'acme', '--entities', 'customers'], env);
    expect(again.code, 'later imports refuse too').to.equal(1);

    const shown = JSON.parse((await runCli(['tenants', 'partner-company', 'acme', '--json'], env)).stdout) as { state: string; candidates: Array<{ pax8CompanyId: string }> };
    expect(shown.state).to.equal('not_chosen');
    expect(shown.candidates.map((c) => c.pax8CompanyId)).to.include(own());

    const set = await runCli(['tenants', 'partner-company', 'acme', '--set', own()], env);
    expect(set.code, set.stderr).to.equal(0);
    expect(set.stdout).to.include(`partner company chosen (${own()})`);
    const ok = await runCli(['import', '--tenant', 'acme', '--entities', 'customers', '--json'], env);
    expect(ok.code, ok.stderr).to.equal(0);
    const customers = JSON.parse((await runCli(['customers', 'list', '--tenant', 'acme', '--json'], env)).stdout) as Array<{ name: string; pax8CompanyId: string }>;
    expect(customers.length).to.be.greaterThan(0);
    expect(customers.map((c) => c.pax8CompanyId)).to.not.include(own());
    expect(customers.map((c) => c.name)).to.not.include(PARTNER_COMPANY_NAME);
  });

  it('--partner-company ID chooses it at once; --no-partner-company declines; --set and --none exclude each other', async () => {
    const chosen = await add('beta', ['--partner-company', own()]);
    expect(chosen.code, chosen.stderr).to.equal(0);
    expect(chosen.stdout).to.include(`partner company: chosen (${own()})`);
    const declined = await add('gamma', ['--no-partner-company']);
    expect(declined.code, declined.stderr).to.equal(0);
    expect(declined.stdout).to.include('partner company: declined');
    const ok = await runCli(['import', '--tenant', 'gamma', '--entities', 'customers'], env);
    expect(ok.code, ok.stderr).to.equal(0);
    const both = await runCli(['tenants', 'partner-company', 'gamma', '--set', own(), '--none'], env);
    expect(both.code).to.equal(2);
  });
});
