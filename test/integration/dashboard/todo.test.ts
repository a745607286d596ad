import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { clockFrom } from '../../../src/common/clock.js';
import { ImportRun, LicensingChangeRequest, UsageMonthlyCharge, UsageSummary, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { ROLE_TODO, whatNeedsDoing, type TenantTodo } from '../../../src/dashboard/todo.js';
import { insertTenant } from '../../support/database.js';
import { insertCustomer, insertLine, insertRecurringInvoice, insertSubscription } from '../invoices/fixtures.js';
import { addUser, call, startApp, webSessionCookie, type TestApp } from '../http/support.js';

const D = (v: string) => new Decimal(v);
// 7 December 2026, 10:00 UTC: November's usage is final; December's margin is "this month".
const NOW = '2026-12-07T10:00:00Z';
const clock = clockFrom(NOW);

describe('dashboard: what needs doing, per role', function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenant: Tenant;
  let scope: TenantScope;

  before(async () => {
    app = await startApp({}, { clock });
    tenant = await insertTenant(app.ds, 'acme', 'UTC');
    scope = new TenantScope(app.ds.manager, tenant.id);
    const now = new Date(NOW);
    const contoso = await insertCustomer(scope, 'Contoso');
    // Usage of Contoso for November (to review), and usage of a company no customer is mapped to.
    const usage = async (customerId: string | null, company: string, charges: string) => {
      const id = randomUUID();
      await scope.repo(UsageSummary).insert([{
        id, pax8Id: id, pax8SubscriptionId: id, pax8CompanyId: company, pax8ProductId: null, resourceGroup: null, vendorName: 'Microsoft', customerId,
        mappedBy: customerId ? 'company' : null, currentCharges: D(charges), partnerTotal: D(charges), currency: 'USD', isTrial: false, linesMismatch: false,
        contentHash: 'x', createdAt: now, updatedAt: now,
      }]);
      for (const month of ['2026-11', '2026-12']) {
        await scope.repo(UsageMonthlyCharge).insert([{ id: randomUUID(), usageSummaryId: id, month, charges: D(charges), partnerTotal: D(charges), createdAt: now, updatedAt: now }]);
      }
      return id;
    };
    const azure = await usage(contoso.id, 'co-contoso', '80');
    await usage(null, 'co-unknown', '42.5');
    // A recurring invoice whose 1 December invoice is a draft (usage lines are held for review), next run 1 January.
    const ri = await insertRecurringInvoice(scope, { customerId: contoso.id, startDate: '2026-12-01' });
    await insertLine(scope, ri, 0, { description: 'Azure', timing: 'usage', usageSummaryId: azure });
    const sub = await insertSubscription(scope, { customerId: contoso.id });
    await insertLine(scope, ri, 1, { description: 'Licences', unitPrice: '10', links: [{ subscriptionId: sub.id }] });
    await runInvoices(app.ds, tenant.id, '2026-12-01', { clock });
    // A client request waiting, a failed usage sync and an old customers sync.
    await scope.repo(LicensingChangeRequest).insert([{
      id: randomUUID(), subscriptionId: sub.id, customerId: contoso.id, productName: 'Licences', vendorName: null, currentQuantity: D('1'),
      requestedQuantity: D('5'), status: 'pending', decision: null, approvalReasons: 'always', changePercent: null, requestedBy: null, requestedAt: now,
      decidedBy: null, decidedAt: null, rejectionReason: null, failureReason: null, pax8Response: null, appliedAt: null, subscriptionChangeId: null,
      createdAt: now, updatedAt: now,
    }]);
    const run = (entities: string, status: 'succeeded' | 'failed', at: string) => ({
      id: randomUUID(), entities, trigger: 'schedule', startedBy: 'scheduler', startedAt: new Date(at), finishedAt: new Date(at), status, dryRun: false,
      countsJson: '{}', message: null, jobId: null, createdAt: new Date(at), updatedAt: new Date(at),
    });
    await scope.repo(ImportRun).insert([
      run('customers', 'succeeded', '2026-12-05T04:00:00Z'), run('subscriptions', 'succeeded', '2026-12-07T09:00:00Z'),
      run('products', 'succeeded', '2026-12-07T03:00:00Z'), run('usage', 'succeeded', '2026-12-06T04:00:00Z'), run('usage', 'failed', '2026-12-07T04:00:00Z'),
    ] as never);
  });
  after(async () => {
    await app?.close();
  });

  const byKey = (t: TenantTodo) => Object.fromEntries(t.items.map((i) => [i.key, i]));

  it('admins see every panel with its count, amounts and link', async () => {
    const t = await whatNeedsDoing(app.ds, tenant, 'admin', clock);
    expect(t.items.map((i) => i.key)).to.deep.equal(ROLE_TODO.admin);
    const k = byKey(t);
    expect(k.drafts).to.include({ count: 1, attention: true, href: `/t/${tenant.id}/invoices?status=draft` });
    expect(k.drafts!.amounts).to.have.length(1);
    expect(k.usage_review).to.include({ count: 2, month: '2026-12', detail: '0 flagged of 2', href: `/t/${tenant.id}/usage-review?month=2026-12` });
    // Unmapped companies come from Pax8's invoice items (none here): a panel with nothing to do.
    expect(k.unmapped_companies).to.include({ count: 0, attention: false, href: `/t/${tenant.id}/customers` });
    expect(k.unmapped_usage!.count).to.equal(1);
    expect(k.unmapped_usage!.amounts).to.deep.equal([{ currency: 'USD', amount: '42.5' }]);
    expect(k.leakage!.href).to.equal(`/t/${tenant.id}/reconcile?month=2026-12`);
    expect(k.syncs).to.include({ count: 2, attention: true, detail: 'customers: late, usage: failed' });
    expect(k.client_requests).to.include({ count: 1, href: `/t/${tenant.id}/licensing` });
    expect(k.next_run).to.include({ detail: '2027-01-01', attention: false });
    expect(t.nextRunDate).to.equal('2027-01-01');
  });

  it('finance and reviewers see their own panels; the API answers each role its own and refuses clients', async () => {
    expect((await whatNeedsDoing(app.ds, tenant, 'reviewer', clock)).items.map((i) => i.key)).to.deep.equal(['usage_review', 'drafts', 'unmapped_usage', 'syncs']);
    const finance = await addUser(app, 'finance', { tenant });
    const reviewer = await addUser(app, 'reviewer', { tenant });
    const client = await addUser(app, 'client', { tenant, customerId: (await insertCustomer(scope, 'Fabrikam')).id });
    const path = `/api/v1/tenants/${tenant.id}/dashboard`;
    const f = await call(app, 'get', path, { token: finance.token });
    expect(f.status).to.equal(200);
    expect(f.body.items.map((i: { key: string }) => i.key)).to.deep.equal(ROLE_TODO.finance);
    expect((await call(app, 'get', path, { token: reviewer.token })).body.items.map((i: { key: string }) => i.key)).to.deep.equal(ROLE_TODO.reviewer);
    expect((await call(app, 'get', path, { token: client.token })).status).to.equal(403);

    const html = (await call(app, 'get', '/', { cookie: await webSessionCookie(app.url, reviewer) })).text;
    expect(html).to.contain('What needs doing').and.contain('data-todo="usage_review"').and.contain('USD 42.50')
      .and.not.contain('data-todo="client_requests"').and.not.contain('data-todo="leakage"');
    const admin = await addUser(app, 'admin', { tenant });
    const adminHtml = (await call(app, 'get', '/', { cookie: await webSessionCookie(app.url, admin) })).text;
    expect(adminHtml).to.contain('data-todo="client_requests"').and.contain('1 Jan 2027').and.contain('Leakage found this month <span class="muted">(December 2026)</span>');
  });
});
