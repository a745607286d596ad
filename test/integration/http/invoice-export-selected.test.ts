import { expect } from 'chai';
import { Invoice } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp, type TestUser } from './support.js';

/** Finance ticks invoices on the list and downloads just those as the accounting tool's CSV (issue 24). */
describe('http: export selected invoices as CSV', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let finance: TestUser;
  let picked: string;
  let notPicked: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'export-selected', 'Northwind Traders');
    picked = A.ids.invoiceId!;
    notPicked = A.otherCustomer.invoiceId!;
    await app.ds.manager.update(Invoice, { id: picked }, { status: 'issued', number: 7, issuedAt: new Date('2026-11-01T09:00:00Z') });
    await app.ds.manager.update(Invoice, { id: notPicked }, { status: 'issued', number: 8, issuedAt: new Date('2026-11-01T09:00:00Z') });
    finance = await addUser(app, 'finance', { tenant: A.tenant });
  });
  after(async () => { await app?.close(); });

  /** The invoice list as a browser has it, then its bulk form posted with the chosen invoices and button. */
  const postBulk = async (user: TestUser, action: string, invoiceIds: string[], extra: Record<string, string> = {}) => {
    const cookie = await webSessionCookie(app.url, user);
    const list = await fetch(`${app.url}/t/${A.tenant.id}/invoices`, { headers: { cookie } });
    const html = await list.text();
    const body = new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!, back: `/t/${A.tenant.id}/invoices`, ...extra });
    for (const id of invoiceIds) body.append('invoiceIds', id);
    const res = await fetch(`${app.url}/t/${A.tenant.id}/invoices/${action}`, {
      method: 'POST', body, redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${A.tenant.id}/invoices` },
    });
    return { html, res };
  };

  it('the list offers Export selected for Xero and QuickBooks in its bulk form', async () => {
    const { html } = await postBulk(finance, 'export-selected', []);
    expect(html).to.match(/formaction="\/t\/[^"]+\/invoices\/export-selected" name="layout" value="xero"[^>]*>Export selected \(Xero CSV\)/);
    expect(html).to.match(/name="layout" value="qbo"[^>]*>Export selected \(QuickBooks CSV\)/);
  });

  it('downloads only the ticked invoices, in the chosen layout', async () => {
    const xero = (await postBulk(finance, 'export-selected', [picked], { layout: 'xero' })).res;
    expect(xero.status).to.equal(200);
    expect(xero.headers.get('content-type')).to.match(/^text\/csv/);
    expect(xero.headers.get('content-disposition')).to.equal('attachment; filename="invoices-selected-xero.csv"');
    const csv = await xero.text();
    expect(csv.split('\n')[0]).to.match(/^\*ContactName,/);
    expect(csv).to.include('INV-000007').and.to.include('Northwind Traders');
    expect(csv).to.not.include('INV-000008');
    const qbo = await (await postBulk(finance, 'export-selected', [picked, notPicked], { layout: 'qbo' })).res.text();
    expect(qbo).to.include('INV-000007').and.to.include('INV-000008');
    expect(qbo.split('\n')[0]).to.not.match(/^\*ContactName/);
  });

  it('says why nothing was exported for drafts or for no choice, instead of an empty file', async () => {
    await app.ds.manager.update(Invoice, { id: notPicked }, { status: 'draft', number: null, issuedAt: null });
    try {
      const drafts = (await postBulk(finance, 'export-selected', [notPicked], { layout: 'xero' })).res;
      expect(drafts.status).to.equal(303);
      expect(decodeURIComponent(drafts.headers.get('location')!)).to.include('only issued invoices are exported');
      const none = (await postBulk(finance, 'export-selected', [], { layout: 'xero' })).res;
      expect(decodeURIComponent(none.headers.get('location')!)).to.include('Choose the invoices to export first.');
    } finally {
      await app.ds.manager.update(Invoice, { id: notPicked }, { status: 'issued', number: 8 });
    }
  });

  it('the API takes the ids too; reviewers get no button and are refused', async () => {
    const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/invoice-exports/csv?layout=xero&invoiceIds=${notPicked}`, { token: finance.token });
    expect(r.status).to.equal(200);
    expect(r.text).to.include('INV-000008').and.not.include('INV-000007');
    expect((await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/invoice-exports/csv?invoiceIds=not-an-id`, { token: finance.token })).status).to.equal(400);
    const reviewer = await addUser(app, 'reviewer', { tenant: A.tenant });
    const { html, res } = await postBulk(reviewer, 'export-selected', [picked], { layout: 'xero' });
    expect(html).to.not.include('Export selected');
    expect(res.status).to.equal(403);
  });
});
