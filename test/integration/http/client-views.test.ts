import { expect } from 'chai';
import { z } from 'zod';
import { clientView } from '../../../src/http/api/client-views.js';
import { allRoutes, defineRoute, tenantParams, type RouteDef } from '../../../src/http/api/route.js';
import '../../../src/http/api/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, type Reply, type TestApp, type TestUser } from './support.js';

/**
 * Issue 21, finding 6: a client never receives the MSP's cost, margin or partner prices, on any route a client may
 * call (walked from the route registry, so a new client route is covered without editing this file) nor on any page
 * of the web app a client sees. The seed's subscription cost is 18.50 and its usage partner total 10.1.
 */
const SECRET_KEY = /cost|margin|partner/i;
const SECRET_VALUE = /(?<![\d.])(18\.50?|10\.10*)(?![\d])/;

function secretKeys(v: unknown, path = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => secretKeys(x, `${path}[${i}]`));
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [...(SECRET_KEY.test(k) ? [`${path}.${k}`] : []), ...secretKeys(x, `${path}.${k}`)]);
  }
  return [];
}

describe('http: clients never see cost, margin or partner prices', function () {
  this.timeout(120_000);
  let app: TestApp;
  let A: SeededTenant;
  let client: TestUser;
  let admin: TestUser;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'views-a');
    admin = await addUser(app, 'admin');
    client = await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId });
  });
  after(async () => { await app?.close(); });

  const clientRoutes = () => allRoutes().filter((d) => !d.public && d.roles.includes('client'));
  async function path(def: RouteDef): Promise<string> {
    return '/api/v1' + (await Promise.all([...def.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(async (m) => {
      const n = m[1]!;
      const v = n === 'tokenId' ? (await app.users.createToken(client.id, 'views')).record.id : A.ids[n];
      if (!v) throw new Error(`route ${def.id}: no fixture for ${n}`);
      return [m[0], v] as const;
    }))).reduce((p, [k, v]) => p.replace(k, encodeURIComponent(v)), def.path);
  }

  it('staff still see the cost (so the walk below can fail)', async () => {
    const r = await call(app, 'get', `/api/v1/tenants/${A.tenant.id}/subscriptions`, { token: admin.token });
    expect(r.body.items[0].cost).to.equal('18.5');
    const u = await call(app, 'get', `/api/v1/tenants/${A.tenant.id}/usage-summaries/${A.ids.summaryId}`, { token: admin.token });
    expect(u.body.partnerTotal).to.equal('10.1');
  });

  it('no answer of any route a client may call holds a cost, margin or partner field or value', async () => {
    const routes = clientRoutes();
    expect(routes.map((r) => r.id)).to.include.members(['listSubscriptions', 'getSubscription', 'listUsageSummaries', 'getUsageSummary', 'listUsageLines',
      'getInvoice', 'renderInvoice', 'getRecurringInvoice', 'listMyLicensingCatalog', 'listMyLicensingSubscriptions']);
    const leaks: string[] = [];
    let answered = 0;
    // Writes last, so the reads see the seed as it is.
    for (const def of [...routes].sort((a, b) => Number(a.method !== 'get') - Number(b.method !== 'get'))) {
      if (def.id === 'logout' || def.id === 'changePassword') continue;
      const r: Reply = await call(app, def.method, await path(def), { token: client.token, body: def.body ? (def.example ?? {}) : undefined });
      if (r.status >= 500) leaks.push(`${def.id}: ${r.status}`);
      if (r.status < 300) answered++;
      for (const k of secretKeys(r.body)) leaks.push(`${def.id}: field ${k}`);
      if (SECRET_VALUE.test(r.text)) leaks.push(`${def.id}: value ${SECRET_VALUE.exec(r.text)![0]} in ${r.text.slice(0, 200)}`);
    }
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
    expect(answered).to.be.greaterThan(10);
  });

  it('the client still gets its subscriptions, usage and invoices (only the MSP\'s figures are left out)', async () => {
    const t = A.tenant.id;
    const s = await call(app, 'get', `/api/v1/tenants/${t}/subscriptions/${A.ids.subscriptionId}`, { token: client.token });
    expect(s.status).to.equal(200);
    expect(s.body).to.include({ id: A.ids.subscriptionId, quantity: '5', price: '22', currency: 'GBP' });
    expect(s.body).to.not.have.property('cost');
    const u = await call(app, 'get', `/api/v1/tenants/${t}/usage-summaries/${A.ids.summaryId}`, { token: client.token });
    expect(u.body).to.include({ currentCharges: '12.345' });
    expect(u.body.months).to.deep.equal([{ month: '2026-11', charges: '12.345' }]);
    const l = await call(app, 'get', `/api/v1/tenants/${t}/usage-summaries/${A.ids.summaryId}/lines`, { token: client.token });
    expect(l.body.items[0]).to.include({ charges: '12.345', unitPrice: '4.115' });
  });

  it('hides a field by default: one the allow-list does not name is left out, and a client route needs its allow-list', async () => {
    const admins = await call(app, 'get', `/api/v1/tenants/${A.tenant.id}/subscriptions/${A.ids.subscriptionId}`, { token: admin.token });
    const added = { ...admins.body, partnerPrice: '17.00', newField: 'x', openRequest: { id: 'r', cost: '1' } };
    const seen = clientView('getSubscription', added) as Record<string, unknown>;
    expect(seen).to.not.have.any.keys('cost', 'partnerPrice', 'newField', 'openRequest');
    expect(seen).to.include({ id: A.ids.subscriptionId, quantity: '5' });
    expect(() => defineRoute({
      id: 'probeClientRoute', method: 'get', path: '/tenants/:tenantId/probe-client-route', tag: 'x', summary: 'probe', roles: ['client'],
      customerScoped: true, params: tenantParams, response: z.object({ cost: z.string() }), handler: async () => ({ cost: '1' }),
    })).to.throw(/client view/);
    expect(allRoutes().map((r) => r.id)).to.not.include('probeClientRoute');
  });

  it('no page of the web app a client sees shows a cost or partner figure', async () => {
    const login = await fetch(`${app.url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: client.email, password: client.password, next: '/' }).toString(),
    });
    expect(login.status).to.equal(303);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const t = A.tenant.id;
    const pages = [`/t/${t}/subscriptions`, `/t/${t}/usage`, `/t/${t}/usage/${A.ids.summaryId}`, `/t/${t}/invoices`, `/t/${t}/invoices/${A.ids.invoiceId}`,
      `/t/${t}/recurring-invoices`, `/t/${t}/recurring-invoices/${A.ids.recurringInvoiceId}`, `/t/${t}/licensing/my`];
    const leaks: string[] = [];
    for (const p of pages) {
      const res = await fetch(app.url + p, { headers: { cookie }, redirect: 'manual' });
      const html = await res.text();
      if (res.status !== 200) { leaks.push(`${p}: ${res.status}`); continue; }
      const text = html.replace(/<[^>]+>/g, ' ');
      if (/\bcost\b|partner total|margin/i.test(text)) leaks.push(`${p}: ${/\bcost\b|partner total|margin/i.exec(text)![0]}`);
      if (SECRET_VALUE.test(text)) leaks.push(`${p}: value ${SECRET_VALUE.exec(text)![0]}`);
    }
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
  });
});
