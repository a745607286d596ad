import { expect } from 'chai';
import { Customer, RecurringInvoiceLine, RecurringInvoiceLink } from '../../../src/db/entities/index.js';
import { addLineForNewSubscription } from '../../../src/invoices/auto-lines.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertCustomer, insertRecurringInvoice, insertSubscription, setTenantSettings } from './fixtures.js';

describeWithDatabase('invoices: automatic recurring-invoice lines for new subscriptions', { tenant: 'acme' }, (db) => {
  beforeEach(async () => {
    await setTenantSettings(db.ds, db.tenantId, { imports: { productImportMode: 'products_and_lines' } });
  });

  it('adds a linked, price-following line to the customer\'s monthly or annual recurring invoice by billing term', async () => {
    const scope = db.scope;
    const c = await insertCustomer(scope, 'Contoso');
    const monthly = await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01' });
    const annual = await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01', frequency: 'annual' });
    await scope.repo(Customer).update({ id: c.id }, { monthlyRecurringInvoiceId: monthly.id, annualRecurringInvoiceId: annual.id });
    const m = await insertSubscription(scope, { customerId: c.id, billingTerm: 'Monthly', productId: 'p-1' });
    const a = await insertSubscription(scope, { customerId: c.id, billingTerm: 'Annual' });

    const rm = await addLineForNewSubscription(scope, m);
    const ra = await addLineForNewSubscription(scope, a);
    expect(rm).to.include({ added: true, recurringInvoiceId: monthly.id });
    expect(ra).to.include({ added: true, recurringInvoiceId: annual.id });
    const line = await scope.repo(RecurringInvoiceLine).findOneBy({ id: (rm as { lineId: string }).lineId });
    expect(line!).to.include({ recurringInvoiceId: monthly.id, productId: 'p-1', priceMode: 'follow', timing: 'advance', prorata: 'from_change_date' });
    const links = await scope.repo(RecurringInvoiceLink).findBy({ lineId: line!.id });
    expect(links.map((l) => l.subscriptionId)).to.deep.equal([m.id]);
    expect(links[0]!.freeQuantity.toString()).to.equal('0');

    // Adding the same subscription again is refused: it is no longer new.
    const again = await addLineForNewSubscription(scope, m);
    expect(again.added).to.equal(false);
    expect(await scope.repo(RecurringInvoiceLink).count({ where: { subscriptionId: m.id } })).to.equal(1);
  });

  it('falls back to the customer\'s newest recurring invoice with a matching period, else reports none', async () => {
    const scope = db.scope;
    const c = await insertCustomer(scope, 'Fabrikam');
    await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01', createdAt: new Date('2026-01-01T00:00:00Z') });
    const newer = await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-02-01', createdAt: new Date('2026-02-01T00:00:00Z') });
    await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-03-01', frequency: 'quarterly', createdAt: new Date('2026-03-01T00:00:00Z') });
    const m = await insertSubscription(scope, { customerId: c.id, billingTerm: 'Monthly' });
    expect(await addLineForNewSubscription(scope, m)).to.include({ added: true, recurringInvoiceId: newer.id });

    const a = await insertSubscription(scope, { customerId: c.id, billingTerm: 'Annual' });
    const r = await addLineForNewSubscription(scope, a);
    expect(r).to.deep.equal({ added: false, reason: 'customer "Fabrikam" has no annual recurring invoice' });
    const odd = await insertSubscription(scope, { customerId: c.id, billingTerm: 'Trial' });
    expect((await addLineForNewSubscription(scope, odd)).added).to.equal(false);
  });

  it('never adds a Monthly subscription to a configured recurring invoice whose frequency is no longer monthly', async () => {
    const scope = db.scope;
    const c = await insertCustomer(scope, 'Northwind');
    const fallback = await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01', createdAt: new Date('2026-01-01T00:00:00Z') });
    // Configured as the monthly one (the API checks that), then its schedule was changed to quarterly.
    const changed = await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01', frequency: 'quarterly', createdAt: new Date('2026-02-01T00:00:00Z') });
    await scope.repo(Customer).update({ id: c.id }, { monthlyRecurringInvoiceId: changed.id });
    const m = await insertSubscription(scope, { customerId: c.id, billingTerm: 'Monthly' });
    expect(await addLineForNewSubscription(scope, m)).to.include({ added: true, recurringInvoiceId: fallback.id });
  });

  it('respects "do not create recurring-invoice lines automatically" and the tenant import mode', async () => {
    const scope = db.scope;
    const c = await insertCustomer(scope, 'Northwind', { noAutomaticInvoiceLines: true });
    await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01' });
    const s = await insertSubscription(scope, { customerId: c.id });
    const r = await addLineForNewSubscription(scope, s);
    expect(r.added).to.equal(false);
    expect((r as { reason: string }).reason).to.match(/not create recurring-invoice lines automatically/);

    const c2 = await insertCustomer(scope, 'Tailspin');
    await insertRecurringInvoice(scope, { customerId: c2.id, startDate: '2026-01-01' });
    const s2 = await insertSubscription(scope, { customerId: c2.id });
    await setTenantSettings(db.ds, db.tenantId, { imports: { productImportMode: 'products' } });
    expect((await addLineForNewSubscription(scope, s2)).added).to.equal(false);
    expect(await scope.repo(RecurringInvoiceLine).count()).to.equal(0);
  });

  it('gives a usage summary subscription a usage line', async () => {
    const scope = db.scope;
    const c = await insertCustomer(scope, 'Woodgrove');
    const ri = await insertRecurringInvoice(scope, { customerId: c.id, startDate: '2026-01-01' });
    const s = await insertSubscription(scope, { customerId: c.id, kind: 'usage_summary', usageSummaryId: 'u-1', name: 'Azure plan (Usage Summary)' });
    const r = await addLineForNewSubscription(scope, s);
    expect(r).to.include({ added: true, recurringInvoiceId: ri.id });
    const line = await scope.repo(RecurringInvoiceLine).findOneBy({ id: (r as { lineId: string }).lineId });
    expect(line!).to.include({ timing: 'usage', usageSummaryId: 'u-1' });
  });
});
