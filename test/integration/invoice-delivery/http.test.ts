import { expect } from 'chai';
import { runInvoices } from '../../../src/invoices/run.js';
import { setSmtpPassword } from '../../../src/mail/smtp.js';
import { TenantService } from '../../../src/tenants/service.js';
import { insertTenant } from '../../support/database.js';
import { addUser, call, startApp, webSessionCookie, type TestApp } from '../http/support.js';
import { smtpSink } from '../notices/sinks.js';
import { scopeOf } from '../invoices/fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from '../invoices/scenario-db.js';

const seats: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
  lines: [{ id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] }],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }] }],
};

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    // A busy machine may reset a kept-alive connection between polls: that is not the answer, ask again.
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('invoice delivery over the API, sent by the scheduler\'s job', function () {
  this.timeout(180_000);
  let app: TestApp;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;

  before(async () => {
    app = await startApp({}, { scheduler: true });
    smtp = await smtpSink(null);
  });
  after(async () => {
    await smtp.close();
    await app?.close();
  });

  it('finance sets the billing contacts and sends an invoice; the job sends it once; the invoice shows sent; clients and reviewers may not send', async () => {
    const tenant = await insertTenant(app.ds, 'acme');
    await new TenantService(app.ds, app.rt.secrets).updateSettings(tenant.id, { notices: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpFrom: 'billing@msp.example' } });
    await setSmtpPassword(app.ds, app.rt.secrets, tenant.id, null);
    const { customerId } = await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), seats, 'Seats Co');
    const [invoice] = (await runInvoices(app.ds, tenant.id, '2026-02-01')).created.filter((c) => c.status === 'issued');
    const finance = await addUser(app, 'finance', { tenant });
    const reviewer = await addUser(app, 'reviewer', { tenant });
    const client = await addUser(app, 'client', { tenant, customerId });
    const base = `/api/v1/tenants/${tenant.id}`;

    const bad = await call(app, 'put', `${base}/customers/${customerId}/billing-contacts`, { token: finance.token, body: { to: ['nope'] } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.fields[0]).to.include({ path: 'to' });
    const set = await call(app, 'put', `${base}/customers/${customerId}/billing-contacts`, { token: finance.token, body: { to: ['AP@seats.example'], cc: ['cfo@seats.example'] } });
    expect(set.status).to.equal(200);
    expect(set.body).to.deep.equal({ to: ['ap@seats.example'], cc: ['cfo@seats.example'] });

    for (const u of [client, reviewer]) {
      expect((await call(app, 'post', `${base}/invoices/send`, { token: u.token, body: { invoiceIds: [invoice!.id] } })).status).to.equal(403);
    }
    const sent = await call(app, 'post', `${base}/invoices/send`, { token: finance.token, body: { invoiceIds: [invoice!.id] } });
    expect(sent.status).to.equal(202);
    expect(sent.body.results[0]).to.include({ invoiceId: invoice!.id, outcome: 'queued' });

    const shown = await until('the delivery to be sent', async () => {
      const r = await call(app, 'get', `${base}/invoices/${invoice!.id}/deliveries`, { token: reviewer.token });
      return r.body.items[0]?.status === 'sent' ? r.body.items[0] : null;
    });
    expect(shown).to.include({ sequence: 1, attempts: 1 });
    expect(shown.to).to.deep.equal(['ap@seats.example']);
    expect(smtp.mails).to.have.length(1);

    const again = await call(app, 'post', `${base}/invoices/send`, { token: finance.token, body: { invoiceIds: [invoice!.id] } });
    expect(again.body.results[0]).to.include({ outcome: 'already_sent' });
    const other = await insertTenant(app.ds, 'other');
    const foreign = await call(app, 'get', `/api/v1/tenants/${other.id}/customers/${customerId}/billing-contacts`, { token: (await addUser(app, 'admin')).token });
    expect(foreign.status).to.equal(404);
  });

  it('sends by itself what an approval issues when the tenant sends automatically', async () => {
    const tenant = await insertTenant(app.ds, 'auto');
    await new TenantService(app.ds, app.rt.secrets).updateSettings(tenant.id, {
      notices: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpFrom: 'billing@msp.example' }, invoiceDelivery: { autoSend: true },
      imports: { reviewUsageLines: true },
    });
    const withUsage: ScenarioJson = {
      ...seats, lines: [...seats.lines, { id: 'azure', description: 'Azure plan', timing: 'usage', usageSummary: 'u1' }],
      usage: [{ usageSummary: 'u1', month: '2026-01', charges: '131.07' }],
    };
    const { customerId } = await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), withUsage, 'Auto Co');
    const finance = await addUser(app, 'finance', { tenant });
    await call(app, 'put', `/api/v1/tenants/${tenant.id}/customers/${customerId}/billing-contacts`, { token: finance.token, body: { to: ['ap@auto.example'] } });
    const drafts = (await runInvoices(app.ds, tenant.id, '2026-02-01')).created.filter((c) => c.status === 'draft');
    expect(drafts.length).to.be.greaterThan(0);
    const approved = await call(app, 'post', `/api/v1/tenants/${tenant.id}/invoices/${drafts[0]!.id}/approve`, { token: finance.token });
    expect(approved.status).to.equal(200);
    const mail = await until('the approved invoice to be sent', async () => smtp.mails.find((m) => m.to.includes('ap@auto.example')));
    expect(mail.to).to.deep.equal(['ap@auto.example']);
  });

  it('on the web: contacts on the customer page, Send selected on the list, the status on the invoice page; a reviewer sees no send button', async () => {
    const tenant = await insertTenant(app.ds, 'web');
    await new TenantService(app.ds, app.rt.secrets).updateSettings(tenant.id, { notices: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpFrom: 'billing@msp.example' } });
    const { customerId } = await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), seats, 'Web & Co');
    const issued = (await runInvoices(app.ds, tenant.id, '2026-02-01')).created.filter((c) => c.status === 'issued');
    const finance = await addUser(app, 'finance', { tenant });
    const cookie = await webSessionCookie(app.url, finance);
    const get = async (path: string) => (await fetch(app.url + path, { headers: { cookie } })).text();
    const post = (path: string, form: Record<string, string | string[]>, csrf: string, from = path) => {
      const body = new URLSearchParams({ _csrf: csrf });
      for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
      return fetch(app.url + path, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: app.url + from }, body: body.toString() });
    };
    const customerPage = await get(`/t/${tenant.id}/customers/${customerId}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(customerPage)![1]!;
    expect(customerPage).to.include('id="billing-contacts-form"');

    const refused = await post(`/t/${tenant.id}/customers/${customerId}/billing-contacts`, { to: 'ap@web.example\nnot an address', cc: '' }, csrf, `/t/${tenant.id}/customers/${customerId}`);
    expect(refused.status).to.equal(303);
    expect(refused.headers.get('location')).to.match(/[?&]form=/);
    expect(await get(refused.headers.get('location')!.replace(/#.*/, ''))).to.include('is not an e-mail address').and.include('ap@web.example\nnot an address');
    const saved = await post(`/t/${tenant.id}/customers/${customerId}/billing-contacts`, { to: 'ap@web.example', cc: 'boss@web.example' }, csrf);
    expect(decodeURIComponent(saved.headers.get('location')!.replace(/\+/g, ' '))).to.include('Invoices go to ap@web.example, copy to boss@web.example.');
    expect(await get(`/t/${tenant.id}/customers/${customerId}`)).to.include('boss@web.example</textarea>');

    const list = await get(`/t/${tenant.id}/invoices`);
    expect(list).to.include('id="send-selected"');
    expect(list).to.include('<span class="muted">not sent</span>');
    const sent = await post(`/t/${tenant.id}/invoices/send`, { invoiceIds: issued.map((i) => i.id), back: `/t/${tenant.id}/invoices` }, csrf);
    expect(decodeURIComponent(sent.headers.get('location')!.replace(/\+/g, ' '))).to.include('Sending: 2 queued.');
    await until('both to be sent', async () => smtp.mails.filter((m) => m.to.includes('ap@web.example')).length === 2);
    const page = await until('the invoice page to show it sent', async () => {
      const html = await get(`/t/${tenant.id}/invoices/${issued[0]!.id}`);
      return html.includes('<span class="tag sent">sent</span>') ? html : null;
    });
    expect(page).to.include('>Resend</button>');

    const reviewer = await addUser(app, 'reviewer', { tenant });
    const reviewerCookie = await webSessionCookie(app.url, reviewer);
    const seen = await (await fetch(`${app.url}/t/${tenant.id}/invoices/${issued[0]!.id}`, { headers: { cookie: reviewerCookie } })).text();
    expect(seen).to.include('<span class="tag sent">sent</span>');
    expect(seen).to.not.include('id="send-invoice"');
  });
});
