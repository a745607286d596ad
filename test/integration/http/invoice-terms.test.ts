import { expect } from 'chai';
import { Customer, Invoice } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp } from './support.js';

/**
 * Payment terms, due dates and seller details (issue 23): tenant settings `invoicing` and a customer's own terms, set
 * over the API and the web app; the invoice run fixes each invoice's due date and seller; the API, the rendered
 * invoice and the CSV exports show them.
 */
describe('http: invoice due dates, payment terms and seller details', function () {
  this.timeout(180_000);
  let app: TestApp;
  let a: SeededTenant;
  const t = () => `/api/v1/tenants/${a.tenant.id}`;

  before(async () => {
    app = await startApp();
    a = await seedTenant(app.ds, 'acme');
  });
  after(async () => {
    await app?.close();
  });

  it('API: settings and customer terms; the run stores due dates and the seller; API, render and CSV show them', async () => {
    const admin = await addUser(app, 'admin', { tenant: a.tenant });
    const settings = await call(app, 'patch', `${t()}/settings`, {
      token: admin.token,
      body: { invoicing: { sellerName: 'Acme <IT> & Co', sellerAddress: '1 High Street\nLeeds LS1 1AA', sellerTaxNumber: 'GB123456789', sellerBankDetails: 'Northern Bank\nIBAN GB00 NBNK 0000 0000', paymentTermsDays: 45 } },
    });
    expect(settings.status, settings.text).to.equal(200);
    expect(settings.body.invoicing).to.include({ sellerName: 'Acme <IT> & Co', sellerTaxNumber: 'GB123456789', paymentTermsDays: 45 });
    const bad = await call(app, 'patch', `${t()}/settings`, { token: admin.token, body: { invoicing: { paymentTermsDays: -1 } } });
    expect(bad.status).to.equal(400);

    const c1 = a.ids.customerId!;
    const terms = await call(app, 'patch', `${t()}/customers/${c1}`, { token: admin.token, body: { paymentTermsDays: 14 } });
    expect(terms.status, terms.text).to.equal(200);
    expect(terms.body.paymentTermsDays).to.equal(14);
    const refused = await call(app, 'patch', `${t()}/customers/${c1}`, { token: admin.token, body: { paymentTermsDays: 400 } });
    expect(refused.status).to.equal(400);

    // The seeded recurring invoices are next due 1 Dec 2026 (allowFuture: this suite runs on any day of the year).
    const run = await call(app, 'post', `${t()}/invoices/run`, { token: admin.token, body: { date: '2026-12-01', allowFuture: true } });
    expect(run.status, run.text).to.equal(200);
    const invoices = await app.ds.manager.findBy(Invoice, { tenantId: a.tenant.id, invoiceDate: '2026-12-01' });
    expect(invoices).to.have.length(2);
    const own = invoices.find((i) => i.customerId === c1)!;
    const other = invoices.find((i) => i.customerId !== c1)!;
    expect(own).to.include({ dueDate: '2026-12-15', paymentTermsDays: 14 });
    expect(other).to.include({ dueDate: '2027-01-15', paymentTermsDays: 45 });

    const got = await call(app, 'get', `${t()}/invoices/${own.id}`, { token: admin.token });
    expect(got.status).to.equal(200);
    expect(got.body).to.include({ dueDate: '2026-12-15', paymentTermsDays: 14 });
    expect(got.body.seller).to.deep.equal({ name: 'Acme <IT> & Co', address: ['1 High Street', 'Leeds LS1 1AA'], taxNumber: 'GB123456789', bankDetails: ['Northern Bank', 'IBAN GB00 NBNK 0000 0000'] });
    const listed = await call(app, 'get', `${t()}/invoices?size=50`, { token: admin.token });
    expect(listed.body.items.find((i: { id: string }) => i.id === other.id)).to.include({ dueDate: '2027-01-15', paymentTermsDays: 45 });
    // An invoice created before due dates were stored gets one from the customer's terms now.
    const seeded = await call(app, 'get', `${t()}/invoices/${a.ids.invoiceId}`, { token: admin.token });
    expect(seeded.body).to.include({ invoiceDate: '2026-11-01', dueDate: '2026-11-15', paymentTermsDays: 14 });

    // The seller is the one of the day the invoice was created: a later change of the settings does not rewrite it.
    await call(app, 'patch', `${t()}/settings`, { token: admin.token, body: { invoicing: { sellerName: 'Renamed Ltd' } } });
    const html = await call(app, 'get', `${t()}/invoices/${own.id}/html`, { token: admin.token });
    expect(html.status).to.equal(200);
    expect(html.text).to.contain('Acme &lt;IT&gt; &amp; Co').and.not.contain('Acme <IT>').and.not.contain('Renamed Ltd');
    expect(html.text).to.contain('1 High Street<br>Leeds LS1 1AA').and.contain('Tax number: GB123456789');
    expect(html.text).to.contain('Due date: 15 Dec 2026 (Net 14)').and.contain('IBAN GB00 NBNK 0000 0000');

    const xero = await call(app, 'get', `${t()}/invoice-exports/csv?layout=xero&from=2026-12-01&to=2026-12-01`, { token: admin.token });
    expect(xero.status, xero.text).to.equal(200);
    const dueColumn = xero.text.split('\n')[0]!.split(',').indexOf('*DueDate');
    const dues = xero.text.trim().split('\n').slice(1).map((r) => r.split(',')[dueColumn]);
    expect(dues.sort()).to.deep.equal(['15/01/2027', '15/12/2026']);
    const qbo = await call(app, 'get', `${t()}/invoice-exports/csv?layout=qbo&from=2026-12-01&to=2026-12-01`, { token: admin.token });
    expect(qbo.text).to.contain('12/15/2026,Net 14').and.contain('01/15/2027,Net 45');

    // A client user sees its own invoice's due date and seller.
    const client = await addUser(app, 'client', { tenant: a.tenant, customerId: c1 });
    const theirs = await call(app, 'get', `${t()}/invoices/${own.id}`, { token: client.token });
    expect(theirs.body).to.include({ dueDate: '2026-12-15', paymentTermsDays: 14 });
    expect(theirs.body.seller.name).to.equal('Acme <IT> & Co');
  });

  it('web: the Integration page saves the seller details and default terms; the customer page saves its terms', async () => {
    const admin = await addUser(app, 'admin', { tenant: a.tenant });
    const cookie = await webSessionCookie(app.url, admin);
    const get = async (p: string) => (await fetch(app.url + p, { headers: { cookie } })).text();
    const post = (p: string, form: Record<string, string>) => fetch(app.url + p, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(form).toString(),
      headers: { cookie, referer: app.url + p, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const integration = await get(`/t/${a.tenant.id}/integration`);
    expect(integration).to.contain('id="invoicing-form"');
    const saved = await post(`/t/${a.tenant.id}/integration/invoicing`, {
      _csrf: csrf(integration), sellerName: 'Web <Seller>', sellerAddress: 'Line 1\r\nLine 2', sellerTaxNumber: 'VAT 99', sellerBankDetails: '', paymentTermsDays: '21',
    });
    expect(saved.status).to.equal(303);
    const shown = await get(`/t/${a.tenant.id}/integration`);
    expect(shown).to.contain('value="Web &lt;Seller&gt;"').and.contain('value="21"');
    const api = await call(app, 'get', t(), { token: admin.token });
    expect(api.body.settings.invoicing).to.include({ sellerName: 'Web <Seller>', sellerTaxNumber: 'VAT 99', sellerBankDetails: null, paymentTermsDays: 21 });

    const pagePath = `/t/${a.tenant.id}/customers/${a.ids.customerId}`;
    const page = await get(pagePath);
    const set = await post(`${pagePath}/settings`, { _csrf: csrf(page), paymentTermsDays: '7' });
    expect(set.status).to.equal(303);
    expect((await app.ds.manager.findOneBy(Customer, { id: a.ids.customerId! }))!.paymentTermsDays).to.equal(7);
    await post(`${pagePath}/settings`, { _csrf: csrf(page), paymentTermsDays: '' });
    expect((await app.ds.manager.findOneBy(Customer, { id: a.ids.customerId! }))!.paymentTermsDays).to.equal(null);
  });
});
