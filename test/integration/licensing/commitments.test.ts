import { expect } from 'chai';
import dayjs from 'dayjs';
import sinon from 'sinon';
import { clockFrom } from '../../../src/common/clock.js';
import { CommitmentRule, CustomerMapping, LicensingChangeRequest, Subscription, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { runImport } from '../../../src/imports/run-import.js';
import { DAY_MS } from '../../../src/pax8/sandbox/dates.js';
import type { RunningSandbox, SandboxSubscription } from '../../../src/pax8/sandbox/index.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';

/**
 * Issue 22, point 2: licensing self-service checks the commitment rules licence operations check (the product's
 * commitment record, synced from Pax8's product data) before asking Pax8. The app over HTTP on the sandbox's clock, the
 * sandbox over HTTP with its per-vendor rules.
 */
describe('licensing self-service and the commitment rule (sandbox over HTTP)', function () {
  this.timeout(120_000);
  const clock = clockFrom('2026-11-15T12:00:00Z');
  let app: TestApp;
  let sb: RunningSandbox;
  let tenant: Tenant;
  let scope: TenantScope;
  let admin: TestUser;
  let client: TestUser;
  const subs: Record<'nce' | 'flexible' | 'ncePending' | 'flexiblePending', SandboxSubscription> = {} as never;
  const base = () => `/api/v1/tenants/${tenant.id}/licensing`;
  const puts = () => (sb.data.requestQuantity as sinon.SinonSpy).callCount;
  /** The day the renewal window of the subscription's 1-Year term opens (the product data's days before the end). */
  const renewalOpens = (s: SandboxSubscription, end: string) =>
    dayjs(end).subtract(sb.data.productById.get(s.productId)!.commitments.find((c) => c.term === '1-Year')!.renewalWindowDaysBeforeTermEnd, 'day').format('YYYY-MM-DD');

  before(async () => {
    app = await startApp({}, { clock });
    sb = await startTestSandbox({ seed: 31, companies: 8, subscriptions: 30, usageSummaries: 0, quantityChanges: 'instant' });
    tenant = (await createTestTenant(app.ds, app.rt.secrets, sb, { name: 'msp', timeZone: 'UTC' })).tenant;
    scope = new TenantScope(app.ds.manager, tenant.id);
    const company = sb.data.companies.find((c) => c.status === 'Active' && !c.isPartner)!;
    const product = (vendor: string) => sb.data.products.find((p) => p.vendorName === vendor && p.commitments.length > 0)!;
    // 1-Year terms (Annual plans) 200 days before their end: mid-term, outside every window.
    const add = (vendor: string) => {
      const s = sb.data.addSubscription({ companyId: company.id, productId: product(vendor).id, quantity: 10, billingTerm: 'Annual' });
      s.commitment!.endMs = sb.data.clock.nowMs() + 200 * DAY_MS;
      return s;
    };
    subs.nce = add('Microsoft');
    subs.flexible = add('Proofpoint');
    subs.ncePending = add('Microsoft');
    subs.flexiblePending = add('Proofpoint');
    const run = await runImport({ ds: app.ds, secrets: app.rt.secrets }, {
      tenantId: tenant.id, trigger: 'cli', startedBy: 'test', entities: 'customers,subscriptions', now: clock(),
      client: { rateLimitPerMinute: null, retryBaseMs: 1, retryMaxDelayMs: 5, maxRetries: 1 },
    });
    expect(run.status).to.equal('succeeded');
    const mapping = (await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: company.id }))!;
    admin = await addUser(app, 'admin', { tenant });
    client = await addUser(app, 'client', { tenant, customerId: mapping.customerId });
    expect((await call(app, 'put', `${base()}/settings/self-service`, { token: admin.token, body: { allowSelfService: true, defaultMinQuantity: null, defaultMaxQuantity: null } })).status).to.equal(200);
    expect((await call(app, 'put', `${base()}/settings/approval`, { token: admin.token, body: { requireApprovalByDefault: false, autoApproveThresholdPercent: '50', alwaysApproveVendors: [] } })).status).to.equal(200);
    sinon.spy(sb.data, 'requestQuantity');
  });
  after(async () => {
    sinon.restore();
    await sb?.close();
    await app?.close();
  });

  const local = async (s: SandboxSubscription) => (await scope.repo(Subscription).findOneBy({ pax8Id: s.id }))!;
  const request = (id: string, quantity: number) => call(app, 'post', `${base()}/my/subscriptions/${id}/requests`, { token: client.token, body: { quantity } });

  it('the product sync stored the commitment terms of both vendors', async () => {
    const rule = (s: SandboxSubscription) => scope.repo(CommitmentRule).findOneBy({ pax8ProductId: s.productId, term: '1-Year' });
    expect(await rule(subs.nce)).to.include({ allowDecrease: false, allowIncrease: true, renewalWindowDaysAfter: 7 });
    expect(await rule(subs.flexible)).to.include({ allowDecrease: true, allowEarlyCancellation: true });
    expect((await local(subs.nce)).commitmentEndDate).to.equal(new Date(subs.nce.commitment!.endMs).toISOString().slice(0, 10));
  });

  it('a decrease inside a no-decrease commitment is refused by Recurra with a plain reason; no request, nothing sent to Pax8', async () => {
    const sub = await local(subs.nce);
    const requestsBefore = sb.stats().requests;
    const putsBefore = puts();
    const r = await request(sub.id, 8); // 20%: would be auto-approved
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('validation_failed');
    expect(r.body.error.message).to.equal(`This change cannot be made now. Pax8 does not allow fewer licences during this subscription's 1-Year commitment, `
      + `which runs until ${sub.commitmentEndDate}. Fewer licences are possible from ${renewalOpens(subs.nce, sub.commitmentEndDate!)}, in the renewal window before the term ends.`);
    expect(puts()).to.equal(putsBefore);
    expect(sb.stats().requests).to.equal(requestsBefore); // not even a read
    expect(sb.data.subscriptionById.get(subs.nce.id)!.quantity).to.equal(10);
    expect(await scope.repo(LicensingChangeRequest).count({ where: { subscriptionId: sub.id } })).to.equal(0);
    // An increase of the same subscription is allowed and applied.
    const up = await request(sub.id, 12);
    expect(up.status).to.equal(201);
    expect(up.body.status).to.equal('applied');
    expect(sb.data.subscriptionById.get(subs.nce.id)!.quantity).to.equal(12);
  });

  it('a vendor whose commitment allows decreases is not refused (the old 7-day rule refused it): applied in Pax8', async () => {
    const sub = await local(subs.flexible);
    const putsBefore = puts();
    const r = await request(sub.id, 8);
    expect(r.status).to.equal(201);
    expect(r.body).to.include({ status: 'applied', decision: 'auto' });
    expect(puts()).to.equal(putsBefore + 1);
    expect(sb.data.subscriptionById.get(subs.flexible.id)!.quantity).to.equal(8);
    expect((await local(subs.flexible)).quantity.toFixed()).to.equal('8');
  });

  it('the approval path checks the rule again: a held decrease approved mid-term fails with the reason, nothing sent to Pax8', async () => {
    const sub = await local(subs.ncePending);
    // Asked while the rule allowed it (the record said so then); the product data changes before the admin approves.
    const rule = (await scope.repo(CommitmentRule).findOneBy({ pax8ProductId: sub.pax8ProductId!, term: '1-Year' }))!;
    await scope.repo(CommitmentRule).update({ id: rule.id }, { allowDecrease: true });
    const asked = await request(sub.id, 2); // 80%: held for approval
    expect(asked.status).to.equal(201);
    expect(asked.body.status).to.equal('pending');
    await scope.repo(CommitmentRule).update({ id: rule.id }, { allowDecrease: false });
    const putsBefore = puts();
    const r = await call(app, 'post', `${base()}/requests/${asked.body.id}/approve`, { token: admin.token });
    expect(r.status).to.equal(200);
    expect(r.body.status).to.equal('failed');
    expect(r.body.failureReason).to.match(/^Pax8 does not allow fewer licences during this subscription's 1-Year commitment, which runs until \d{4}-\d{2}-\d{2}\./);
    expect(puts()).to.equal(putsBefore);
    expect(sb.data.subscriptionById.get(subs.ncePending.id)!.quantity).to.equal(10);
    const notices = (await call(app, 'get', `${base()}/my/notices`, { token: client.token })).body.items.filter((n: { requestId: string }) => n.requestId === asked.body.id);
    expect(notices.find((n: { kind: string }) => n.kind === 'request_failed').message).to.match(/could not be applied: Pax8 does not allow fewer licences/);
  });

  it('a product not synced: the rule is unknown, Pax8 is asked and its refusal shown as before', async () => {
    const sub = await local(subs.flexiblePending);
    await scope.repo(CommitmentRule).delete({ pax8ProductId: sub.pax8ProductId! });
    // Pax8's side now refuses decreases of that product (its own record), Recurra does not know the rule.
    for (const c of sb.data.productById.get(subs.flexiblePending.productId)!.commitments) c.allowForQuantityDecrease = false;
    const putsBefore = puts();
    const r = await request(sub.id, 8);
    expect(r.status).to.equal(201);
    expect(r.body.status).to.equal('failed');
    expect(r.body.failureReason).to.match(/Cannot decrease quantity of subscription .* before the commitment term ends/);
    expect(puts()).to.equal(putsBefore + 1);
  });
});

