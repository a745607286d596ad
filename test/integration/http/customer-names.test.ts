import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Customer, Invoice } from '../../../src/db/entities/index.js';
import { bulkInsert } from '../../../src/db/bulk-insert.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp, type TestUser } from './support.js';

/**
 * Pages name the customers they list however many the tenant has (they read only the first 200 before), and the customer
 * pickers find any of 20,000 customers by part of its name.
 */
describe('http: customer names and pickers with 20,000 customers', function () {
  this.timeout(120_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let lastId: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'many-customers');
    admin = await addUser(app, 'admin');
    const now = new Date();
    const customer = (name: string) => ({
      id: randomUUID(), tenantId: A.tenant.id, name, topLevel: null, active: true, siteStreet: null,
      siteStreet2: null, siteCity: null, siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, source: 'manual',
      monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false, createdAt: now, updatedAt: now,
    });
    const rows = [...Array.from({ length: 20_000 }, (_, i) => customer(`Customer ${String(i).padStart(5, '0')}`)), customer('Twin Ltd'), customer('Twin Ltd')];
    const scope = new TenantScope(app.ds.manager, A.tenant.id);
    for (let i = 0; i < rows.length; i += 1000) await bulkInsert(scope, Customer, rows.slice(i, i + 1000));
    lastId = rows[19_999]!.id;
    await app.ds.manager.update(Invoice, { id: A.ids.invoiceId }, { customerId: lastId });
  });
  after(async () => { await app?.close(); });

  it('lists customers by id through the API, within the tenant', async () => {
    const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/customers?ids=${lastId},${A.ids.customerId}`, { token: admin.token });
    expect(r.status).to.equal(200);
    expect(((r.body as { items: Array<{ name: string }> }).items).map((c) => c.name).sort()).to.deep.equal(['Customer 19999', 'Contoso <b>Ltd</b>'].sort());
    const bad = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/customers?ids=x;drop`, { token: admin.token });
    expect(bad.status).to.equal(400);
  });

  const page = async (cookie: string, path: string) => {
    const res = await fetch(app.url + path, { headers: { cookie } });
    expect(res.status, path).to.equal(200);
    return res.text();
  };

  it('names the 20,000th customer on the invoices page and the invoice', async () => {
    const cookie = await webSessionCookie(app.url, admin);
    for (const path of [`/t/${A.tenant.id}/invoices`, `/t/${A.tenant.id}/invoices/${A.ids.invoiceId}`]) {
      const html = await page(cookie, path);
      expect(html, path).to.include('Customer 19999');
      expect(html, path).to.not.include(lastId);
    }
  });

  it('finds any customer by part of its name in the pickers, says how many match, and tells same-name customers apart', async () => {
    const cookie = await webSessionCookie(app.url, admin);
    const t = A.tenant.id;
    const first = await page(cookie, `/t/${t}/recurring-invoices`);
    expect(first).to.include('100 of 20004 customers listed');
    expect(first).to.not.include('Customer 19999');
    const found = await page(cookie, `/t/${t}/recurring-invoices?customerQ=${encodeURIComponent('Customer 19999')}`);
    expect(found).to.match(new RegExp(`<option value="${lastId}">Customer 19999</option>`));
    for (const path of [`/t/${t}/subscriptions?customerQ=19999`, `/t/${t}/usage?customerQ=19999`, `/t/${t}/customers?customerQ=19999`]) {
      expect(await page(cookie, path), path).to.include(`<option value="${lastId}"`);
    }
    // A filter keeps its chosen customer even when the search does not list it.
    expect(await page(cookie, `/t/${t}/subscriptions?customerId=${lastId}`)).to.match(new RegExp(`<option value="${lastId}" selected>Customer 19999</option>`));
    const twins = await page(cookie, `/t/${t}/recurring-invoices?customerQ=twin`);
    const labels = [...twins.matchAll(/<option value="[^"]+">(Twin Ltd[^<]*)<\/option>/g)].map((m) => m[1]);
    expect(labels).to.have.length(2);
    expect(labels[0]).to.match(/^Twin Ltd \(…[0-9a-f-]{6}\)$/);
    expect(labels[0]).to.not.equal(labels[1]);
  });
});
