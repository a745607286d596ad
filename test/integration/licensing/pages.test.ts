import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { Customer, Tenant } from '../../../src/db/entities/index.js';
import { LicensingService } from '../../../src/licensing/service.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { addCustomer, addProduct, addSubscription, sandboxSubs, type LicensingEnv } from './env.js';

describe('licensing pages (HTML)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let sb: RunningSandbox;
  let tenant: Tenant;
  let admin: TestUser;
  let clientA: TestUser;
  let clientB: TestUser;
  let custA: Customer;
  let custB: Customer;
  let subA: string;
  let subB: string;
  const view = (p: string) => `/t/${tenant.id}/licensing/${p}`;
  /** A form post as the browser sends it (bearer token: no CSRF needed). */
  const post = async (who: TestUser, p: string, form: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await fetch(app.url + p, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location') ?? '' };
  };

  before(async () => {
    app = await startApp();
    sb = await startTestSandbox({ seed: 3, companies: 10 });
    tenant = (await createTestTenant(app.ds, app.rt.secrets, sb, { name: 'msp', partnerCompany: false })).tenant;
    const env = { ds: app.ds, sb, tenant } as unknown as LicensingEnv;
    const [s1, s2] = sandboxSubs(sb).free;
    custA = await addCustomer(env, 'Contoso <script>alert(1)</script>', s1!.companyId);
    custB = await addCustomer(env, 'Other Co', s2!.companyId);
    subA = (await addSubscription(env, s1!, custA.id, { quantity: new Decimal(10), name: 'Suite "<b>Pro</b>"' })).id;
    subB = (await addSubscription(env, s2!, custB.id, { quantity: new Decimal(7), name: 'Secret Product of B' })).id;
    await addProduct(env, { name: 'Backup <img src=x>', vendorName: 'Acronis', category: 'Backup', retailPrice: '4.5', featured: true });
    await addProduct(env, { name: 'Hidden Thing', vendorName: 'Acronis', category: 'Backup', visible: false });
    admin = await addUser(app, 'admin', { tenant });
    clientA = await addUser(app, 'client', { tenant, customerId: custA.id });
    clientB = await addUser(app, 'client', { tenant, customerId: custB.id });
    const svc = new LicensingService(app.ds, () => { throw new Error('no Pax8 in page tests'); });
    await svc.updateSelfService(tenant, { id: admin.id }, { allowSelfService: true, defaultMaxQuantity: new Decimal(50) });
    await svc.requestChange(tenant, { id: clientA.id, customerId: custA.id }, subA, new Decimal(20));
  });
  after(async () => {
    await sb?.close();
    await app?.close();
  });

  it('the settings page has the three tabs in the web app layout; values are escaped', async () => {
    const r = await call(app, 'get', view('settings'), { token: admin.token });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^text\/html/);
    expect(r.text).to.include('<header class="top">').and.include(`href="/t/${tenant.id}/licensing">Licensing</a>`);
    for (const id of ['tab-approval', 'tab-catalog', 'tab-self-service', 'approval-form']) expect(r.text).to.include(`id="${id}"`);
    const catalog = await call(app, 'get', `${view('settings')}?tab=catalog&visible=false`, { token: admin.token });
    expect(catalog.text).to.include('Hidden Thing').and.not.include('Backup &lt;img');
    const all = await call(app, 'get', `${view('settings')}?tab=catalog`, { token: admin.token });
    expect(all.text).to.include('Backup &lt;img src&#x3D;x&gt;').and.not.include('<img src=x>');
    const rules = await call(app, 'get', `${view('settings')}?tab=self-service&q=contoso`, { token: admin.token });
    expect(rules.text).to.include('Contoso &lt;script&gt;alert(1)&lt;/script&gt;').and.not.include('<script>alert(1)');
    expect(rules.text).to.include('current 10').and.not.include('Secret Product of B');
  });

  it('forms post through the API: a refused value comes back as the API\'s message; a good one is saved', async () => {
    const bad = await post(admin, view('settings/self-service'), { allowSelfService: 'on', defaultMinQuantity: '9', defaultMaxQuantity: '3' });
    expect(bad.status).to.equal(303);
    expect(bad.location).to.match(/tab=self-service&form=/);
    const shown = await fetch(app.url + bad.location.replace(/#.*/, ''), { headers: { authorization: `Bearer ${admin.token}` } });
    expect(await shown.text()).to.include('the minimum (9) is above the maximum (3)');
    const was = (await call(app, 'get', `/api/v1/tenants/${tenant.id}/licensing/settings`, { token: admin.token })).body.selfService;
    const good = await post(admin, view('settings/self-service'), { allowSelfService: 'on', defaultMinQuantity: '1', defaultMaxQuantity: '31' });
    expect(decodeURIComponent(good.location)).to.include('Self-service defaults saved: ').and.include(`Default max quantity changed from ${was.defaultMaxQuantity ?? 'none'} to 31`);
    await post(admin, view('settings/self-service'), { allowSelfService: was.allowSelfService ? 'on' : '', defaultMinQuantity: was.defaultMinQuantity ?? '', defaultMaxQuantity: was.defaultMaxQuantity ?? '' });
    const rule = await post(admin, view(`subscriptions/${subB}/rule`), { allowQuantityChanges: 'false', minQuantity: '', maxQuantity: '20', back: `/t/${tenant.id}/licensing/settings?tab=self-service&q=other` });
    expect(rule.location).to.match(/^\/t\/.*\/licensing\/settings\?tab=self-service&q=other&notice=/);
    const got = await call(app, 'get', `/api/v1/tenants/${tenant.id}/licensing/subscriptions/${subB}`, { token: admin.token });
    expect(got.body.rule).to.deep.equal({ allowQuantityChanges: false, alwaysRequireApproval: false, minQuantity: null, maxQuantity: '20' });
    const offsite = await post(admin, view(`subscriptions/${subB}/rule/delete`), { back: 'https://evil.example/' });
    expect(offsite.location).to.match(/^\/t\/.*\/licensing\/settings\?tab=self-service&notice=/);
    expect((await post(clientA, view(`subscriptions/${subB}/rule`), { maxQuantity: '1' })).status).to.equal(403);
  });

  it('the approvals page lists the pending request with company, product, current and requested quantity', async () => {
    const r = await call(app, 'get', view('approvals'), { token: admin.token });
    expect(r.status).to.equal(200);
    const row = r.text.slice(r.text.indexOf('id="pending"'), r.text.indexOf('id="decided"'));
    expect(row).to.include('Contoso &lt;script&gt;').and.include('Suite &quot;&lt;b&gt;Pro&lt;/b&gt;&quot;').and.include('>10<').and.include('>20<');
    expect(row).to.not.include('<b>Pro</b>');
    expect(row).to.include('/approve').and.include('/reject');
  });

  it('a client\'s page shows only its company, its request and notices; staff pages are refused to clients', async () => {
    const a = await call(app, 'get', view('my'), { token: clientA.token });
    expect(a.status).to.equal(200);
    expect(a.text).to.include('Suite &quot;&lt;b&gt;Pro&lt;/b&gt;&quot;').and.include('20 requested').and.include('waiting for approval');
    expect(a.text).to.not.include('Secret Product of B').and.not.include('Hidden Thing');
    expect(a.text).to.include('data-kind="request_pending"');
    const b = await call(app, 'get', view('my'), { token: clientB.token });
    expect(b.text).to.include('Secret Product of B').and.include('name="quantity"').and.include('1–50');
    expect(b.text).to.not.include('Suite');
    expect((await call(app, 'get', view('approvals'), { token: clientA.token })).status).to.equal(403);
    expect((await call(app, 'get', view('settings'), { token: clientA.token })).status).to.equal(403);
    expect((await call(app, 'get', view('my'), { token: admin.token })).status).to.equal(403);
  });

  it('a client pages through the whole catalog and searches it by name, vendor or category (issue 23)', async () => {
    const env = { ds: app.ds, sb, tenant } as unknown as LicensingEnv;
    for (let i = 0; i < 60; i++) await addProduct(env, { name: `Catalog item ${String(i).padStart(2, '0')}`, vendorName: i % 2 ? 'Wasabi' : 'Dropsuite', category: i % 3 ? 'Storage' : 'Email security', retailPrice: `${i}.50` });
    const first = await call(app, 'get', view('my'), { token: clientA.token });
    expect(first.text).to.include('61 products');
    expect((first.text.match(/<tr><td>(★ )?[^<]*<\/td><td>/g) ?? []).length, 'one page').to.be.at.most(50);
    const second = await call(app, 'get', `${view('my')}?page=1`, { token: clientA.token });
    expect(second.text).to.include('Catalog item 59');
    expect(first.text).to.not.include('Catalog item 59');
    const found = await call(app, 'get', `${view('my')}?q=${encodeURIComponent('email SEC')}`, { token: clientA.token });
    expect(found.text).to.include('20 products');
    expect(found.text).to.include('Catalog item 03').and.not.include('Catalog item 01');
    const byVendor = await call(app, 'get', `${view('my')}?q=wasabi`, { token: clientA.token });
    expect(byVendor.text).to.include('30 products');
    expect(found.text).to.not.include('Hidden Thing');
  });
});
