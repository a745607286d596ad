import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { clockFrom } from '../../../src/common/clock.js';
import { AuditEvent, Invoice, InvoiceLine, UpcomingInvoice, UsageLine, UsageMonthlyCharge, UsageReview, UsageSummary, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant } from '../../support/database.js';
import { insertCustomer, insertLine, insertRecurringInvoice } from '../invoices/fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp, type TestUser } from '../http/support.js';

const D = (v: string) => new Decimal(v);
// "Today" is 7 December 2026: November's usage is final.
const DEC_7 = clockFrom('2026-12-07T10:00:00Z');

async function summary(scope: TenantScope, customerId: string, resourceGroup: string, months: Record<string, string>, lines: Array<[string, string, string]>) {
  const now = new Date();
  const id = randomUUID();
  await scope.repo(UsageSummary).insert([{
    id, pax8Id: id, pax8SubscriptionId: id, pax8CompanyId: 'co-1', pax8ProductId: null, resourceGroup, vendorName: 'Microsoft', customerId,
    mappedBy: 'resource_group', currentCharges: D('0'), partnerTotal: D('0'), currency: 'USD', isTrial: false, linesMismatch: false,
    contentHash: 'x', createdAt: now, updatedAt: now,
  }]);
  await scope.repo(UsageMonthlyCharge).insert(Object.entries(months).map(([month, charges]) => ({
    id: randomUUID(), usageSummaryId: id, month, charges: D(charges), partnerTotal: D(charges), createdAt: now, updatedAt: now,
  })));
  await scope.repo(UsageLine).insert(lines.map(([usageDate, productName, charges]) => ({
    id: randomUUID(), usageSummaryId: id, usageDate, lineKey: `${productName}|h`, pax8ProductId: null, productName, unitOfMeasure: 'h',
    quantity: D('1'), unitPrice: D(charges), charges: D(charges), partnerTotal: D(charges), currency: 'USD', createdAt: now, updatedAt: now,
  })));
  return id;
}

describe('usage review: queue, decisions and what the invoice bills', function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenant: Tenant;
  let scope: TenantScope;
  let admin: TestUser; let reviewer: TestUser; let finance: TestUser; let client: TestUser;
  let web: string; let fresh: string; let riId: string;

  before(async () => {
    app = await startApp({}, { clock: DEC_7 });
    tenant = await insertTenant(app.ds, 'acme', 'UTC');
    scope = new TenantScope(app.ds.manager, tenant.id);
    const contoso = await insertCustomer(scope, 'Contoso');
    // rg-web: 100 in October, 180 in November (+80%), a new product and a credit line in November.
    web = await summary(scope, contoso.id, 'rg-web', { '2026-10': '100', '2026-11': '180' }, [
      ['2026-10-03', 'Virtual Machines', '100'],
      ['2026-11-02', 'Virtual Machines', '150'], ['2026-11-05', 'Storage', '40'], ['2026-11-09', 'Virtual Machines', '-10'],
    ]);
    // rg-new: first seen in November.
    fresh = await summary(scope, contoso.id, 'rg-new', { '2026-11': '25' }, [['2026-11-20', 'Bandwidth', '25']]);
    const ri = await insertRecurringInvoice(scope, { customerId: contoso.id, startDate: '2026-11-01' });
    riId = ri.id;
    await insertLine(scope, ri, 0, { description: 'Azure (web)', timing: 'usage', usageSummaryId: web });
    admin = await addUser(app, 'admin', { tenant });
    reviewer = await addUser(app, 'reviewer', { tenant });
    finance = await addUser(app, 'finance', { tenant });
    client = await addUser(app, 'client', { tenant, customerId: contoso.id });
  });
  after(async () => {
    await app?.close();
  });

  const queuePath = () => `/api/v1/tenants/${tenant.id}/usage-review`;
  const decidePath = (summaryId: string) => `/api/v1/tenants/${tenant.id}/usage-summaries/${summaryId}/review`;

  it('lists the latest month with last month beside it and the flags; finance reads, clients are refused', async () => {
    const r = await call(app, 'get', queuePath(), { token: reviewer.token });
    expect(r.status).to.equal(200);
    expect(r.body.month).to.equal('2026-11');
    expect(r.body.previousMonth).to.equal('2026-10');
    expect(r.body.spikePercent).to.equal('50');
    expect(r.body.counts).to.deep.equal({ total: 2, pending: 2, flagged: 2, decided: 0 });
    const w = r.body.items.find((i: { summaryId: string }) => i.summaryId === web);
    expect(w).to.include({ charges: '180', previousCharges: '100', changePercent: '80', status: 'pending', billedCharges: '180', customerName: 'Contoso' });
    expect(w.flags).to.deep.equal([{ kind: 'spike', percent: '80' }, { kind: 'new_product', products: ['Storage'] }, { kind: 'negative', amount: '-10' }]);
    const f = r.body.items.find((i: { summaryId: string }) => i.summaryId === fresh);
    expect(f.flags).to.deep.equal([{ kind: 'first_month' }, { kind: 'new_resource_group', resourceGroup: 'rg-new' }]);
    expect((await call(app, 'get', `${queuePath()}?flag=first_month`, { token: finance.token })).body.items).to.have.length(1);
    expect((await call(app, 'get', queuePath(), { token: client.token })).status).to.equal(403);
    expect((await call(app, 'get', `${queuePath()}/charts?summaryId=${web}`, { token: client.token })).status).to.equal(403);
  });

  it('only reviewers and admins decide; an adjustment needs an amount and a note', async () => {
    const body = { month: '2026-11', decision: 'approved' };
    expect((await call(app, 'put', decidePath(web), { token: finance.token, body })).status).to.equal(403);
    expect((await call(app, 'put', decidePath(web), { token: client.token, body })).status).to.equal(403);
    const noNote = await call(app, 'put', decidePath(web), { token: reviewer.token, body: { month: '2026-11', decision: 'adjusted', adjustedCharges: '150' } });
    expect(noNote.status).to.equal(400);
    expect(noNote.body.error.fields[0].path).to.equal('body.note');
    expect((await call(app, 'put', decidePath(web), { token: reviewer.token, body: { ...body, month: '2026-09' } })).status).to.equal(404);
    expect(await scope.repo(UsageReview).count()).to.equal(0);
  });

  it('an adjustment made after the eve\'s upcoming invoice is what the run bills, and it lifts the usage review hold', async () => {
    // November's invoice is out; the daily pass through 30 November composes the 1 December one with November's 180.
    expect((await runInvoices(app.ds, tenant.id, '2026-11-01', { clock: DEC_7 })).created).to.have.length(1);
    await runDailyPass(app.ds, tenant.id, '2026-11-30');
    expect(await scope.repo(UpcomingInvoice).count()).to.equal(1);
    const r = await call(app, 'put', decidePath(web), { token: reviewer.token, body: { month: '2026-11', decision: 'adjusted', adjustedCharges: '150.5', note: 'Test VM left running; credited' } });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ decision: 'adjusted', status: 'adjusted', importedCharges: '180', adjustedCharges: '150.5', decidedBy: reviewer.email });
    const stored = (await scope.repo(UsageReview).findOneBy({ usageSummaryId: web, month: '2026-11' }))!;
    expect(stored.decidedBy).to.equal(reviewer.id);
    expect(stored.note).to.equal('Test VM left running; credited');
    expect(stored.adjustedCharges!.toString()).to.equal('150.5');
    const audit = await app.ds.manager.findBy(AuditEvent, { tenantId: tenant.id, action: 'usage_review.decided' });
    expect(audit).to.have.length(1);
    expect(JSON.parse(audit[0]!.detail!)).to.include({ usageSummaryId: web, decision: 'adjusted', importedCharges: '180', adjustedCharges: '150.5' });

    const queue = await call(app, 'get', `${queuePath()}?status=decided`, { token: finance.token });
    expect(queue.body.items.map((i: { summaryId: string }) => i.summaryId)).to.deep.equal([web]);
    expect(queue.body.items[0]).to.include({ status: 'adjusted', billedCharges: '150.5' });
    expect(queue.body.items[0].decision).to.include({ decidedBy: reviewer.email, note: 'Test VM left running; credited' });

    const run = await runInvoices(app.ds, tenant.id, '2026-12-01', { clock: DEC_7 });
    expect(run.created).to.have.length(1);
    const inv = (await scope.repo(Invoice).findOneBy({ recurringInvoiceId: riId, invoiceDate: '2026-12-01' }))!;
    const lines = await scope.repo(InvoiceLine).findBy({ invoiceId: inv.id });
    const usage = lines.find((l) => l.kind === 'usage')!;
    expect(usage.amount.toString()).to.equal('150.5');
    expect(JSON.parse(usage.provenanceJson).usage.review).to.include({ decision: 'adjusted', importedCharges: '180', by: reviewer.email });
    expect(usage.reviewJson).to.not.contain('check the month');
  });

  it('a decision no longer holds once the month is imported with other charges', async () => {
    await call(app, 'put', decidePath(fresh), { token: admin.token, body: { month: '2026-11', decision: 'approved' } });
    let row = (await call(app, 'get', `${queuePath()}?summaryId=${fresh}`, { token: reviewer.token })).body.items[0];
    expect(row.status).to.equal('approved');
    await scope.repo(UsageMonthlyCharge).update({ usageSummaryId: fresh, month: '2026-11' }, { charges: D('31') });
    row = (await call(app, 'get', `${queuePath()}?summaryId=${fresh}`, { token: reviewer.token })).body.items[0];
    expect(row).to.include({ status: 'changed', billedCharges: '31' });
    expect((await call(app, 'get', `${queuePath()}?status=pending`, { token: reviewer.token })).body.items.map((i: { summaryId: string }) => i.summaryId))
      .to.deep.equal([fresh]);
  });

  it('the spike percentage is a tenant setting only admins change', async () => {
    const path = `${queuePath()}/settings`;
    expect((await call(app, 'put', path, { token: reviewer.token, body: { spikePercent: '90' } })).status).to.equal(403);
    expect((await call(app, 'put', path, { token: admin.token, body: { spikePercent: '-1' } })).status).to.equal(400);
    expect((await call(app, 'put', path, { token: admin.token, body: { spikePercent: '90' } })).body).to.deep.equal({ spikePercent: '90' });
    const w = (await call(app, 'get', `${queuePath()}?summaryId=${web}`, { token: reviewer.token })).body;
    expect(w.spikePercent).to.equal('90');
    expect(w.items[0].flags.map((f: { kind: string }) => f.kind)).to.not.include('spike');
    await call(app, 'put', path, { token: admin.token, body: { spikePercent: '50' } });
  });

  it('answers the charts\' figures: daily usage, the customer\'s months, billed and margin', async () => {
    const r = await call(app, 'get', `${queuePath()}/charts?summaryId=${web}&month=2026-11&trends=true`, { token: finance.token });
    expect(r.status).to.equal(200);
    expect(r.body.daily.labels).to.have.length(30);
    expect(r.body.daily.labels[1]).to.equal('2026-11-02');
    expect(r.body.daily.series[0].values[1]).to.equal('150');
    expect(r.body.daily.series[0].values[8]).to.equal('-10');
    expect(r.body.customer.labels.slice(-2)).to.deep.equal(['2026-10', '2026-11']);
    expect(r.body.customer.series[0].values.slice(-2)).to.deep.equal(['100', '211']);
    expect(r.body.trends.labels).to.have.length(6);
    expect(r.body.trends.series.map((s: { label: string }) => s.label)).to.deep.equal(['Billed', 'Margin']);
  });

  it('the web page: reviewers decide from the queue, finance only reads, clients are refused; Chart.js comes from our origin', async () => {
    const page = `/t/${tenant.id}/usage-review?month=2026-11&status=all`;
    const rev = await webSessionCookie(app.url, reviewer);
    const html = (await call(app, 'get', page, { cookie: rev })).text;
    expect(html).to.contain('Usage review: November 2026').and.contain('October 2026').and.contain('USD 180.00').and.contain('USD 100.00')
      .and.contain('spike: +80%').and.contain('new product: Storage').and.contain('negative charge USD -10.00').and.contain('bills USD 150.50')
      .and.contain('>Approve</button>').and.contain('href="/t/' + tenant.id + '/usage-review"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const form = new URLSearchParams({ _csrf: csrf, summaryId: web, month: '2026-11', currency: 'USD', decision: 'approved', note: 'checked with the customer', back: page });
    const posted = await fetch(`${app.url}/t/${tenant.id}/usage-review/decide`, {
      method: 'POST', redirect: 'manual', body: form.toString(), headers: { cookie: rev, 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
    });
    expect(posted.status).to.equal(303);
    expect(new URL(posted.headers.get('location')!, app.url).searchParams.get('notice')).to.equal('Usage November 2026 approved at USD 180.00.');
    expect((await scope.repo(UsageReview).findOneBy({ usageSummaryId: web, month: '2026-11' }))!.decision).to.equal('approved');

    const fin = (await call(app, 'get', page, { cookie: await webSessionCookie(app.url, finance) })).text;
    expect(fin).to.contain('USD 180.00').and.not.contain('>Approve</button>');
    const cli = await call(app, 'get', page, { cookie: await webSessionCookie(app.url, client) });
    expect(cli.status).to.equal(403);
    expect(cli.text).to.not.contain('USD 180.00');

    const detail = (await call(app, 'get', `/t/${tenant.id}/usage-review/${web}?month=2026-11`, { cookie: rev })).text;
    expect(detail).to.contain('id="chart-daily"').and.contain('data-chart="{&quot;kind&quot;:&quot;bar&quot;').and.contain('/static/vendor/chartjs/chart.umd.min.js');
    const finCookie = await webSessionCookie(app.url, finance);
    const trends = await call(app, 'get', `/t/${tenant.id}/usage-review/trends?month=2026-11`, { cookie: finCookie });
    expect(trends.text).to.contain(`data-chart-src="/api/v1/tenants/${tenant.id}/usage-review/charts?trends&#x3D;true&amp;month&#x3D;2026-11"`)
      .and.contain('six months to November 2026');
    // What the page's script fetches answers the session's own role.
    expect((await call(app, 'get', `/api/v1/tenants/${tenant.id}/usage-review/charts?trends=true&month=2026-11`, { cookie: finCookie })).body.trends.labels)
      .to.have.length(6);
    expect((await call(app, 'get', `/t/${tenant.id}/usage-review/trends`, { cookie: await webSessionCookie(app.url, client) })).status).to.equal(403);
    const js = await fetch(`${app.url}/static/vendor/chartjs/chart.umd.min.js`);
    expect(js.status).to.equal(200);
    expect(js.headers.get('content-type')).to.contain('javascript');
  });
});
