import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { EventLogEntry, LicensingChangeRequest, Subscription, type Customer, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import type { RunningSandbox, SandboxSubscription } from '../../../src/pax8/sandbox/index.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { addCustomer, addSubscription, sandboxSubs, type LicensingEnv } from './env.js';

/**
 * Issue 21, findings 1 and 10: a client changes quantities only through licensing requests (the direct quantity
 * route and the Subscriptions page's form are for admins), and every change Recurra sends to Pax8 (Set, set-active,
 * approvals) lands in the licence event log with who, what, before and after. Real app over HTTP, real database,
 * the Pax8 sandbox over HTTP.
 */
describe('licensing: direct quantity changes are staff-only and logged', function () {
  this.timeout(60_000);
  let app: TestApp;
  let sb: RunningSandbox;
  let tenant: Tenant;
  let env: LicensingEnv;
  let admin: TestUser;
  let client: TestUser;
  let cust: Customer;
  let scope: TenantScope;
  let pool: SandboxSubscription[];
  const api = (p: string) => `/api/v1/tenants/${tenant.id}${p}`;

  before(async () => {
    app = await startApp();
    sb = await startTestSandbox({ seed: 23, companies: 40, quantityChanges: 'instant' /* approvals and operations, not Pax8's provisioning delay: see test/integration/imports/pending-quantity.test.ts */ });
    const created = await createTestTenant(app.ds, app.rt.secrets, sb, { name: 'msp', timeZone: 'Europe/London', partnerCompany: false });
    const tenants = created.tenants;
    tenant = created.tenant;
    // The demo's setting: quantities may be increased from Recurra.
    await tenants.updateSettings(tenant.id, { imports: { allowQuantityIncrease: true } });
    env = { ds: app.ds, sb, tenant, tenants, client: () => { throw new Error('unused'); }, close: async () => {} };
    scope = new TenantScope(app.ds.manager, tenant.id);
    pool = [...sandboxSubs(sb).free];
    cust = await addCustomer(env, 'Contoso', pool[0]!.companyId);
    admin = await addUser(app, 'admin', { tenant });
    client = await addUser(app, 'client', { tenant, customerId: cust.id });
    // Self-service on with a limit of 500; approval required by default (the default).
    const ss = await call(app, 'put', api('/licensing/settings/self-service'), { token: admin.token, body: { allowSelfService: true, defaultMinQuantity: null, defaultMaxQuantity: '500' } });
    expect(ss.status).to.equal(200);
  });
  after(async () => {
    await sb?.close();
    await app?.close();
  });

  async function sub(qty: number) {
    const s = pool.shift()!;
    sb.data.setQuantity(s.id, qty, false);
    const local = await addSubscription(env, s, cust.id, { quantity: new Decimal(qty) });
    return { s, local };
  }
  const pax8Qty = (s: SandboxSubscription) => sb.data.subscriptionById.get(s.id)!.quantity;
  const localQty = async (id: string) => (await scope.repo(Subscription).findOneBy({ id }))!.quantity.toFixed();

  async function signIn(u: TestUser): Promise<string> {
    const res = await fetch(`${app.url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: u.email, password: u.password, next: '/' }).toString(),
    });
    expect(res.status).to.equal(303);
    return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  }
  async function page(cookie: string, path: string) {
    const res = await fetch(app.url + path, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  }

  describe('finding 1: a client cannot skip licensing approval', () => {
    it('refuses a client\'s direct quantity change with 403 in the API error shape; Pax8 and the local row stay as they were and no request is made', async () => {
      const { s, local } = await sub(49);
      const r = await call(app, 'post', api(`/subscriptions/${local.id}/quantity`), { token: client.token, body: { quantity: '641' } });
      expect(r.status).to.equal(403);
      expect(r.body.error.code).to.equal('forbidden');
      expect(r.body.error.requestId).to.be.a('string');
      expect(pax8Qty(s)).to.equal(49);
      expect(await localQty(local.id)).to.equal('49');
      expect(await scope.repo(LicensingChangeRequest).count({ where: { subscriptionId: local.id } })).to.equal(0);
      // set-active is staff-only too.
      const a = await call(app, 'post', api(`/subscriptions/${local.id}/active`), { token: client.token, body: { active: false } });
      expect(a.status).to.equal(403);
      expect(a.body.error.code).to.equal('forbidden');
      expect((await scope.repo(Subscription).findOneBy({ id: local.id }))!.active).to.equal(true);
    });

    it('the same change through a licensing request is held for approval (above the limit: refused)', async () => {
      const { s, local } = await sub(49);
      const over = await call(app, 'post', api(`/licensing/my/subscriptions/${local.id}/requests`), { token: client.token, body: { quantity: 641 } });
      expect(over.status).to.equal(400);
      const held = await call(app, 'post', api(`/licensing/my/subscriptions/${local.id}/requests`), { token: client.token, body: { quantity: 60 } });
      expect(held.status).to.equal(201);
      expect(held.body.status).to.equal('pending');
      expect(pax8Qty(s)).to.equal(49);
    });

    it('the client\'s Subscriptions page shows no quantity form, and posting it anyway is refused with nothing sent to Pax8', async () => {
      const { s, local } = await sub(49);
      const cookie = await signIn(client);
      const p = await page(cookie, `/t/${tenant.id}/subscriptions`);
      expect(p.status).to.equal(200);
      expect(p.html).to.include(local.name);
      expect(p.html).to.not.match(/\/subscriptions\/[0-9a-f-]{36}\/quantity/);
      expect(p.html).to.not.include('name="quantity"');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(p.html)?.[1] ?? '';
      const res = await fetch(`${app.url}/t/${tenant.id}/subscriptions/${local.id}/quantity`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, quantity: '641' }).toString(),
      });
      expect(res.status).to.equal(403);
      expect(pax8Qty(s)).to.equal(49);
      expect(await localQty(local.id)).to.equal('49');
    });

    it('an admin still sees the form and sets a quantity', async () => {
      const { local } = await sub(7);
      const cookie = await signIn(admin);
      const p = await page(cookie, `/t/${tenant.id}/subscriptions`);
      expect(p.html).to.include(`/subscriptions/${local.id}/quantity`);
    });
  });

  describe('finding 10: every change sent to Pax8 lands in the event log with who, what, before and after', () => {
    const events = async (subscriptionId: string) => (await scope.repo(EventLogEntry).find({ where: { subscriptionId }, order: { occurredAt: 'ASC' } }))
      .map((e) => ({ type: e.type, by: e.initiatedBy, count: e.licenceCount?.toFixed() ?? null, target: e.target, detail: JSON.parse(e.detail ?? 'null') as Record<string, unknown> }));

    it('an admin\'s Set (API) is logged: type, who, target, licences added, before and after', async () => {
      const { s, local } = await sub(7);
      const r = await call(app, 'post', api(`/subscriptions/${local.id}/quantity`), { token: admin.token, body: { quantity: '10' } });
      expect(r.status).to.equal(200);
      expect(pax8Qty(s)).to.equal(10);
      const e = await events(local.id);
      expect(e).to.have.length(1);
      expect(e[0]).to.deep.include({ type: 'quantity_set', count: '3', target: `Contoso / ${local.name}` });
      expect(e[0]!.by).to.include(admin.email);
      expect(e[0]!.detail).to.deep.include({ before: '7', after: '10' });
      // …and the event log screen's API shows it.
      const list = await call(app, 'get', api('/events?type=quantity_set'), { token: admin.token });
      expect(list.status).to.equal(200);
      expect((list.body.rows as Array<Record<string, string>>).some((row) => row.initiatedBy?.includes(admin.email))).to.equal(true);
    });

    it('an admin\'s Set through the web page is logged too', async () => {
      const { local } = await sub(4);
      const cookie = await signIn(admin);
      const p = await page(cookie, `/t/${tenant.id}/subscriptions`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(p.html)![1]!;
      const res = await fetch(`${app.url}/t/${tenant.id}/subscriptions/${local.id}/quantity`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenant.id}/subscriptions` },
        body: new URLSearchParams({ _csrf: csrf, quantity: '6' }).toString(),
      });
      expect(res.status).to.equal(303);
      const e = await events(local.id);
      expect(e.map((x) => [x.type, x.count, x.detail.before, x.detail.after])).to.deep.equal([['quantity_set', '2', '4', '6']]);
      expect(e[0]!.by).to.include(admin.email);
    });

    it('set-active is logged with the active flag before and after', async () => {
      const { local } = await sub(5);
      const r = await call(app, 'post', api(`/subscriptions/${local.id}/active`), { token: admin.token, body: { active: false } });
      expect(r.status).to.equal(200);
      const e = await events(local.id);
      expect(e).to.have.length(1);
      expect(e[0]).to.deep.include({ type: 'active_set' });
      expect(e[0]!.by).to.include(admin.email);
      expect(e[0]!.detail).to.deep.include({ before: { active: true, activeOverride: null }, after: { active: false, activeOverride: false } });
    });

    it('an approved request sent to Pax8 is logged with before and after', async () => {
      const { s, local } = await sub(20);
      const held = await call(app, 'post', api(`/licensing/my/subscriptions/${local.id}/requests`), { token: client.token, body: { quantity: 25 } });
      expect(held.body.status).to.equal('pending');
      const ok = await call(app, 'post', api(`/licensing/requests/${held.body.id}/approve`), { token: admin.token, body: {} });
      expect(ok.status).to.equal(200);
      expect(pax8Qty(s)).to.equal(25);
      const applied = (await events(local.id)).find((x) => x.type === 'approval_applied')!;
      expect(applied.count).to.equal('5');
      expect(applied.detail).to.deep.include({ before: { status: 'approved', quantity: '20' }, after: { status: 'applied', quantity: '25' } });
    });
  });
});
