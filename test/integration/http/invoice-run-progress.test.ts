import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { clockFrom } from '../../../src/common/clock.js';
import { Invoice, InvoiceRunRecord, type Tenant } from '../../../src/db/entities/index.js';
import { jobQueue } from '../../../src/app/scheduler.js';
import { INVOICE_RUN_JOB } from '../../../src/jobs/scheduler.js';
import { registerJobHandlers } from '../../../src/jobs/handlers.js';
import { insertTenant } from '../../support/database.js';
import { scopeOf } from '../invoices/fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from '../invoices/scenario-db.js';
import { waitFor } from '../jobs/helpers.js';
import { addUser, call, startApp, type TestApp, type TestUser } from './support.js';

/** Seats and Azure usage from 1 December 2026 (as in test/integration/invoices/future-runs.test.ts). */
const december: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-12-01', through: '2027-01-01', taxRate: '0',
  lines: [
    { id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] },
    { id: 'azure', description: 'Azure plan', timing: 'usage', usageSummary: 'u1' },
  ],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-11-20', quantity: 10 }] }],
  usage: [{ usageSummary: 'u1', month: '2026-11', charges: '118.40' }, { usageSummary: 'u1', month: '2026-12', charges: '31.07' }],
};
// "Today" is 7 December 2026 in the tenant's zone.
const DEC_7 = clockFrom('2026-12-07T10:00:00Z');
const dbName = process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite';

/** A signed-in browser of one user: a cookie jar, GET and form POST without following redirects. */
async function browserOf(app: TestApp, user: TestUser, referer: string) {
  const jar = new Map<string, string>();
  const send = async (path: string, form?: Record<string, string>) => {
    const res = await fetch(app.url + path, {
      method: form ? 'POST' : 'GET', redirect: 'manual', body: form ? new URLSearchParams(form).toString() : undefined,
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), referer: app.url + referer, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      if (i > 0 && pair.length > i + 1) jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return { status: res.status, location: res.headers.get('location'), type: res.headers.get('content-type') ?? '', html: await res.text() };
  };
  await send('/login', { email: user.email, password: user.password, next: '/' });
  return send;
}
const panelOf = (html: string) => /<section id="progress"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

describe(`http: Run invoices is queued through the scheduler and followed in the progress panel (${dbName})`, function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenant: Tenant;
  let finance: TestUser;
  before(async () => {
    app = await startApp({}, { clock: DEC_7, scheduler: true });
    tenant = await insertTenant(app.ds, 'acme', 'UTC');
    await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), december);
    finance = await addUser(app, 'finance', { tenant });
  });
  after(async () => {
    await app?.close();
  });

  it('the web\'s Run answers at once; the panel shows the run queued or running, then how many invoices it created, also after a reload', async () => {
    const send = await browserOf(app, finance, `/t/${tenant.id}/invoices`);
    const page = await send(`/t/${tenant.id}/invoices`);
    expect(panelOf(page.html)).to.equal(''); // no run yet
    const ran = await send(`/t/${tenant.id}/invoices/run`, { _csrf: csrfOf(page.html) });
    expect(ran.status).to.equal(303);
    expect(ran.location).to.match(new RegExp(`^/t/${tenant.id}/invoices\\?notice=Invoice%20run%20for%207%20Dec%202026%20queued.*#progress$`));
    const record = await app.ds.manager.findOneByOrFail(InvoiceRunRecord, { tenantId: tenant.id });
    expect(record).to.include({ runDate: '2026-12-07', allowFuture: false, trigger: 'http', startedBy: finance.email });
    // While it waits or runs, the page's panel says so and keeps asking; the JSON route says the same.
    const during = await send(ran.location!);
    expect(during.html).to.contain('Invoice run for 7 Dec 2026 queued');
    const panel = panelOf(during.html);
    expect(panel).to.contain(`data-progress-url="/t/${tenant.id}/invoices/progress"`).and.contain('data-reload-when-done="true"');
    expect(panel).to.contain('Invoice run for 7 Dec 2026');
    expect(panel).to.match(/tag (queued|running|succeeded)/);
    const done = await waitFor(async () => {
      const r = await send(`/t/${tenant.id}/invoices/progress`);
      expect(r.type).to.contain('application/json');
      const body = JSON.parse(r.html) as { active: boolean; html: string };
      return body.active ? null : body;
    }, 'the invoice run to finish', 60_000, 100);
    const invoices = await scopeOf(app.ds, tenant.id).repo(Invoice).find();
    expect(invoices.length).to.be.greaterThan(0);
    const drafts = invoices.filter((i) => i.status === 'draft').length;
    const said = `${invoices.length} invoice${invoices.length === 1 ? '' : 's'} created (${drafts} draft${drafts === 1 ? '' : 's'} to review, ${invoices.length - drafts} issued)`;
    expect(done.html).to.contain('Nothing running. Last:').and.contain('Invoice run for 7 Dec 2026').and.contain('<span class="tag succeeded">succeeded</span>');
    expect(done.html).to.contain(said);
    // A reload (a new visit) shows the same from the run's record, with the new invoices listed.
    const reloaded = await send(`/t/${tenant.id}/invoices`);
    expect(panelOf(reloaded.html)).to.contain('data-active="false"').and.contain(said);
    expect(reloaded.html).to.contain(`/t/${tenant.id}/invoices/${invoices[0]!.id}`);
    const api = await call(app, 'get', `/api/v1/tenants/${tenant.id}/invoice-runs/${record.id}`, { token: finance.token });
    expect(api.status).to.equal(200);
    expect(api.body).to.deep.include({ status: 'succeeded', date: '2026-12-07', error: null });
    expect(api.body.outcome).to.deep.include({ created: invoices.length, drafts, failed: [] });
  });

  it('a date after today comes back to the form with the date kept and the reason; with the box ticked it runs forward-dated', async () => {
    const send = await browserOf(app, finance, `/t/${tenant.id}/invoices`);
    const page = await send(`/t/${tenant.id}/invoices`);
    const refused = await send(`/t/${tenant.id}/invoices/run`, { _csrf: csrfOf(page.html), date: '2027-01-01' });
    expect(refused.status).to.equal(303);
    expect(refused.location).to.match(/[?&]form=/);
    const back = await send(refused.location!);
    expect(back.html).to.contain('is after today').and.contain('value="2027-01-01"');
    expect(await app.ds.manager.countBy(InvoiceRunRecord, { tenantId: tenant.id, runDate: '2027-01-01' })).to.equal(0);
    const ran = await send(`/t/${tenant.id}/invoices/run`, { _csrf: csrfOf(back.html), date: '2027-01-01', allowFuture: 'on' });
    expect(ran.location).to.contain('notice=Invoice%20run%20for%201%20Jan%202027%20queued');
    const done = await waitFor(async () => {
      const body = JSON.parse((await send(`/t/${tenant.id}/invoices/progress`)).html) as { active: boolean; html: string };
      return body.active ? null : body;
    }, 'the invoice run to finish', 60_000, 100);
    expect(done.html).to.contain('Invoice run for 1 Jan 2027 (forward-dated allowed)').and.contain('succeeded');
    expect((await send(`/t/${tenant.id}/invoices`)).html).to.contain('forward-dated');
  });

  it('API: POST invoice-runs answers 202 with where to follow it, and the run is followed to its end', async () => {
    const queued = await call(app, 'post', `/api/v1/tenants/${tenant.id}/invoice-runs`, { token: finance.token, body: {} });
    expect(queued.status, queued.text).to.equal(202);
    expect(queued.body).to.include({ status: 'queued', date: '2026-12-07', follow: `/api/v1/tenants/${tenant.id}/invoice-runs/${queued.body.id}` });
    const finished = await waitFor(async () => {
      const r = await call(app, 'get', queued.body.follow, { token: finance.token });
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : null;
    }, 'the run to finish', 60_000, 100);
    // Everything due up to today was invoiced by the runs before: nothing twice.
    expect(finished).to.deep.include({ status: 'succeeded' });
    expect(finished.outcome).to.include({ created: 0, drafts: 0, issued: 0 });
  });

  it('a run that fails is left failed and the panel says why (the last test here: it replaces the service)', async () => {
    registerJobHandlers({ invoiceRun: async () => { throw new Error('the ledger is locked for the month'); } });
    const queued = await call(app, 'post', `/api/v1/tenants/${tenant.id}/invoice-runs`, { token: finance.token, body: { date: '2026-12-07' } });
    expect(queued.status).to.equal(202);
    const failed = await waitFor(async () => {
      const r = await call(app, 'get', queued.body.follow, { token: finance.token });
      return r.body.status === 'failed' ? r.body : null;
    }, 'the run to fail', 60_000, 100);
    expect(failed.error).to.equal('the ledger is locked for the month');
    expect(failed.outcome).to.equal(null);
    const send = await browserOf(app, finance, `/t/${tenant.id}/invoices`);
    const panel = panelOf((await send(`/t/${tenant.id}/invoices`)).html);
    expect(panel).to.contain('data-active="false"').and.contain('<span class="tag failed">failed</span>').and.contain('Failed: the ledger is locked for the month');
    // It holds nothing back: the next run may be queued at once.
    const next = await call(app, 'post', `/api/v1/tenants/${tenant.id}/invoice-runs`, { token: finance.token, body: {} });
    expect(next.status).to.equal(202);
    expect((await app.ds.manager.findOneByOrFail(InvoiceRunRecord, { id: queued.body.id })).status).to.equal('failed');
  });
});

describe(`http: invoice runs without a running scheduler (${dbName})`, function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenant: Tenant;
  let finance: TestUser;
  before(async () => {
    app = await startApp({}, { clock: DEC_7 });
    tenant = await insertTenant(app.ds, 'acme', 'UTC');
    await loadScenarioIntoDb(scopeOf(app.ds, tenant.id), december);
    finance = await addUser(app, 'finance', { tenant });
  });
  after(async () => {
    await app?.close();
  });

  it('one run at a time: a second one, queued or inline, is refused while the first waits; the panel says it waits for the scheduler', async () => {
    const path = `/api/v1/tenants/${tenant.id}/invoice-runs`;
    const first = await call(app, 'post', path, { token: finance.token, body: {} });
    expect(first.status).to.equal(202);
    const second = await call(app, 'post', path, { token: finance.token, body: {} });
    expect(second.status).to.equal(409);
    expect(second.body.error.code).to.equal('invoice_run_running');
    const inline = await call(app, 'post', `/api/v1/tenants/${tenant.id}/invoices/run`, { token: finance.token, body: {} });
    expect(inline.status).to.equal(409);
    expect(await scopeOf(app.ds, tenant.id).repo(Invoice).count()).to.equal(0);
    const send = await browserOf(app, finance, `/t/${tenant.id}/invoices`);
    const page = await send(`/t/${tenant.id}/invoices`);
    // Its times are the business clock's (7 December here), as the panel reads them.
    expect(panelOf(page.html)).to.contain('data-active="true"').and.contain('waiting for the scheduler to start it').and.match(/started just now \(7 Dec 2026, 10:0\d UTC\)/);
    // The web's Run says why it did not queue another, on the form.
    const refused = await send(`/t/${tenant.id}/invoices/run`, { _csrf: csrfOf(page.html) });
    expect((await send(refused.location!)).html).to.contain('An invoice run is already waiting to run for this tenant');

    // A run whose job is gone (its worker died) holds nothing back: it is marked failed, with the reason on the panel.
    await jobQueue(app.rt).agenda.cancel({ name: INVOICE_RUN_JOB });
    const again = await call(app, 'post', path, { token: finance.token, body: {} });
    expect(again.status).to.equal(202);
    const gone = await app.ds.manager.findOneByOrFail(InvoiceRunRecord, { id: first.body.id });
    expect(gone.status).to.equal('failed');
    expect(gone.error).to.contain('stopped before it finished');
  });

  it('a failed run is shown with its reason from its record', async () => {
    await app.ds.manager.delete(InvoiceRunRecord, { tenantId: tenant.id });
    const at = new Date(DEC_7().getTime() - 120_000);
    await app.ds.manager.insert(InvoiceRunRecord, {
      id: randomUUID(), tenantId: tenant.id, runDate: '2026-12-07', allowFuture: false, trigger: 'http', startedBy: finance.email, status: 'failed',
      jobId: null, queuedAt: at, startedAt: at, finishedAt: at, resultJson: null, error: 'the database went away', createdAt: at, updatedAt: at,
    });
    const send = await browserOf(app, finance, `/t/${tenant.id}/invoices`);
    const panel = panelOf((await send(`/t/${tenant.id}/invoices`)).html);
    expect(panel).to.contain('data-active="false"').and.contain('<span class="tag failed">failed</span>').and.contain('Failed: the database went away');
    const reviewer = await addUser(app, 'reviewer', { tenant });
    const asReviewer = await browserOf(app, reviewer, `/t/${tenant.id}/invoices`);
    const theirs = (await asReviewer(`/t/${tenant.id}/invoices`)).html;
    expect(theirs).not.to.contain('id="run-invoices"');
    expect(panelOf(theirs)).to.contain('Failed: the database went away');
  });
});
