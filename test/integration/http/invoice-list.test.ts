import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Customer, Invoice, Subscription, UsageSummary } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp, type TestUser } from './support.js';

/** The invoices, recurring invoices and usage lists search text literally (`%`, `_`); invoices also by number and dates, sorted and paged. */
describe('http: list search, filters and sort (invoices, recurring invoices, usage, subscriptions)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let percent: string;
  let other: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'invoice-list', '100% Widgets');
    admin = await addUser(app, 'admin', { tenant: A.tenant });
    percent = A.ids.invoiceId!;
    other = A.otherCustomer.invoiceId!;
    // "1000 Widgets" would match an unescaped "100%"; the other invoice is issued as INV-000123, a month earlier, larger.
    await app.ds.manager.update(Customer, { id: A.otherCustomer.customerId }, { name: '1000 Widgets' });
    await app.ds.manager.update(Invoice, { id: other }, { status: 'issued', number: 123, invoiceDate: '2026-10-01', total: new Decimal('500') });
  });
  after(async () => { await app?.close(); });

  const ids = async (query: string, token = admin.token) => {
    const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/invoices?${query}`, { token });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return (r.body as { items: { id: string }[] }).items.map((i) => i.id);
  };

  it('searches customer names literally and invoice numbers as INV-000123 or 123', async () => {
    expect(await ids(`q=${encodeURIComponent('100%')}`)).to.deep.equal([percent]);
    expect(await ids(`q=${encodeURIComponent('0_ W')}`)).to.deep.equal([]);
    expect((await ids('q=widgets')).sort()).to.deep.equal([percent, other].sort());
    expect(await ids('q=INV-000123')).to.deep.equal([other]);
    expect(await ids('q=123')).to.deep.equal([other]);
    expect(await ids('q=INV-000999')).to.deep.equal([]);
  });

  it('filters by date range and customer, sorts by total and pages', async () => {
    expect(await ids('from=2026-11-01')).to.deep.equal([percent]);
    expect(await ids('to=2026-10-31')).to.deep.equal([other]);
    expect(await ids(`q=widgets&customerId=${A.otherCustomer.customerId}`)).to.deep.equal([other]);
    expect(await ids('sort=total,desc')).to.deep.equal([other, percent]);
    expect(await ids('sort=total,asc&size=1&page=1')).to.deep.equal([other]);
    expect((await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/invoices?q=${'x'.repeat(101)}`, { token: admin.token })).status).to.equal(400);
  });

  it('the web Invoices page searches, filters by dates and keeps them in its form', async () => {
    const cookie = await webSessionCookie(app.url, admin);
    const res = await fetch(`${app.url}/t/${A.tenant.id}/invoices?q=${encodeURIComponent('100%')}&from=2026-01-01&sort=total,desc`, { headers: { cookie } });
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).to.equal(200);
    expect(html).to.include('100% Widgets');
    expect(html).to.not.include('1000 Widgets');
    expect(html).to.include('name="q" value="100%"');
    expect(html).to.include('name="from" value="2026-01-01"');
    expect(html).to.match(/<option value="total,desc" selected>/);
    const byDate = await (await fetch(`${app.url}/t/${A.tenant.id}/invoices?to=2026-10-31`, { headers: { cookie } })).text();
    expect(byDate).to.include('1000 Widgets');
    expect(byDate).to.not.include('100% Widgets');
  });
  it('recurring invoices: the API and the page search name or customer name literally and keep the search in the form', async () => {
    const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/recurring-invoices?q=${encodeURIComponent('100%')}`, { token: admin.token });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((r.body as { items: { id: string }[] }).items.map((x) => x.id)).to.deep.equal([A.ids.recurringInvoiceId]);
    const both = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/recurring-invoices?q=monthly&sort=name,asc`, { token: admin.token });
    expect((both.body as { page: { totalElements: number } }).page.totalElements).to.equal(2);
    const cookie = await webSessionCookie(app.url, admin);
    const html = await (await fetch(`${app.url}/t/${A.tenant.id}/recurring-invoices?q=${encodeURIComponent('1000 w')}`, { headers: { cookie } })).text();
    const table = html.match(/<table id="recurring">[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(table).to.include('1000 Widgets');
    expect(table).to.not.include('100% Widgets');
    expect(html).to.include('name="q" value="1000 w"');
  });
  it('usage summaries: the API and the Usage page search resource group, vendor or customer name literally', async () => {
    await app.ds.manager.update(UsageSummary, { id: A.otherCustomer.summaryId }, { resourceGroup: 'rg_two' });
    const usage = async (query: string) => {
      const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/usage-summaries?${query}`, { token: admin.token });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return (r.body as { items: { id: string }[] }).items.map((x) => x.id);
    };
    expect(await usage('q=rg_')).to.deep.equal([A.otherCustomer.summaryId]);
    expect(await usage(`q=${encodeURIComponent('100%')}`)).to.deep.equal([A.ids.summaryId]);
    expect((await usage('q=microsoft&sort=resourceGroup,asc'))).to.deep.equal([A.ids.summaryId, A.otherCustomer.summaryId]);
    const cookie = await webSessionCookie(app.url, admin);
    const html = await (await fetch(`${app.url}/t/${A.tenant.id}/usage?q=rg_&sort=currentCharges,desc`, { headers: { cookie } })).text();
    const table = html.match(/<table id="usage">[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(table).to.include('rg_two');
    expect(table).to.not.include('rg-app');
    expect(html).to.include('name="q" value="rg_"');
    expect(html).to.match(/<option value="currentCharges,desc" selected>/);
  });
  it('subscriptions: the page orders by the chosen sort, searching literally, and keeps both in its form', async () => {
    await app.ds.manager.update(Subscription, { id: A.otherCustomer.subscriptionId }, { name: 'Azure plan_1' });
    const cookie = await webSessionCookie(app.url, admin);
    const names = async (query: string) => {
      const html = await (await fetch(`${app.url}/t/${A.tenant.id}/subscriptions?${query}`, { headers: { cookie } })).text();
      const table = html.match(/<table id="subscriptions">[\s\S]*?<\/table>/)?.[0] ?? '';
      return { html, names: [...table.matchAll(/<tr>\s*<td>([^<]+)/g)].map((m) => m[1]!.trim()) };
    };
    expect((await names('sort=name,asc')).names).to.deep.equal(['Azure plan_1', 'Microsoft 365 Business Premium']);
    const desc = await names('sort=name,desc');
    expect(desc.names).to.deep.equal(['Microsoft 365 Business Premium', 'Azure plan_1']);
    expect(desc.html).to.match(/<option value="name,desc" selected>/);
    const found = await names('q=n_1');
    expect(found.names).to.deep.equal(['Azure plan_1']);
    expect(found.html).to.include('name="q" value="n_1"');
  });
});
