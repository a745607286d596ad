import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { CustomerMapping, Invoice } from '../../../src/db/entities/index.js';
import type { Role } from '../../../src/db/entities/index.js';
import { money } from '../../../src/http/web/format.js';
import { seedTenant, type SeededTenant } from '../http/fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp } from '../http/support.js';

/** The web customer page: its mappings and its latest subscriptions, recurring invoices, invoices and usage, by role. */
describe('web: the customer page lists its mappings, subscriptions, recurring invoices, invoices and usage', function () {
  this.timeout(120_000);
  let app: TestApp;
  let a: SeededTenant;
  let mappingId: string;
  let otherMappingId: string;
  let oldestInvoiceId: string;

  before(async () => {
    app = await startApp();
    a = await seedTenant(app.ds, 'acme');
    const m = app.ds.manager;
    const base = () => ({ id: randomUUID(), tenantId: a.tenant.id, createdAt: new Date(), updatedAt: new Date() });
    // The customer's mapping names a resource group; the other customer gets a mapping of its own.
    await m.update(CustomerMapping, { tenantId: a.tenant.id, customerId: a.ids.customerId! }, { resourceGroup: 'rg-sales' });
    mappingId = (await m.findOneByOrFail(CustomerMapping, { tenantId: a.tenant.id, customerId: a.ids.customerId! })).id;
    const other = { ...base(), pax8CompanyId: randomUUID(), customerId: a.otherCustomer.customerId!, resourceGroup: 'rg-elsewhere', source: 'manual' };
    await m.insert(CustomerMapping, other);
    otherMappingId = other.id;
    // Ten older invoices (January to October 2025): with the seeded November 2026 one, eleven; the page shows the latest ten.
    const older = Array.from({ length: 10 }, (_, i) => {
      const month = `2025-${String(i + 1).padStart(2, '0')}`;
      return {
        ...base(), recurringInvoiceId: a.ids.recurringInvoiceId!, customerId: a.ids.customerId!, invoiceDate: `${month}-01`, periodStart: `${month}-01`,
        periodEnd: `${month}-28`, currency: 'GBP', taxRate: new Decimal('0.2'), status: 'issued' as const, number: 100 + i, subtotal: new Decimal('10'),
        tax: new Decimal('2'), total: new Decimal('12'), reviewJson: '[]', issuedAt: new Date(), approvedBy: null,
      };
    });
    await m.insert(Invoice, older);
    oldestInvoiceId = (await m.findOneByOrFail(Invoice, { tenantId: a.tenant.id, customerId: a.ids.customerId!, invoiceDate: '2025-01-01' })).id;
  });
  after(async () => {
    await app?.close();
  });

  const pageAs = async (role: Role) => {
    const u = await addUser(app, role, { tenant: a.tenant, ...(role === 'client' ? { customerId: a.ids.customerId! } : {}) });
    const cookie = await webSessionCookie(app.url, u);
    const get = async (customerId: string) => {
      const res = await fetch(`${app.url}/t/${a.tenant.id}/customers/${customerId}`, { headers: { cookie }, redirect: 'manual' });
      return { status: res.status, html: await res.text() };
    };
    return get;
  };
  /** The `data-id`s of the rows of table `id`. */
  const rows = (html: string, id: string): string[] => {
    const table = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html);
    expect(table, `table ${id}`).to.not.equal(null);
    return [...table![1]!.matchAll(/<tr data-id="([^"]+)"/g)].map((r) => r[1]!);
  };
  const otherCustomersIds = () => [a.otherCustomer.subscriptionId!, a.otherCustomer.recurringInvoiceId!, a.otherCustomer.invoiceId!, a.otherCustomer.summaryId!, otherMappingId];

  it('finance: each section lists the customer\'s own rows (the latest ten invoices) with a link to the filtered list, none of another customer\'s', async () => {
    const { status, html } = await (await pageAs('finance'))(a.ids.customerId!);
    expect(status).to.equal(200);
    expect(rows(html, 'customer-mappings')).to.deep.equal([mappingId]);
    expect(html).to.contain(`<code>${a.ids.pax8CompanyId}</code>`).and.contain('rg-sales').and.not.contain('rg-elsewhere');
    expect(rows(html, 'customer-subscriptions')).to.deep.equal([a.ids.subscriptionId]);
    expect(rows(html, 'customer-recurring-invoices')).to.deep.equal([a.ids.recurringInvoiceId]);
    const invoices = rows(html, 'customer-invoices');
    expect(invoices).to.have.length(10);
    expect(invoices[0]).to.equal(a.ids.invoiceId); // newest first
    expect(invoices).to.not.include(oldestInvoiceId);
    expect(html).to.contain(money('132', 'GBP'));
    expect(rows(html, 'customer-usage')).to.deep.equal([a.ids.summaryId]);
    expect(html).to.contain(`href="/t/${a.tenant.id}/usage/${a.ids.summaryId}"`).and.contain(`href="/t/${a.tenant.id}/invoices/${a.ids.invoiceId}"`);
    for (const [link, list, count] of [['all-subscriptions', 'subscriptions', 1], ['all-recurring-invoices', 'recurring-invoices', 1], ['all-invoices', 'invoices', 11], ['all-usage', 'usage', 1]] as const) {
      expect(html, link).to.match(new RegExp(`<a id="${link}" href="/t/${a.tenant.id}/${list}\\?customerId=${a.ids.customerId}">See all ${count} `));
    }
    for (const id of otherCustomersIds()) expect(html, id).to.not.contain(id);
  });

  it('reviewer sees the same lists without the settings form; a client sees its own lists without mappings, cost or partner totals', async () => {
    const reviewer = await (await pageAs('reviewer'))(a.ids.customerId!);
    expect(reviewer.status).to.equal(200);
    expect(reviewer.html).to.not.contain('id="customer-settings"');
    expect(rows(reviewer.html, 'customer-mappings')).to.deep.equal([mappingId]);
    expect(rows(reviewer.html, 'customer-invoices')).to.have.length(10);

    const asClient = await pageAs('client');
    const own = await asClient(a.ids.customerId!);
    expect(own.status).to.equal(200);
    expect(own.html).to.not.contain('customer-mappings').and.not.contain('rg-sales');
    expect(rows(own.html, 'customer-subscriptions')).to.deep.equal([a.ids.subscriptionId]);
    expect(rows(own.html, 'customer-recurring-invoices')).to.deep.equal([a.ids.recurringInvoiceId]);
    expect(rows(own.html, 'customer-invoices')[0]).to.equal(a.ids.invoiceId);
    expect(rows(own.html, 'customer-usage')).to.deep.equal([a.ids.summaryId]);
    // The seeded subscription cost (18.50) and usage partner total (10.10) are the MSP's.
    expect(own.html).to.not.contain(money('18.50', 'GBP')).and.not.contain(money('10.1', 'GBP'));
    for (const id of otherCustomersIds()) expect(own.html, id).to.not.contain(id);
    expect((await asClient(a.otherCustomer.customerId!)).status).to.equal(404);
  });
});
