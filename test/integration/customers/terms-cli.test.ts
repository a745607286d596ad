import { expect } from 'chai';
import path from 'node:path';
import { Customer } from '../../../src/db/entities/index.js';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertCustomer } from '../invoices/fixtures.js';

describeWithDatabase('CLI: payment terms and seller details (customers set paymentTermsDays, tenants settings invoicing.*)', { shared: true, tenant: 'acme', timeout: 300_000 }, (db) => {
  it('sets a customer\'s terms (a number of days or none) and the tenant\'s seller details and default terms', async () => {
    const scope = db.scope;
    const contoso = await insertCustomer(scope, 'Contoso');
    const env = cliEnvFor(db.target);

    const set = await runCli(['customers', 'set', contoso.id, 'paymentTermsDays=14', '--json', '--tenant', 'acme'], env);
    expect(set.code, set.stderr).to.equal(0);
    expect(JSON.parse(set.stdout)).to.include({ paymentTermsDays: 14 });
    expect((await runCli(['customers', 'set', contoso.id, 'paymentTermsDays=soon', '--tenant', 'acme'], env)).code).to.equal(2);
    const big = await runCli(['customers', 'set', contoso.id, 'paymentTermsDays=999', '--tenant', 'acme'], env);
    expect(big.code).to.equal(1);
    expect(big.stderr).to.contain('paymentTermsDays');
    const cleared = await runCli(['customers', 'set', contoso.id, 'paymentTermsDays=none', '--tenant', 'acme'], env);
    expect(cleared.code, cleared.stderr).to.equal(0);
    expect((await scope.repo(Customer).findOneBy({ id: contoso.id }))!.paymentTermsDays).to.equal(null);

    // A tax number of digits only stays text; the terms are a number of days.
    const settings = await runCli(['tenants', 'settings', 'acme', '--set', 'invoicing.sellerTaxNumber=123456789', 'invoicing.paymentTermsDays=10',
      'invoicing.sellerName=Acme IT Ltd'], env);
    expect(settings.code, settings.stderr).to.equal(0);
    expect(JSON.parse(settings.stdout).invoicing).to.include({ sellerTaxNumber: '123456789', paymentTermsDays: 10, sellerName: 'Acme IT Ltd' });
    const refused = await runCli(['tenants', 'settings', 'acme', '--set', 'invoicing.paymentTermsDays=many'], env);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.contain('invoicing.paymentTermsDays');
  });
});
