import { expect } from 'chai';
import path from 'node:path';
import { Customer } from '../../../src/db/entities/index.js';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertCustomer, insertRecurringInvoice } from '../invoices/fixtures.js';

describeWithDatabase('customers: CLI show and set (automatic-line settings), invoices run --allow-future', { shared: true, tenant: 'acme', timeout: 300_000 }, (db) => {
  it('shows and sets the monthly/annual recurring invoice and "no automatic lines", refusing a wrong frequency or another customer\'s', async () => {
    const scope = db.scope;
    const contoso = await insertCustomer(scope, 'Contoso');
    const other = await insertCustomer(scope, 'Fabrikam');
    const monthly = await insertRecurringInvoice(scope, { customerId: contoso.id, startDate: '2026-01-01', frequency: 'monthly' });
    const annual = await insertRecurringInvoice(scope, { customerId: contoso.id, startDate: '2026-01-01', frequency: 'annual' });
    const theirs = await insertRecurringInvoice(scope, { customerId: other.id, startDate: '2026-01-01', frequency: 'monthly' });
    const env = cliEnvFor(db.target);
    const cli = (...args: string[]) => runCli([...args, '--tenant', 'acme'], env);

    const set = await cli('customers', 'set', contoso.id, `monthlyRecurringInvoiceId=${monthly.id}`, `annualRecurringInvoiceId=${annual.id}`, 'noAutomaticInvoiceLines=true', '--json');
    expect(set.code, set.stderr).to.equal(0);
    expect(JSON.parse(set.stdout)).to.include({ monthlyRecurringInvoiceId: monthly.id, annualRecurringInvoiceId: annual.id, noAutomaticInvoiceLines: true });
    const shown = await cli('customers', 'show', contoso.id);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.contain(monthly.id).and.contain('noAutomaticInvoiceLines').and.contain('pax8PortalUrl');

    const wrong = await cli('customers', 'set', contoso.id, `monthlyRecurringInvoiceId=${annual.id}`);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.contain('monthlyRecurringInvoiceId').and.contain('is annual');
    const foreign = await cli('customers', 'set', contoso.id, `annualRecurringInvoiceId=${theirs.id}`);
    expect(foreign.code).to.equal(1);
    expect(foreign.stderr).to.contain('belongs to another customer');
    expect((await cli('customers', 'set', contoso.id, 'colour=blue')).code).to.equal(2);
    expect((await cli('customers', 'set', contoso.id, 'noAutomaticInvoiceLines=maybe')).code).to.equal(2);

    const cleared = await cli('customers', 'set', contoso.id, 'annualRecurringInvoiceId=none', 'noAutomaticInvoiceLines=false', '--json');
    expect(cleared.code, cleared.stderr).to.equal(0);
    const row = await scope.repo(Customer).findOneBy({ id: contoso.id });
    expect(row).to.include({ monthlyRecurringInvoiceId: monthly.id, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false });

    // A date far after any day this suite runs on: refused without --allow-future (exit 2), nothing created.
    const future = await cli('invoices', 'run', '--date', '2999-01-01');
    expect(future.code).to.equal(2);
    expect(future.stderr).to.contain('is after today').and.contain('--allow-future');
  });
});
