import { expect } from 'chai';
import path from 'node:path';
import { clockFrom } from '../../../src/common/clock.js';
import { RecurringInvoiceAdjustment, RecurringInvoiceLine } from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertChanges, insertCustomer, insertLine, insertRecurringInvoice, insertSubscription } from './fixtures.js';

describeWithDatabase('CLI: recurring-invoices lines, set-cost and preview (issue 23)', { shared: true, tenant: 'acme', timeout: 300_000 }, (db) => {
  it('lists a line\'s price and cost modes, sets its own cost, and previews an increase the daily pass has not processed', async () => {
    const scope = db.scope;
    const customer = await insertCustomer(scope, 'Contoso');
    const sub = await insertSubscription(scope, { customerId: customer.id, price: '20.00' });
    await insertChanges(scope, sub.id, [{ date: '2021-01-01', quantity: 10, cost: '15.00' }]);
    const ri = await insertRecurringInvoice(scope, { customerId: customer.id, startDate: '2021-01-01' });
    const line = await insertLine(scope, ri, 0, { description: 'Seats', unitPrice: '20.00', costMode: 'follow', links: [{ subscriptionId: sub.id }] });
    await runInvoices(db.ds, db.tenantId, '2021-01-01', { clock: clockFrom('2021-01-01T12:00:00Z') });
    await runDailyPass(db.ds, db.tenantId, '2021-01-10');
    await insertChanges(scope, sub.id, [{ date: '2021-01-15', quantity: 15, cost: '15.00' }]);
    const env = cliEnvFor(db.target);
    const cli = (...args: string[]) => runCli([...args, '--tenant', 'acme'], env);

    const lines = await cli('recurring-invoices', 'lines', ri.id, '--json');
    expect(lines.code, lines.stderr).to.equal(0);
    expect(JSON.parse(lines.stdout)).to.deep.equal([{ id: line.id, description: 'Seats', timing: 'advance', priceMode: 'own', unitPrice: '20', costMode: 'follow', cost: null, prorata: 'from_change_date' }]);
    const unknown = await cli('recurring-invoices', 'lines', 'no-such-id');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('recurring invoice not found');
    expect((await cli('recurring-invoices', 'set-cost', ri.id, line.id)).code).to.equal(2);
    const own = await cli('recurring-invoices', 'set-cost', ri.id, line.id, '--own', '--cost', '16.50', '--json');
    expect(own.code, own.stderr).to.equal(0);
    expect(JSON.parse(own.stdout)).to.include({ costMode: 'own', cost: '16.5' });
    expect((await scope.repo(RecurringInvoiceLine).findOneBy({ id: line.id }))!.costMode).to.equal('own');

    // The history is read up to the invoice's eve (every day this suite runs on is after it); the pass stopped at the 10th.
    const before = await scope.repo(RecurringInvoiceAdjustment).count();
    const preview = await cli('recurring-invoices', 'preview', ri.id, '--json');
    expect(preview.code, preview.stderr).to.equal(0);
    const p = JSON.parse(preview.stdout) as { date: string; total: string; historyThrough: string; dailyPassThrough: string; changes: { date: string; processed: boolean }[]; lines: { kind: string; amount: string }[] };
    expect(p).to.include({ date: '2021-02-01', total: '354.84', historyThrough: '2021-01-31', dailyPassThrough: '2021-01-10' });
    expect(p.lines.map((l) => [l.kind, l.amount])).to.deep.equal([['recurring', '300'], ['prorata', '54.84']]);
    expect(p.changes.map((c) => [c.date, c.processed])).to.deep.equal([['2021-01-15', false]]);
    expect(await scope.repo(RecurringInvoiceAdjustment).count()).to.equal(before);
    const text = await cli('recurring-invoices', 'preview', ri.id);
    expect(text.stdout).to.contain('includes: Seats 10 → 15 on 2021-01-15 (not yet processed by the daily pass)');
  });
});
