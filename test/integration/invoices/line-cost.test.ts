import { expect } from 'chai';
import { clockFrom } from '../../../src/common/clock.js';
import { Invoice, InvoiceLine, RecurringInvoice, RecurringInvoiceLine, SubscriptionChange } from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant } from '../../support/database.js';
import { addUser, call, startApp, webSessionCookie, type TestApp } from '../http/support.js';
import { insertChanges, insertCustomer, insertLine, insertRecurringInvoice, insertSubscription, scopeOf } from './fixtures.js';

/**
 * A line's cost follows the subscription's Pax8 cost per period, or is its own (issue 23): a cost change at Pax8
 * changes the next period's margin of a following line and not of an own-cost line.
 */
describe('invoices: line cost follows the Pax8 cost per period (or is the line\'s own)', function () {
  this.timeout(180_000);
  let app: TestApp;

  before(async () => {
    app = await startApp({}, { clock: clockFrom('2026-01-25T12:00:00Z') });
  });
  after(async () => {
    await app?.close();
  });

  it('bills each period against the followed cost of that period; an own cost stays; adjustments carry their period\'s cost', async () => {
    const tenant = await insertTenant(app.ds, 'acme');
    const scope = scopeOf(app.ds, tenant.id);
    const customer = await insertCustomer(scope, 'Contoso');
    const followed = await insertSubscription(scope, { customerId: customer.id, price: '20.00' });
    const owned = await insertSubscription(scope, { customerId: customer.id, price: '20.00' });
    // Pax8 raises the cost from 15 to 17 on 20 Jan; the followed subscription also goes from 10 to 12 seats on 11 Jan.
    await insertChanges(scope, followed.id, [{ date: '2026-01-01', quantity: 10, cost: '15.00' }, { date: '2026-01-11', quantity: 12, cost: '15.00' }, { date: '2026-01-20', quantity: 12, cost: '17.00' }]);
    await insertChanges(scope, owned.id, [{ date: '2026-01-01', quantity: 10, cost: '15.00' }, { date: '2026-01-20', quantity: 10, cost: '17.00' }]);
    const ri = await insertRecurringInvoice(scope, { customerId: customer.id, startDate: '2026-01-01' });
    const follow = await insertLine(scope, ri, 0, { description: 'Followed', unitPrice: '20.00', costMode: 'follow', links: [{ subscriptionId: followed.id }] });
    const own = await insertLine(scope, ri, 1, { description: 'Own', unitPrice: '20.00', costMode: 'own', cost: '15.00', links: [{ subscriptionId: owned.id }] });

    await runInvoices(app.ds, tenant.id, '2026-01-01', { clock: clockFrom('2026-01-01T12:00:00Z') });
    // The eve's daily pass composes February's invoice; the run issues it as composed.
    await runDailyPass(app.ds, tenant.id, '2026-01-31');
    const feb = await runInvoices(app.ds, tenant.id, '2026-02-01', { clock: clockFrom('2026-02-01T12:00:00Z') });
    expect(feb.fromUpcoming).to.equal(1);

    const linesOf = async (date: string) => {
      const inv = (await scope.repo(Invoice).findOneBy({ invoiceDate: date }))!;
      const rows = await scope.repo(InvoiceLine).find({ where: { invoiceId: inv.id }, order: { position: 'ASC' } });
      return { inv, rows: rows.map((l) => [l.description.split(':')[0], l.kind, l.amount.toFixed(2), l.unitCost?.toFixed(2) ?? null, l.cost?.toFixed(2) ?? null]) };
    };
    const jan = await linesOf('2026-01-01');
    expect(jan.rows).to.deep.equal([
      ['Followed', 'recurring', '200.00', '15.00', '150.00'],
      ['Own', 'recurring', '200.00', '15.00', '150.00'],
    ]);
    const f = await linesOf('2026-02-01');
    // February: the followed line is billed against the 17.00 Pax8 cost, the own line still against 15.00; January's
    // adjustment (2 seats × 21/31 days) against January's cost.
    expect(f.rows).to.deep.equal([
      ['Followed', 'recurring', '240.00', '17.00', '204.00'],
      ['Own', 'recurring', '200.00', '15.00', '150.00'],
      ['Followed', 'prorata', '27.10', '15.00', '20.32'],
    ]);

    // The API gives staff the cost and margin of each line, and clients neither.
    const admin = await addUser(app, 'admin', { tenant });
    const got = await call(app, 'get', `/api/v1/tenants/${tenant.id}/invoices/${f.inv.id}`, { token: admin.token });
    expect(got.status, got.text).to.equal(200);
    expect(got.body.lines.map((l: { margin: string | null }) => l.margin)).to.deep.equal(['36', '50', '6.78']);
    const cookie = await webSessionCookie(app.url, admin);
    const page = await (await fetch(`${app.url}/t/${tenant.id}/invoices/${f.inv.id}`, { headers: { cookie } })).text();
    expect(page).to.contain('margin USD 36.00 on cost USD 204.00');
    const client = await addUser(app, 'client', { tenant, customerId: customer.id });
    const theirs = await call(app, 'get', `/api/v1/tenants/${tenant.id}/invoices/${f.inv.id}`, { token: client.token });
    expect(theirs.status).to.equal(200);
    expect(theirs.body.lines[0]).to.not.have.property('cost');
    expect(theirs.body.lines[0]).to.not.have.property('margin');
    expect(theirs.body.lines[0]).to.not.have.property('unitCost');

    // The line form: a line added with a subscription follows by default; own with a cost can be set, and back.
    const third = await insertSubscription(scope, { customerId: customer.id, price: '5.00' });
    const added = await call(app, 'post', `/api/v1/tenants/${tenant.id}/recurring-invoices/${ri.id}/lines`, {
      token: admin.token, body: { description: 'Backup', subscriptionId: third.id },
    });
    expect(added.status, added.text).to.equal(201);
    expect((await scope.repo(RecurringInvoiceLine).findOneBy({ id: added.body.id }))!.costMode).to.equal('follow');
    const lineUrl = `/api/v1/tenants/${tenant.id}/recurring-invoices/${ri.id}/lines/${follow.id}`;
    expect((await call(app, 'patch', lineUrl, { token: admin.token, body: { costMode: 'own', cost: '16.50' } })).status).to.equal(200);
    const shown = await call(app, 'get', `/api/v1/tenants/${tenant.id}/recurring-invoices/${ri.id}`, { token: admin.token });
    expect(shown.body.lines.find((l: { id: string }) => l.id === follow.id)).to.include({ costMode: 'own', cost: '16.5' });
    expect(shown.body.lines.find((l: { id: string }) => l.id === own.id)).to.include({ costMode: 'own', cost: '15' });

    // What the next invoice is composed from grows the inputs version: a line's cost mode, a recorded cost corrected.
    const version = async () => (await scope.repo(RecurringInvoice).findOneBy({ id: ri.id }))!.inputsVersion;
    const v0 = await version();
    await scope.repo(RecurringInvoiceLine).update({ id: follow.id }, { costMode: 'follow' });
    const v1 = await version();
    expect(v1).to.be.greaterThan(v0);
    const change = (await scope.repo(SubscriptionChange).find({ where: { subscriptionId: followed.id }, order: { effectiveDate: 'DESC' } }))[0]!;
    await scope.repo(SubscriptionChange).update({ id: change.id }, { cost: change.cost!.plus(1) });
    expect(await version()).to.be.greaterThan(v1);
  });
});
