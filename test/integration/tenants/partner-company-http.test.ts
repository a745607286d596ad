import { expect } from 'chai';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { PARTNER_COMPANY_NAME } from '../../../src/pax8/sandbox/generator/companies.js';
import type { Tenant } from '../../../src/db/entities/index.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';

/** Issue 22, point 7 over HTTP: the API route on the tenant and the Integration page's select (admin only, CSRF). */
describe('the partner\'s own company over the API and the web app', function () {
  this.timeout(120_000);
  let app: TestApp;
  let sandbox: RunningSandbox;
  let tenant: Tenant;
  let admin: TestUser;
  let finance: TestUser;
  let otherAdmin: TestUser;
  before(async () => {
    app = await startApp();
    sandbox = await startTestSandbox({ seed: 9, companies: 12, subscriptions: 20, usageSummaries: 0 });
    const created = await createTestTenant(app.ds, app.rt.secrets, sandbox, { displayName: 'Northwind Managed', partnerCompany: false });
    const tenants = created.tenants;
    tenant = created.tenant;
    const other = await tenants.create({ name: 'other', clientId: 'x', clientSecret: 'y', apiUrl: 'http://127.0.0.1:9/v1', tokenUrl: 'http://127.0.0.1:9/token' });
    admin = await addUser(app, 'admin', { tenant });
    finance = await addUser(app, 'finance', { tenant });
    otherAdmin = await addUser(app, 'admin', { tenant: other });
  });
  after(async () => {
    await sandbox?.close();
    await app?.close();
  });

  const url = () => `/api/v1/tenants/${tenant.id}/partner-company`;
  const own = () => sandbox.data.partnerCompanyId;

  it('GET answers the state and the matching companies; PUT chooses or declines; the preview refuses until then; admins of the tenant only', async () => {
    const shown = await call(app, 'get', url(), { token: admin.token });
    expect(shown.status, shown.text).to.equal(200);
    expect(shown.body).to.include({ state: 'not_chosen', candidatesError: null });
    expect(shown.body.candidates).to.deep.include({ pax8CompanyId: own(), name: PARTNER_COMPANY_NAME, matched: ['northwind', 'managed'] });

    const preview = await call(app, 'post', `/api/v1/tenants/${tenant.id}/imports/preview`, { token: admin.token, body: { entities: ['customers'] } });
    expect(preview.body.status, preview.text).to.equal('failed');
    expect(preview.body.details.error).to.include('not chosen yet');

    for (const [user, status] of [[finance, 403], [otherAdmin, 404]] as const) {
      expect((await call(app, 'get', url(), { token: user.token })).status).to.equal(status);
      expect((await call(app, 'put', url(), { token: user.token, body: { pax8CompanyId: null } })).status).to.equal(status);
    }
    expect((await call(app, 'put', url(), { token: admin.token, body: { pax8CompanyId: '  ' } })).status).to.equal(400);

    const declined = await call(app, 'put', url(), { token: admin.token, body: { pax8CompanyId: null } });
    expect(declined.body).to.deep.equal({ state: 'declined' });
    const chosen = await call(app, 'put', url(), { token: admin.token, body: { pax8CompanyId: own() } });
    expect(chosen.body).to.deep.equal({ state: 'chosen', pax8CompanyId: own() });
    const ok = await call(app, 'post', `/api/v1/tenants/${tenant.id}/imports/preview`, { token: admin.token, body: { entities: ['customers'] } });
    expect(ok.body.status, ok.text).to.equal('succeeded');
  });

  it('the Integration page offers the candidates in a select while not chosen, and saves the choice with the CSRF token', async () => {
    await call(app, 'patch', `/api/v1/tenants/${tenant.id}/settings`, { token: admin.token, body: { imports: { ownCompanyPax8Id: null, ownCompanyDeclined: false } } });
    const jar: string[] = [];
    const send = async (method: string, path: string, form?: Record<string, string>) => {
      const res = await fetch(app.url + path, {
        method, redirect: 'manual', headers: { cookie: jar.join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded', referer: app.url + path } : {}) },
        body: form ? new URLSearchParams(form).toString() : undefined,
      });
      for (const c of res.headers.getSetCookie()) jar.splice(0, jar.length, ...jar.filter((x) => !x.startsWith(c.split('=')[0]!)), c.split(';')[0]!);
      return { status: res.status, location: res.headers.get('location'), html: await res.text() };
    };
    await send('POST', '/login', { email: admin.email, password: admin.password, next: '/' });
    const page = await send('GET', `/t/${tenant.id}/integration`);
    expect(page.status).to.equal(200);
    expect(page.html).to.include('Not yet chosen: imports refuse to run');
    expect(page.html).to.include(`<option value="${own()}">${PARTNER_COMPANY_NAME} (${own()})</option>`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

    const forged = await send('POST', `/t/${tenant.id}/integration/partner-company`, { pax8CompanyId: own() });
    expect(forged.status).to.equal(403);
    const saved = await send('POST', `/t/${tenant.id}/integration/partner-company`, { _csrf: csrf, pax8CompanyId: own() });
    expect(saved.status).to.equal(303);
    const after = await send('GET', `/t/${tenant.id}/integration`);
    expect(after.html).to.include(`Chosen: Pax8 company <code>${own()}</code>`);
    expect(after.html).to.not.include('partner-company-form');
    // Saving the other settings keeps the choice.
    await send('POST', `/t/${tenant.id}/integration/settings`, {
      _csrf: csrf, productImportMode: 'products', productGroupForNewProducts: 'Pax8', scheduleCustomers: '0 */4 * * *', scheduleSubscriptions: '0 * * * *',
      scheduleProducts: '0 3 * * *', scheduleUsage: '0 4 * * *', scheduleBilling: '15 0 * * *',
    });
    expect((await call(app, 'get', url(), { token: admin.token })).body.state).to.equal('chosen');
  });
});
