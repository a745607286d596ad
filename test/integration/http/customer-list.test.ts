import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Customer, UsageSummary } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp } from './support.js';

/** Customers as a list of their own (issue 24): every customer, also those with no Pax8 company, searched, filtered, sorted and paged. */
describe('http: the customer list', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let cookie: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'customer-list', 'Contoso Ltd');
    const base = () => ({
      id: randomUUID(), tenantId: A.tenant.id, createdAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-01T00:00:00Z'), topLevel: null,
      siteStreet: null, siteStreet2: null, siteCity: null, siteStateOrProvince: null, sitePostalCode: null, siteCountry: null,
      monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
    });
    // 60 more customers: a page of 50 and a second one; one added by hand (no Pax8 company), one inactive, two of one name.
    await app.ds.manager.insert(Customer, Array.from({ length: 56 }, (_, i) => ({ ...base(), name: `Filler ${String(i).padStart(2, '0')}`, active: true, source: 'pax8_import' })));
    await app.ds.manager.insert(Customer, [
      { ...base(), name: 'Zephyr Handmade', active: true, source: 'manual', siteCity: 'York', siteCountry: 'GB', createdAt: new Date('2026-06-01T00:00:00Z') },
      { ...base(), name: 'Old Mill Bakery', active: false, source: 'pax8_import' },
      { ...base(), name: 'Twin Peaks Ltd', active: true, source: 'pax8_import' },
      { ...base(), name: 'Twin Peaks Ltd', active: true, source: 'pax8_import' },
    ]);
    await app.ds.manager.update(Customer, { id: A.otherCustomer.customerId }, { name: 'Beta Other Customer' });
    cookie = await webSessionCookie(app.url, await addUser(app, 'finance', { tenant: A.tenant }));
  });
  after(async () => { await app?.close(); });

  const list = async (query: string, who = cookie) => {
    const res = await fetch(`${app.url}/t/${A.tenant.id}/customers?view=customers&${query}`, { headers: { cookie: who } });
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).to.equal(200);
    const names = [...(html.split('id="customer-list"')[1] ?? '').split('</table>')[0]!.matchAll(/<td><a href="[^"]+">([^<]+)<\/a><\/td>/g)].map((m) => m[1]!);
    return { html, names };
  };

  it('is reached from the Customers page and lists customers with no Pax8 company too', async () => {
    const companies = await (await fetch(`${app.url}/t/${A.tenant.id}/customers`, { headers: { cookie } })).text();
    expect(companies).to.match(/<a href="\/t\/[^"]+\/customers\?view=customers" id="all-customers">All customers<\/a>/);
    const { html, names } = await list('q=zephyr');
    expect(names).to.deep.equal(['Zephyr Handmade']);
    expect(html).to.include('<td>York, GB</td>').and.include('<td>added here</td>').and.include('<td>1 Jun 2026, ');
    expect(html).to.include('name="q" value="zephyr"');
  });

  it('filters by active, sorts, pages 50 at a time and tells same-name customers apart', async () => {
    expect((await list('active=false')).names).to.deep.equal(['Old Mill Bakery']);
    const first = await list('');
    expect(first.names).to.have.length(50);
    expect(first.names.slice(0, 2)).to.deep.equal(['Beta Other Customer', 'Contoso Ltd']);
    expect(first.html).to.include('62 customers').and.include('page 1 of 2');
    const second = await list('page=1');
    expect(second.names.slice(-3, -1).every((n) => /^Twin Peaks Ltd \(…[0-9a-f]{6}\)$/.test(n)), second.names.join(', ')).to.equal(true);
    expect(second.names.at(-1)).to.equal('Zephyr Handmade');
    expect((await list('sort=name,desc')).names[0]).to.equal('Zephyr Handmade');
    expect((await list('sort=createdAt,desc&q=a')).names[0], 'newest first').to.not.match(/^Filler/);
  });

  it('the companies view lists usage without an owner, each opening its usage page', async () => {
    const u = await app.ds.manager.findOneByOrFail(UsageSummary, { id: A.ids.summaryId! });
    const orphan = randomUUID();
    await app.ds.manager.insert(UsageSummary, { ...u, id: orphan, pax8Id: randomUUID(), pax8CompanyId: null, customerId: null, mappedBy: null, resourceGroup: 'rg-orphan' });
    const html = await (await fetch(`${app.url}/t/${A.tenant.id}/customers`, { headers: { cookie } })).text();
    const row = html.split('<h2>Unmapped usage</h2>')[1]!.split('</table>')[0]!;
    expect(row).to.include('<span class="muted">none assigned in Pax8</span></td><td>rg-orphan</td><td>Microsoft</td>');
    expect(row).to.match(new RegExp(`<a href="/t/${A.tenant.id}/usage/${orphan}" aria-label="Open the usage of Microsoft rg-orphan">GBP 12.35</a>`));
  });

  it('the companies view sorts too; clients are refused the list', async () => {
    const companies = await (await fetch(`${app.url}/t/${A.tenant.id}/customers?sort=name,desc`, { headers: { cookie } })).text();
    expect(companies).to.include('<option value="name,desc" selected>name Z–A</option>');
    const client = await webSessionCookie(app.url, await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId }));
    const res = await fetch(`${app.url}/t/${A.tenant.id}/customers?view=customers`, { headers: { cookie: client } });
    expect(res.status).to.equal(403);
    expect(await res.text()).to.include('Clients see their own customer');
  });
});
