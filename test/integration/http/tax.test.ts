import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Invoice, InvoiceLine, Product } from '../../../src/db/entities/index.js';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../../support/database.js';
import { insertCustomer, scopeOf } from '../invoices/fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp } from './support.js';

/** Tax settings over the API, the web pages and the CLI (issue 23). */
describe('tax settings: API, web and CLI', function () {
  this.timeout(300_000);
  let app: TestApp;
  after(async () => { await app?.close(); });

  it('API: codes, a product group\'s code, a customer\'s exemption; roles; invoice lines carry the tax', async () => {
    app = await startApp();
    const tenant = await insertTenant(app.ds, 'acme');
    const scope = scopeOf(app.ds, tenant.id);
    const customer = await insertCustomer(scope, 'Charity');
    await scope.repo(Product).insert([{ id: randomUUID(), sku: 'S', name: 'M365', vendorName: null, category: null, pax8ProductId: null, pax8Sku: null,
      vendorSku: null, productGroup: 'Pax8', retailPrice: null, visible: true, featured: false, createdAt: new Date(), updatedAt: new Date() }]);
    const finance = await addUser(app, 'finance', { tenant });
    const reviewer = await addUser(app, 'reviewer', { tenant });
    const client = await addUser(app, 'client', { tenant, customerId: customer.id });
    const base = `/api/v1/tenants/${tenant.id}`;

    const gst = await call(app, 'post', `${base}/tax-codes`, { token: finance.token, body: { code: 'GST', rate: '0.15', kind: 'standard' } });
    expect(gst.status, gst.text).to.equal(201);
    expect(gst.body).to.include({ code: 'GST', rate: '0.15', kind: 'standard', customers: 0 });
    expect((await call(app, 'post', `${base}/tax-codes`, { token: finance.token, body: { code: 'gst', rate: '0.1', kind: 'standard' } })).status).to.equal(409);
    const high = await call(app, 'post', `${base}/tax-codes`, { token: finance.token, body: { code: 'High', rate: '2', kind: 'standard' } });
    expect([high.status, high.body.error.code, high.body.error.fields[0].path]).to.deep.equal([400, 'validation_failed', 'body.rate']);
    const exempt = await call(app, 'post', `${base}/tax-codes`, { token: finance.token, body: { code: 'Exempt', kind: 'exempt' } });
    expect(exempt.status).to.equal(201);

    const group = await call(app, 'put', `${base}/product-groups/tax-code`, { token: finance.token, body: { productGroup: 'Pax8', taxCodeId: gst.body.id } });
    expect(group.status, group.text).to.equal(200);
    expect(group.body).to.deep.equal({ productGroup: 'Pax8', products: 1, taxCode: 'GST', taxCodeId: gst.body.id });
    expect((await call(app, 'get', `${base}/product-groups`, { token: reviewer.token })).body.items).to.deep.equal([group.body]);

    const standard = await call(app, 'patch', `${base}/customers/${customer.id}`, { token: finance.token, body: { taxCodeId: gst.body.id } });
    expect([standard.status, standard.body.error.fields[0].path]).to.deep.equal([400, 'body.taxCodeId']);
    const patched = await call(app, 'patch', `${base}/customers/${customer.id}`, { token: finance.token, body: { taxCodeId: exempt.body.id } });
    expect(patched.status, patched.text).to.equal(200);
    expect(patched.body).to.include({ taxCodeId: exempt.body.id, taxCode: 'Exempt' });
    expect((await call(app, 'get', `${base}/customers/${customer.id}`, { token: reviewer.token })).body.taxCode).to.equal('Exempt');

    const listed = await call(app, 'get', `${base}/tax-codes`, { token: reviewer.token });
    expect(listed.body.items.map((c: { code: string; productGroups: string[]; customers: number }) => [c.code, c.productGroups, c.customers]))
      .to.deep.equal([['Exempt', [], 1], ['GST', ['Pax8'], 0]]);
    expect((await call(app, 'delete', `${base}/tax-codes/${gst.body.id}`, { token: finance.token })).status).to.equal(409); // the group names it
    expect((await call(app, 'post', `${base}/tax-codes`, { token: reviewer.token, body: { code: 'X', kind: 'exempt' } })).status).to.equal(403);
    expect((await call(app, 'get', `${base}/tax-codes`, { token: client.token })).status).to.equal(403);
    // A client sees its customer without its tax code (not in the client view).
    expect((await call(app, 'get', `${base}/customers/${customer.id}`, { token: client.token })).body).not.to.have.property('taxCode');

    // An invoice's lines answer their own rate, code and kind; a line billed before tax codes answers its invoice's rate.
    const now = new Date();
    const D = (v: string) => new Decimal(v);
    const inv = { id: randomUUID(), recurringInvoiceId: randomUUID(), customerId: customer.id, invoiceDate: '2026-11-01', periodStart: '2026-11-01',
      periodEnd: '2026-12-01', currency: 'GBP', taxRate: D('0.2'), status: 'issued' as const, number: 7, subtotal: D('30'), tax: D('2'), total: D('32'),
      reviewJson: '[]', issuedAt: now, approvedBy: null, createdAt: now, updatedAt: now };
    await scope.repo(Invoice).insert([inv]);
    const line = (position: number, tax: Partial<InvoiceLine>) => ({ id: randomUUID(), invoiceId: inv.id, position, recurringInvoiceLineId: null, adjustmentId: null,
      kind: 'recurring' as const, description: `Line ${position}`, fromDate: '2026-11-01', toDate: '2026-12-01', quantity: D('1'), unitPrice: D('10'), amount: D('10'),
      tax: D('0'), reviewJson: '[]', provenanceJson: '{}', createdAt: now, updatedAt: now, taxRate: null, taxCode: null, taxKind: null, ...tax });
    await scope.repo(InvoiceLine).insert([line(0, { taxRate: D('0'), taxCode: 'Exempt', taxKind: 'exempt' }), line(1, { tax: D('2') })]);
    for (const token of [finance.token, client.token]) {
      const got = await call(app, 'get', `${base}/invoices/${inv.id}`, { token });
      expect(got.status, got.text).to.equal(200);
      expect(got.body.lines.map((l: { taxRate: string; taxCode: string | null; taxKind: string }) => [l.taxRate, l.taxCode, l.taxKind]))
        .to.deep.equal([['0', 'Exempt', 'exempt'], ['0.2', null, 'standard']]);
    }
  });

  it('web: the Tax page adds a code and sets a product group; the customer page sets the customer\'s exemption', async () => {
    const admin = await addUser(app, 'admin');
    const tenant = (await call(app, 'get', '/api/v1/tenants', { token: admin.token })).body.items.find((t: { name: string }) => t.name === 'acme');
    const scope = scopeOf(app.ds, tenant.id);
    const customer = await insertCustomer(scope, 'Abroad GmbH');
    const cookie = await webSessionCookie(app.url, admin);
    const get = async (p: string) => {
      const r = await fetch(app.url + p, { headers: { cookie }, redirect: 'manual' });
      return { status: r.status, text: await r.text() };
    };
    const post = async (p: string, form: Record<string, string>, from: string) => {
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await get(from)).text)![1]!;
      const r = await fetch(app.url + p, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: app.url + from },
        body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
      return { status: r.status, location: r.headers.get('location') ?? '' };
    };
    const page = `/t/${tenant.id}/tax`;
    const before = await get(page);
    expect(before.status).to.equal(200);
    expect(before.text).to.include('id="add-tax-code"').and.include('<td>Pax8</td>');
    const added = await post(`${page}/codes`, { code: 'EU-RC', rate: '0', kind: 'reverse_charge' }, page);
    expect(added.status).to.equal(303);
    expect(decodeURIComponent(added.location)).to.include('Tax code "EU-RC" added.');
    const bad = await post(`${page}/codes`, { code: 'Bad', rate: '5', kind: 'standard' }, page);
    // Refused: the form comes back (?form=, one time) with the rate's problem in plain words next to it.
    expect(bad.location).to.match(/[?&]form=/);
    expect((await get(bad.location.replace(/#.*/, ''))).text).to.include('must be a fraction from 0 to 1').and.include('aria-invalid="true"');
    const rc = (await call(app, 'get', `/api/v1/tenants/${tenant.id}/tax-codes`, { token: admin.token })).body.items.find((c: { code: string }) => c.code === 'EU-RC');
    expect((await post(`${page}/groups`, { productGroup: 'Pax8', taxCodeId: '' }, page)).status).to.equal(303);
    expect((await call(app, 'get', `/api/v1/tenants/${tenant.id}/product-groups`, { token: admin.token })).body.items[0].taxCode).to.equal(null);

    const customerPage = `/t/${tenant.id}/customers/${customer.id}`;
    const shown = await get(customerPage);
    expect(shown.text).to.include('id="customer-tax"').and.include('EU-RC (reverse charge)').and.not.include('>GST (');
    expect((await post(`${customerPage}/tax`, { taxCodeId: rc.id }, customerPage)).status).to.equal(303);
    expect((await call(app, 'get', `/api/v1/tenants/${tenant.id}/customers/${customer.id}`, { token: admin.token })).body.taxCode).to.equal('EU-RC');

    // The invoice page shows each line's tax (the invoice the first test stored).
    const invoices = (await call(app, 'get', `/api/v1/tenants/${tenant.id}/invoices`, { token: admin.token })).body.items as { id: string; number: string }[];
    const invoicePage = await get(`/t/${tenant.id}/invoices/${invoices.find((i) => i.number === 'INV-000007')!.id}`);
    expect(invoicePage.status).to.equal(200);
    expect(invoicePage.text).to.include('tax Exempt (exempt)').and.include('tax 20%');
  });

  it('CLI: tax add, group, codes; customers set taxCode=…', async () => {
    const target = sharedTestTarget();
    const ds = await freshDatabase(target);
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      const customer = await insertCustomer(scopeOf(ds, tenantId), 'Charity');
      const env = cliEnvFor(target);
      const cli = (...args: string[]) => runCli([...args, '--tenant', 'acme'], env);
      const add = await cli('tax', 'add', 'GST', '--rate', '0.15');
      expect(add.code, add.stderr).to.equal(0);
      expect(add.stdout).to.match(/GST\s+0\.15\s+standard/);
      expect((await cli('tax', 'add', 'Exempt', '--kind', 'exempt')).code).to.equal(0);
      expect((await cli('tax', 'add', 'Odd', '--kind', 'zero')).code).to.equal(2);
      const group = await cli('tax', 'group', 'Pax8', 'gst');
      expect([group.code, group.stdout.trim()]).to.deep.equal([0, 'Pax8: GST']);
      const refused = await cli('customers', 'set', customer.id, 'taxCode=GST');
      expect([refused.code, refused.stderr]).to.satisfy(([c, e]: [number, string]) => c === 1 && e.includes('is a standard code'));
      const set = await cli('customers', 'set', customer.id, 'taxCode=Exempt', '--json');
      expect(set.code, set.stderr).to.equal(0);
      expect(JSON.parse(set.stdout)).to.include({ taxCode: 'Exempt' });
      const codes = JSON.parse((await cli('tax', 'codes', '--json')).stdout) as { code: string; productGroups: string[]; customers: number }[];
      expect(codes.map((c) => [c.code, c.productGroups, c.customers])).to.deep.equal([['Exempt', [], 1], ['GST', ['Pax8'], 0]]);
      expect((await cli('tax', 'remove', 'Exempt')).code).to.equal(1); // a customer names it
      expect((await cli('tax', 'set', 'GST', '--rate', '0.2')).stdout).to.match(/GST\s+0\.2\s+standard/);
    } finally {
      await ds.destroy();
    }
  });
});
