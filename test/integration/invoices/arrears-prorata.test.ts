import { expect } from 'chai';
import { clockFrom } from '../../../src/common/clock.js';
import { Invoice, InvoiceLine, RecurringInvoiceLine } from '../../../src/db/entities/index.js';
import { explainInvoice } from '../../../src/invoices/explain.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant } from '../../support/database.js';
import { addUser, call, startApp, type TestApp } from '../http/support.js';
import { insertChanges, insertCustomer, insertSubscription, scopeOf } from './fixtures.js';

describe('an arrears line\'s pro-rata option over the API: accepted and ignored', function () {
  this.timeout(120_000);
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  it('adds and changes an arrears line with a pro-rata option; it bills by the day, no adjustments, and explain says the option is ignored', async () => {
    app = await startApp({}, { clock: clockFrom('2026-12-07T10:00:00Z') });
    const tenant = await insertTenant(app.ds, 'acme', 'UTC');
    const scope = scopeOf(app.ds, tenant.id);
    const customer = await insertCustomer(scope, 'Contoso');
    const sub = await insertSubscription(scope, { customerId: customer.id, price: '22.00' });
    await insertChanges(scope, sub.id, [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }, { date: '2026-01-20', quantity: 12 }]);
    const finance = await addUser(app, 'finance', { tenant });
    const base = `/api/v1/tenants/${tenant.id}/recurring-invoices`;
    const ri = await call(app, 'post', base, {
      token: finance.token, body: { customerId: customer.id, name: 'Support', frequency: 'monthly', startDate: '2026-01-01', currency: 'USD' },
    });
    expect(ri.status).to.equal(201);
    const line = await call(app, 'post', `${base}/${ri.body.id}/lines`, {
      token: finance.token,
      body: { description: 'Support seats', timing: 'arrears', priceMode: 'own', unitPrice: '31.00', prorata: 'increases_only', subscriptionId: sub.id },
    });
    expect(line.status, JSON.stringify(line.body)).to.equal(201);
    const patched = await call(app, 'patch', `${base}/${ri.body.id}/lines/${line.body.id}`, { token: finance.token, body: { prorata: 'from_change_date' } });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    expect((await scope.repo(RecurringInvoiceLine).findOneBy({ id: line.body.id }))?.prorata).to.equal('from_change_date');

    const r = await runInvoices(app.ds, tenant.id, '2026-02-01', { clock: app.rt.clock });
    expect(r.failed).to.deep.equal([]);
    const feb = (await scope.repo(Invoice).findOneBy({ invoiceDate: '2026-02-01' }))!;
    const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: feb.id } });
    // By the day: 31.00 × (10×10 + 15×9 + 12×12) / 31 = 31.00 × 379 / 31 = 379.00; no pro-rata adjustment line.
    expect(lines.map((l) => `${l.kind}:${l.amount.toFixed(2)}`)).to.deep.equal(['arrears:379.00']);
    expect(await explainInvoice(app.ds, tenant.id, feb.id))
      .to.contain('The line\'s pro-rata option (from change date) is ignored: an arrears line is billed by the day already.');
  });
});
