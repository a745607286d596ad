import { expect } from 'chai';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp, type TestUser } from './support.js';

/** The menu reaches every page a role may use and shows none it may not (the server refuses those anyway). */
describe('http: navigation per role', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'nav-a');
  });
  after(async () => { await app?.close(); });

  const menuOf = async (u: TestUser, path: string): Promise<string[]> => {
    const cookie = await webSessionCookie(app.url, u);
    const res = await fetch(app.url + path, { headers: { cookie }, redirect: 'manual' });
    expect(res.status, path).to.equal(200);
    const nav = /<nav>([\s\S]*?)<\/nav>/.exec(await res.text())![1]!;
    return [...nav.matchAll(/<a href="[^"]*">([^<]+)<\/a>/g)].map((m) => m[1]!);
  };

  it('gives an admin of all tenants every page, the licence pages and the jobs dashboard, on every kind of page', async () => {
    const admin = await addUser(app, 'admin');
    const expected = ['Dashboard', 'Integrations', 'Customers', 'Subscriptions', 'Products', 'Recurring invoices', 'Invoices', 'Usage', 'Usage review', 'Licensing',
      'Margin', 'Tax', 'Accounting', 'Licence management', 'Event log', 'Notices', 'Jobs', 'API'];
    expect(await menuOf(admin, `/t/${A.tenant.id}/customers`)).to.deep.equal(expected);
    expect(await menuOf(admin, `/t/${A.tenant.id}/licences/events`), 'the licence pages share the menu').to.deep.equal(expected);
  });

  it('gives finance the event log but not licence management, notices or jobs; a tenant-bound admin no jobs dashboard', async () => {
    const finance = await addUser(app, 'finance', { tenant: A.tenant });
    const menu = await menuOf(finance, `/t/${A.tenant.id}/invoices`);
    expect(menu).to.include.members(['Invoices', 'Margin', 'Tax', 'Accounting', 'Event log']);
    expect(menu).to.not.include.members(['Licence management']);
    expect(menu).to.not.include('Notices');
    expect(menu).to.not.include('Jobs');
    expect(menu).to.not.include('Integrations');
    const bound = await addUser(app, 'admin', { tenant: A.tenant });
    const adminMenu = await menuOf(bound, `/t/${A.tenant.id}/invoices`);
    expect(adminMenu).to.include('Licence management');
    expect(adminMenu).to.not.include('Jobs');
  });

  it('gives reviewers and finance the usage review, clients not', async () => {
    expect(await menuOf(await addUser(app, 'reviewer', { tenant: A.tenant }), `/t/${A.tenant.id}/usage`)).to.include('Usage review');
    expect(await menuOf(await addUser(app, 'finance', { tenant: A.tenant }), `/t/${A.tenant.id}/usage`)).to.include('Usage review');
    const client = await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId });
    expect(await menuOf(client, `/t/${A.tenant.id}/subscriptions`)).to.not.include('Usage review');
    expect(await menuOf(client, `/t/${A.tenant.id}/subscriptions`), 'clients never see the accounting connections').to.not.include('Accounting');
  });
});
