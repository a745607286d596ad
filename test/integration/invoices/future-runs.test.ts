import { expect } from 'chai';
import { clockFrom } from '../../../src/common/clock.js';
import { Invoice, InvoiceRunRecord } from '../../../src/db/entities/index.js';
import { BillingDateError } from '../../../src/invoices/billing-date.js';
import { explainInvoice } from '../../../src/invoices/explain.js';
import { renderInvoiceHtml } from '../../../src/invoices/render.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant } from '../../support/database.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { addUser, call, startApp, type TestApp } from '../http/support.js';
import { waitFor } from '../jobs/helpers.js';
import { scopeOf } from './fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from './scenario-db.js';

/** Seats and Azure usage from 1 December 2026; November's usage is final, December's was captured on 7 December. */
const december: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-12-01', through: '2027-01-01', taxRate: '0',
  lines: [
    { id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] },
    { id: 'azure', description: 'Azure plan', timing: 'usage', usageSummary: 'u1' },
  ],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-11-20', quantity: 10 }] }],
  usage: [{ usageSummary: 'u1', month: '2026-11', charges: '118.40' }, { usageSummary: 'u1', month: '2026-12', charges: '31.07' }],
};

// "Today" is 7 December 2026 (10:00 UTC) unless a test says otherwise.
const DEC_7 = clockFrom('2026-12-07T10:00:00Z');

describeWithDatabase('invoice runs dated after today (forward-dated) and usage that is not final', {}, (db) => {
  it('refuses a run dated after today in the tenant\'s zone, creating nothing', async () => {
    const tenantId = (await insertTenant(db.ds, 'acme', 'UTC')).id;
    await loadScenarioIntoDb(scopeOf(db.ds, tenantId), december);
    let error: unknown;
    await runInvoices(db.ds, tenantId, '2027-01-01', { clock: DEC_7 }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BillingDateError).and.have.property('code', 'future_date');
    expect((error as Error).message).to.contain('after today (2026-12-07 in UTC)').and.contain('--allow-future');
    expect(await scopeOf(db.ds, tenantId).repo(Invoice).count()).to.equal(0);
  });

  it('takes "today" in the tenant\'s zone: the same instant is already 1 January in Auckland', async () => {
    const nyeUtc = clockFrom('2026-12-31T12:00:00Z'); // 1 January 2027, 01:00 in Pacific/Auckland
    const utc = (await insertTenant(db.ds, 'utc', 'UTC')).id;
    const akl = (await insertTenant(db.ds, 'akl', 'Pacific/Auckland')).id;
    await loadScenarioIntoDb(scopeOf(db.ds, utc), december);
    await loadScenarioIntoDb(scopeOf(db.ds, akl), december);
    let error: unknown;
    await runInvoices(db.ds, utc, '2027-01-01', { clock: nyeUtc }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BillingDateError);
    const r = await runInvoices(db.ds, akl, '2027-01-01', { clock: nyeUtc });
    expect(r.created).to.have.length(2);
    const invoices = await scopeOf(db.ds, akl).repo(Invoice).find();
    expect(invoices.every((i) => !i.forwardDated)).to.equal(true);
    // December is over in Auckland: its usage is billed as the month's final charges.
    const jan = invoices.find((i) => i.invoiceDate === '2027-01-01')!;
    expect(await explainInvoice(db.ds, akl, jan.id)).to.contain('the month\'s final charges').and.not.contain('not final');
  });

  it('with allowFuture, marks the invoices dated after today forward-dated and never calls a month not over "final charges"', async () => {
    const tenantId = (await insertTenant(db.ds, 'acme', 'UTC')).id;
    await loadScenarioIntoDb(scopeOf(db.ds, tenantId), december);
    const r = await runInvoices(db.ds, tenantId, '2027-01-01', { clock: DEC_7, allowFuture: true });
    expect(r.failed).to.deep.equal([]);
    expect(r.created.map((c) => c.periodStart).sort()).to.deep.equal(['2026-12-01', '2027-01-01']);
    const invoices = await scopeOf(db.ds, tenantId).repo(Invoice).find({ order: { invoiceDate: 'ASC' } });
    expect(invoices.map((i) => [i.invoiceDate, i.forwardDated])).to.deep.equal([['2026-12-01', false], ['2027-01-01', true]]);

    // 1 December bills November's usage: November is over, final.
    expect(await explainInvoice(db.ds, tenantId, invoices[0]!.id)).to.contain('the month\'s final charges');
    // 1 January bills December's charges captured so far: held for review, in words that do not say final.
    const jan = invoices[1]!;
    expect(jan.status).to.equal('draft');
    expect(JSON.parse(jan.reviewJson)).to.include('Azure plan: usage line: the month is not over (it ends 2027-01-01); these are the charges so far, not the final charges');
    const words = await explainInvoice(db.ds, tenantId, jan.id);
    expect(words).to.contain('the charges so far').and.contain('not the final charges').and.not.contain('month\'s final charges');
    const html = await renderInvoiceHtml(db.ds, tenantId, jan.id);
    expect(html).to.contain('charges so far').and.not.contain('final charges of the month');
  });
});

describe('POST /invoices/run: allowFuture over the API', function () {
  this.timeout(120_000);
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  it('answers 400 future_date for a date after today, and with allowFuture lists the invoice as forwardDated', async () => {
    app = await startApp({}, { clock: DEC_7 });
    const tenant = await insertTenant(app.ds, 'acme', 'UTC');
    await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), december);
    const finance = await addUser(app, 'finance', { tenant });
    const path = `/api/v1/tenants/${tenant.id}/invoices/run`;
    const refused = await call(app, 'post', path, { token: finance.token, body: { date: '2027-01-01' } });
    expect(refused.status).to.equal(400);
    expect(refused.body.error.code).to.equal('future_date');
    expect(refused.body.error.message).to.contain('2026-12-07');
    const ran = await call(app, 'post', path, { token: finance.token, body: { date: '2027-01-01', allowFuture: true } });
    expect(ran.status).to.equal(200);
    expect(ran.body.created).to.have.length(2);
    const list = await call(app, 'get', `/api/v1/tenants/${tenant.id}/invoices?sort=invoiceDate,asc`, { token: finance.token });
    expect(list.body.items.map((i: { invoiceDate: string; forwardDated: boolean }) => [i.invoiceDate, i.forwardDated]))
      .to.deep.equal([['2026-12-01', false], ['2027-01-01', true]]);
  });
});

describe('web: Run invoices with "allow a date after today"', function () {
  this.timeout(120_000);
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  it('shows the refusal, then runs with the box ticked (queued through the scheduler) and lists the invoice as forward-dated', async () => {
    app = await startApp({}, { clock: DEC_7, scheduler: true });
    const tenant = await insertTenant(app.ds, 'acme', 'UTC');
    await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), december);
    const finance = await addUser(app, 'finance', { tenant });
    const jar = new Map<string, string>();
    const send = async (path: string, form?: Record<string, string>) => {
      const res = await fetch(app.url + path, {
        method: form ? 'POST' : 'GET', redirect: 'manual', body: form ? new URLSearchParams(form).toString() : undefined,
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), referer: `${app.url}/t/${tenant.id}/invoices`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(';')[0]!;
        const i = pair.indexOf('=');
        if (i > 0 && pair.length > i + 1) jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return { status: res.status, location: res.headers.get('location'), html: await res.text() };
    };
    await send('/login', { email: finance.email, password: finance.password, next: '/' });
    const page = await send(`/t/${tenant.id}/invoices`);
    expect(page.html).to.contain('name="allowFuture"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const refused = await send(`/t/${tenant.id}/invoices/run`, { _csrf: csrf, date: '2027-01-01' });
    const refusedPage = refused.location ? await send(refused.location) : refused;
    expect(refusedPage.html).to.contain('is after today');
    expect(await scopeOf(app.ds, tenant.id).repo(Invoice).count()).to.equal(0);
    const ran = await send(`/t/${tenant.id}/invoices/run`, { _csrf: csrf, date: '2027-01-01', allowFuture: 'on' });
    expect(ran.status).to.equal(303);
    await waitFor(async () => ((await scopeOf(app.ds, tenant.id).repo(InvoiceRunRecord).findOneBy({ status: 'succeeded' })) ? true : null), 'the queued run to finish', 60_000, 100);
    const list = await send(`/t/${tenant.id}/invoices`);
    expect(list.html).to.contain('forward-dated');
    expect(await scopeOf(app.ds, tenant.id).repo(Invoice).count()).to.equal(2);
  });
});
