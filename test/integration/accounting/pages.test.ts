import { expect } from 'chai';
import { AccountingPush, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { insertTenant } from '../../support/database.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { insertCustomer } from '../invoices/fixtures.js';
import { insertInvoice } from './fixtures.js';
import { adapterAvailable, connectTenant, LOCAL_BOOKS, type LocalBooks } from './sandbox-books.js';

/**
 * The web pages over HTTP against the local Xero: the Accounting page's contacts and mappings, Push selected on the
 * invoice list, the status on the list and on the invoice's page (paid after a payment recorded in Xero is read
 * back), the ageing; a reviewer sees the status but no push; a client never reaches the accounting routes.
 */
(adapterAvailable('xero') ? describe : describe.skip)(`accounting pages against the local Xero (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);
  let app: TestApp;
  let books: LocalBooks;
  let tenant: Tenant;
  let finance: TestUser;
  let admin: TestUser;
  let reviewer: TestUser;
  let client: TestUser;
  let scope: TenantScope;

  before(async () => {
    app = await startApp();
    books = await LOCAL_BOOKS.xero();
    tenant = await insertTenant(app.ds, 'books-web');
    scope = new TenantScope(app.ds.manager, tenant.id);
    await connectTenant(app.ds, app.rt.secrets, tenant.id, books, new Date());
    admin = await addUser(app, 'admin', { tenant, label: 'books-admin' });
    finance = await addUser(app, 'finance', { tenant });
    reviewer = await addUser(app, 'reviewer', { tenant });
    const c = await insertCustomer(scope, 'Someone Else');
    client = await addUser(app, 'client', { tenant, customerId: c.id });
  });
  after(async () => {
    await books?.close();
    await app?.close();
  });

  async function session(user: TestUser): Promise<{ cookie: string; csrf: string }> {
    const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: login.body.csrfToken as string };
  }
  async function get(s: { cookie: string }, path: string): Promise<{ status: number; text: string }> {
    const r = await fetch(`${app.url}${path}`, { headers: { cookie: s.cookie }, redirect: 'manual' });
    return { status: r.status, text: await r.text() };
  }
  /** Posts a form as the browser does; answers where it was sent and the notice shown there. */
  async function post(s: { cookie: string; csrf: string }, path: string, form: Array<[string, string]>): Promise<{ status: number; location: string; notice: string }> {
    const body = new URLSearchParams([['_csrf', s.csrf], ...form]);
    const r = await fetch(`${app.url}${path}`, {
      method: 'POST', body, redirect: 'manual',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenant.id}/accounting` },
    });
    const location = r.headers.get('location') ?? '';
    const u = new URL(location, app.url);
    return { status: r.status, location, notice: u.searchParams.get('notice') ?? u.searchParams.get('error') ?? '' };
  }

  it('finance links, maps and pushes from the pages; the invoice shows paid once Xero has the payment; the ageing is on the page', async () => {
    const s = await session(finance);
    const customer = await insertCustomer(scope, 'Northwind Traders');
    const inv = await insertInvoice(scope, customer.id, [{ amount: '200.00' }], { dueDate: '2099-01-31' });
    const draft = await insertInvoice(scope, customer.id, [{ amount: '1.00' }], { status: 'draft' });

    const page = await get(s, `/t/${tenant.id}/accounting`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Xero: customers and accounts');
    expect(page.text).to.match(/Northwind Traders<\/td><td><span class="tag none">none<\/span> no contact in Xero/);
    expect(page.text).to.not.contain('Save push settings'); // admin only

    const created = await post(s, `/t/${tenant.id}/accounting/xero/contacts/create-missing`, []);
    expect(created.notice).to.match(/Created 2 contacts/);
    const refused = await post(s, `/t/${tenant.id}/accounting/xero/mappings`, [['kind', 'default_ledger'], ['key', ''], ['target', '999']]);
    expect((await get(s, refused.location)).text).to.match(/Xero has no account &quot;999&quot;/);
    expect((await post(s, `/t/${tenant.id}/accounting/xero/mappings`, [['kind', 'default_ledger'], ['key', ''], ['target', '200']])).notice).to.match(/every other line\s+→ Sales/);
    expect((await post(s, `/t/${tenant.id}/accounting/xero/mappings`, [['kind', 'tax_rate'], ['key', '0.2'], ['target', 'OUTPUT2']])).notice).to.match(/rate without a code 0.2 → 20% \(VAT on Income\)/);

    const list = await get(s, `/t/${tenant.id}/invoices`);
    expect(list.text).to.contain('Push selected to Xero');
    const before = await get(s, `/t/${tenant.id}/invoices/${inv.id}`);
    expect(before.text).to.contain('Not pushed to the books yet.');
    expect(before.text).to.contain('Push to Xero');
    const pushed = await post(s, `/t/${tenant.id}/accounting/push`, [['vendor', 'xero'], ['invoiceIds', inv.id], ['invoiceIds', draft.id], ['now', '1'], ['back', `/t/${tenant.id}/invoices`]]);
    expect(pushed.notice).to.match(/Xero: 1 queued, 1 drafts \(approve first\)\. Pushed 1, unchanged 0, refused 0, failed 0\..*is a draft: approve it before pushing it to Xero/);
    const number = `INV-${String(inv.number).padStart(6, '0')}`;
    const doc = books.documents().filter((d) => d.number === number);
    expect(doc).to.have.length(1);
    expect((await get(s, `/t/${tenant.id}/invoices`)).text).to.match(/<span class="tag open" title="open in Xero">Xero: open<\/span>/);

    books.recordPayment(doc[0]!.id, '240.00');
    const refreshed = await post(s, `/t/${tenant.id}/accounting/payments/refresh`, [['invoiceIds', inv.id], ['back', `/t/${tenant.id}/invoices/${inv.id}`]]);
    expect(refreshed.notice).to.match(/1 checked, 1 changed/);
    const view = await get(s, `/t/${tenant.id}/invoices/${inv.id}`);
    expect(view.text).to.match(/<span class="tag paid">paid<\/span> paid in Xero/);
    expect(view.text).to.contain('Push to Xero');
    expect((await get(s, `/t/${tenant.id}/invoices`)).text).to.contain('Xero: paid');

    const other = await insertInvoice(scope, customer.id, [{ amount: '50.00' }], { dueDate: '2099-01-31' });
    await post(s, `/t/${tenant.id}/accounting/push`, [['vendor', 'xero'], ['invoiceIds', other.id], ['now', '1']]);
    const again = await get(s, `/t/${tenant.id}/accounting`);
    expect(again.text).to.match(/<td>GBP<\/td><td class="num">[^<]*60\.00<\/td>/);
    const dashboard = await get(s, '/');
    expect(dashboard.text).to.match(/data-ageing>[\s\S]*Owed by customers[\s\S]*<td>GBP<\/td><td class="num">[^<]*60\.00<\/td>/);
  });

  it('the admin saves auto-push; a reviewer sees the status without push buttons; a client never reaches the accounting routes', async () => {
    const a = await session(admin);
    expect((await get(a, `/t/${tenant.id}/accounting`)).text).to.contain('Save push settings');
    expect((await post(a, `/t/${tenant.id}/accounting/settings`, [['autoPush', 'on'], ['postAs', 'approved']])).notice).to.equal('Push settings saved.');
    const t = await call(app, 'get', `/api/v1/tenants/${tenant.id}`, { token: admin.token });
    expect(t.body.settings.accounting).to.deep.equal({ autoPush: true, postAs: 'approved' });
    // Approving a draft now queues it for Xero (the connected vendor) by itself.
    const customer = await insertCustomer(scope, 'Auto Push Co');
    const draft = await insertInvoice(scope, customer.id, [{ amount: '10.00' }], { status: 'draft' });
    expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/invoices/${draft.id}/approve`, { token: admin.token })).status).to.equal(200);
    const queued = await scope.repo(AccountingPush).findOneBy({ invoiceId: draft.id });
    expect(queued).to.include({ vendor: 'xero', status: 'queued', queuedBy: 'auto' });

    const r = await session(reviewer);
    const list = await get(r, `/t/${tenant.id}/invoices`);
    expect(list.text).to.contain('Xero: paid');
    expect(list.text).to.not.contain('Push selected');
    expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/accounting/xero/push`, { token: reviewer.token, body: { invoiceIds: [crypto.randomUUID()] } })).status).to.equal(403);
    for (const [method, path] of [['get', 'accounting/statuses'], ['get', 'accounting/ageing'], ['get', 'accounting/xero/contacts'], ['post', 'accounting/xero/push']] as const) {
      const res = await call(app, method, `/api/v1/tenants/${tenant.id}/${path}`, { token: client.token, body: method === 'post' ? { invoiceIds: [crypto.randomUUID()] } : undefined });
      expect(res.status, path).to.equal(403);
    }
  });
});
