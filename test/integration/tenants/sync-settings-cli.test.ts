import { expect } from 'chai';
import path from 'node:path';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertCustomer } from '../invoices/fixtures.js';

describeWithDatabase('CLI: sync choices (tenants settings imports.scheduledEntities, subscriptionCustomers, schedule.*; sync --customers)', { shared: true, tenant: 'acme', timeout: 600_000 }, (db) => {
  it('sets which entities the regular sync runs, when, and whose subscriptions; refuses a bad cron and an unmapped customer', async () => {
    const contoso = await insertCustomer(db.scope, 'Contoso');
    const env = cliEnvFor(db.target);

    const set = await runCli(['tenants', 'settings', 'acme', '--set', 'imports.scheduledEntities=subscriptions,customers',
      `imports.subscriptionCustomers=${contoso.id}`, 'schedule.subscriptions=30 */2 * * *'], env);
    expect(set.code, set.stderr).to.equal(0);
    const s = JSON.parse(set.stdout);
    expect(s.imports).to.deep.include({ scheduledEntities: ['customers', 'subscriptions'], subscriptionCustomers: [contoso.id] });
    expect(s.schedule.subscriptions).to.equal('30 */2 * * *');

    const bad = await runCli(['tenants', 'settings', 'acme', '--set', 'schedule.usage=61 * * * *', 'imports.subscriptionCustomers=all'], env);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.contain('schedule.usage');

    // Sync now for a customer without a Pax8 mapping: refused before anything is queued.
    const sync = await runCli(['sync', '--tenant', 'acme', '--entities', 'subscriptions', '--customers', contoso.id], env);
    expect(sync.code).to.equal(1);
    expect(sync.stderr).to.contain('no customer of this tenant mapped to a Pax8 company');
  });
});
