import { expect } from 'chai';
import { clockFrom } from '../../../src/common/clock.js';
import { BillingDailyProgress, RecurringInvoiceAdjustment, RecurringInvoiceLine, RecurringInvoiceLineChange, Tenant } from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { previewNextInvoice } from '../../../src/invoices/preview.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { addUser, call, startApp, webSessionCookie, type TestApp } from '../http/support.js';
import { insertChanges, insertCustomer, insertLine, insertRecurringInvoice, insertSubscription, scopeOf } from './fixtures.js';
import { insertTenant } from '../../support/database.js';

/**
 * The next-invoice preview composes from the history as recorded now (issue 23): a quantity increase recorded today
 * shows its pro-rata adjustment before any daily pass has processed the day, nothing is written, and the run then
 * bills exactly what the preview showed.
 */
describe('invoices: next-invoice preview from the history as recorded now', function () {
  this.timeout(180_000);
  let app: TestApp;

  before(async () => {
    // Today is 20 Jan 2026 in the app (the API's preview reads the history up to today).
    // 09:30 UTC is 20 January in every zone the calendar run bills in (UTC, Auckland +13, Los Angeles -8).
    app = await startApp({}, { clock: clockFrom('2026-01-20T09:30:00Z') });
  });
  after(async () => {
    await app?.close();
  });

  it('includes an increase the daily pass has not processed, writes nothing, says which changes it includes, and equals the run', async () => {
    const tenant = await insertTenant(app.ds, 'acme');
    const scope = scopeOf(app.ds, tenant.id);
    const customer = await insertCustomer(scope, 'Contoso');
    const sub = await insertSubscription(scope, { customerId: customer.id, price: '20.00' });
    await insertChanges(scope, sub.id, [{ date: '2026-01-01', quantity: 10 }]);
    const ri = await insertRecurringInvoice(scope, { customerId: customer.id, startDate: '2026-01-01' });
    await insertLine(scope, ri, 0, { description: 'Seats', unitPrice: '20.00', links: [{ subscriptionId: sub.id }] });
    const clock = clockFrom('2026-01-01T12:00:00Z');
    await runInvoices(app.ds, tenant.id, '2026-01-01', { clock });
    await runDailyPass(app.ds, tenant.id, '2026-01-10');

    // An increase recorded on the 15th; the daily pass last ran for the 10th.
    await insertChanges(scope, sub.id, [{ date: '2026-01-15', quantity: 15 }]);
    const t = (await app.ds.manager.findOneBy(Tenant, { id: tenant.id }))!;
    const counts = async () => [
      await scope.repo(RecurringInvoiceAdjustment).count(), await scope.repo(RecurringInvoiceLineChange).count(),
      (await scope.repo(BillingDailyProgress).findOneBy({}))!.lastDate, (await scope.repo(RecurringInvoiceLine).findOneBy({ recurringInvoiceId: ri.id }))!.currentQuantity.toString(),
    ];
    const before = await counts();
    const p = await previewNextInvoice(scope, t, ri.id, '2026-01-20');
    expect(await counts()).to.deep.equal(before);
    expect(p.historyThrough).to.equal('2026-01-20');
    expect(p.dailyPassThrough).to.equal('2026-01-10');
    expect(p.changes).to.deep.equal([{ lineId: p.changes[0]!.lineId, line: 'Seats', date: '2026-01-15', quantityBefore: '10', quantityAfter: '15', processed: false }]);
    const lines = p.invoice.lines.map((l) => [l.kind, l.quantity.toString(), l.amount.toFixed(2)]);
    // February: 15 × 20.00; January's adjustment: 5 × 20.00 × 17/31 days = 54.84.
    expect(lines).to.deep.equal([['recurring', '15', '300.00'], ['prorata', '5', '54.84']]);
    expect(p.invoice.lines[1]!.description).to.match(/^Seats: 5 more from 15 Jan 2026/);

    // Over the API and on the recurring invoice's page, with today from the app's clock.
    const admin = await addUser(app, 'admin', { tenant });
    const api = await call(app, 'get', `/api/v1/tenants/${tenant.id}/recurring-invoices/${ri.id}/preview`, { token: admin.token });
    expect(api.status, api.text).to.equal(200);
    expect(api.body).to.include({ total: '354.84', historyThrough: '2026-01-20', dailyPassThrough: '2026-01-10' });
    expect(api.body.changes).to.have.length(1);
    expect(api.body.changes[0]).to.include({ date: '2026-01-15', quantityBefore: '10', quantityAfter: '15', processed: false });
    const cookie = await webSessionCookie(app.url, admin);
    const html = await (await fetch(`${app.url}/t/${tenant.id}/recurring-invoices/${ri.id}`, { headers: { cookie } })).text();
    expect(html).to.contain('id="preview-changes"').and.contain('not yet processed by the daily pass').and.contain('Seats: 5 more from 15 Jan 2026');
    expect(await counts()).to.deep.equal(before);

    // Once the pass has processed the days, the preview is the same and says the change is processed.
    await runDailyPass(app.ds, tenant.id, '2026-01-20');
    const after = await previewNextInvoice(scope, t, ri.id, '2026-01-20');
    expect(after.invoice.total.toFixed(2)).to.equal('354.84');
    expect(after.changes.map((c) => [c.date, c.processed])).to.deep.equal([['2026-01-15', true]]);

    const run = await runInvoices(app.ds, tenant.id, '2026-02-01', { clock: clockFrom('2026-02-01T12:00:00Z') });
    expect(run.created.map((c) => c.total)).to.deep.equal(['354.84']);
  });
});
