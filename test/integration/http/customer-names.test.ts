import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Customer, Invoice } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from './support.js';

/** Pages name the customers they list however many the tenant has (they read only the first 200 before). */
describe('http: customer names on pages of a tenant with many customers', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let lastId: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'many-customers');
    admin = await addUser(app, 'admin');
    const now = new Date();
    const rows = Array.from({ length: 250 }, (_, i) => app.ds.manager.create(Customer, {
      id: randomUUID(), tenantId: A.tenant.id, name: `Customer ${String(i).padStart(3, '0')}`, topLevel: null, active: true, siteStreet: null,
      siteStreet2: null, siteCity: null, siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, source: 'manual',
      monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false, createdAt: now, updatedAt: now,
    }));
    await app.ds.manager.save(rows, { chunk: 50 });
    lastId = rows[249]!.id;
    await app.ds.manager.update(Invoice, { id: A.ids.invoiceId }, { customerId: lastId });
  });
  after(async () => { await app?.close(); });

  it('lists customers by id through the API, within the tenant', async () => {
    const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/customers?ids=${lastId},${A.ids.customerId}`, { token: admin.token });
    expect(r.status).to.equal(200);
    expect(((r.body as { items: Array<{ name: string }> }).items).map((c) => c.name).sort()).to.deep.equal(['Customer 249', 'Contoso <b>Ltd</b>'].sort());
    const bad = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/customers?ids=x;drop`, { token: admin.token });
    expect(bad.status).to.equal(400);
  });

  it('names the 250th customer on the invoices page and the invoice', async () => {
    const login = await fetch(`${app.url}/login`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: admin.email, password: admin.password, next: '/' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/login` },
    });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    for (const path of [`/t/${A.tenant.id}/invoices`, `/t/${A.tenant.id}/invoices/${A.ids.invoiceId}`]) {
      const html = await (await fetch(app.url + path, { headers: { cookie } })).text();
      expect(html, path).to.include('Customer 249');
      expect(html, path).to.not.include(lastId);
    }
  });
});
