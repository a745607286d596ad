import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Customer, RecurringInvoice } from '../../../src/db/entities/index.js';
import type { Role } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from './support.js';

/** GET and PATCH /tenants/{t}/customers/{id}: the automatic-line settings, the Pax8 link, roles and tenant isolation. */
describe('http: one customer (GET, PATCH of its automatic-line settings)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let a: SeededTenant;
  let b: SeededTenant;
  let annualId: string;
  let quarterlyId: string;
  const path = (t: SeededTenant, customerId = t.ids.customerId!) => `/api/v1/tenants/${t.tenant.id}/customers/${customerId}`;

  before(async () => {
    app = await startApp({ pax8: { ...((await import('../../../src/config/index.js')).loadConfig({ RECURRA_ENV: 'test' }).pax8), portalCompanyUrl: 'https://portal.example/c/{companyId}' } });
    a = await seedTenant(app.ds, 'acme');
    b = await seedTenant(app.ds, 'globex');
    const ri = (frequency: 'annual' | 'quarterly') => ({
      id: randomUUID(), tenantId: a.tenant.id, customerId: a.ids.customerId!, name: `${frequency} services`, frequency, anchorDay: 1, anchorMonth: 1,
      startDate: '2026-01-01', currency: 'GBP', taxRate: new Decimal('0'), status: 'active' as const, nextInvoiceDate: '2026-01-01',
      createdAt: new Date(), updatedAt: new Date(),
    });
    const annual = ri('annual');
    const quarterly = ri('quarterly');
    await app.ds.manager.insert(RecurringInvoice, [annual, quarterly]);
    annualId = annual.id;
    quarterlyId = quarterly.id;
  });
  after(async () => {
    await app?.close();
  });

  const user = (role: Role, opts: Parameters<typeof addUser>[2] = {}) => addUser(app, role, { tenant: a.tenant, ...opts });

  it('GET answers the settings, the Pax8 company and the Open-in-Pax8 link', async () => {
    const finance = await user('finance');
    const r = await call(app, 'get', path(a), { token: finance.token });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({
      id: a.ids.customerId, pax8CompanyId: a.ids.pax8CompanyId, pax8PortalUrl: `https://portal.example/c/${a.ids.pax8CompanyId}`,
      monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
    });
    const unmapped = await call(app, 'get', path(a, a.otherCustomer.customerId), { token: finance.token });
    expect(unmapped.body).to.include({ pax8CompanyId: null, pax8PortalUrl: null });
  });

  it('PATCH sets the monthly and annual recurring invoice and "no automatic lines", and clears them with null', async () => {
    const admin = await user('admin');
    const r = await call(app, 'patch', path(a), {
      token: admin.token, body: { monthlyRecurringInvoiceId: a.ids.recurringInvoiceId, annualRecurringInvoiceId: annualId, noAutomaticInvoiceLines: true },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.include({ monthlyRecurringInvoiceId: a.ids.recurringInvoiceId, annualRecurringInvoiceId: annualId, noAutomaticInvoiceLines: true });
    const stored = await app.ds.manager.findOneBy(Customer, { id: a.ids.customerId! });
    expect(stored).to.include({ monthlyRecurringInvoiceId: a.ids.recurringInvoiceId, annualRecurringInvoiceId: annualId, noAutomaticInvoiceLines: true });
    const cleared = await call(app, 'patch', path(a), { token: admin.token, body: { annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false } });
    expect(cleared.status).to.equal(200);
    expect(cleared.body).to.include({ monthlyRecurringInvoiceId: a.ids.recurringInvoiceId, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false });
  });

  it('refuses, with a clear 400 naming the field, another customer\'s recurring invoice, the wrong frequency, another tenant\'s', async () => {
    const finance = await user('finance');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ monthlyRecurringInvoiceId: a.otherCustomer.recurringInvoiceId }, 'body.monthlyRecurringInvoiceId', /belongs to another customer/],
      [{ monthlyRecurringInvoiceId: annualId }, 'body.monthlyRecurringInvoiceId', /is annual; the monthly recurring invoice for automatic lines must be monthly/],
      [{ annualRecurringInvoiceId: a.ids.recurringInvoiceId }, 'body.annualRecurringInvoiceId', /is monthly; the annual .* must be annual/],
      [{ annualRecurringInvoiceId: quarterlyId }, 'body.annualRecurringInvoiceId', /is quarterly/],
      [{ monthlyRecurringInvoiceId: b.ids.recurringInvoiceId }, 'body.monthlyRecurringInvoiceId', /no recurring invoice .* in this tenant/],
      [{ noAutomaticInvoiceLines: 'yes' }, 'body.noAutomaticInvoiceLines', /./],
      [{ name: 'Renamed' }, 'body', /name/],
      [{}, 'body', /at least one setting/],
    ];
    const before = await app.ds.manager.findOneBy(Customer, { id: a.ids.customerId! });
    for (const [body, field, message] of cases) {
      const r = await call(app, 'patch', path(a), { token: finance.token, body });
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.code).to.equal('validation_failed');
      expect(r.body.error.fields.map((f: { path: string }) => f.path), JSON.stringify(body)).to.include(field);
      expect(r.body.error.message, JSON.stringify(body)).to.match(message);
    }
    const after = await app.ds.manager.findOneBy(Customer, { id: a.ids.customerId! });
    expect(after).to.deep.equal(before);
  });

  it('roles and tenants: admin and finance may PATCH; reviewer and client may not; a client sees only its own customer; other tenants answer 404', async () => {
    const users: Record<string, TestUser> = {
      admin: await user('admin'),
      finance: await user('finance'),
      reviewer: await user('reviewer'),
      client: await user('client', { customerId: a.ids.customerId! }),
      otherTenantFinance: await addUser(app, 'finance', { tenant: b.tenant }),
    };
    const body = { noAutomaticInvoiceLines: true };
    // [user, method, customer path, expected status]
    const matrix: [string, 'get' | 'patch', string, number][] = [
      ['admin', 'get', path(a), 200], ['admin', 'patch', path(a), 200],
      ['finance', 'get', path(a), 200], ['finance', 'patch', path(a), 200],
      ['reviewer', 'get', path(a), 200], ['reviewer', 'patch', path(a), 403],
      ['client', 'get', path(a), 200], ['client', 'patch', path(a), 403],
      ['client', 'get', path(a, a.otherCustomer.customerId), 404], ['client', 'patch', path(a, a.otherCustomer.customerId), 403],
      ['otherTenantFinance', 'get', path(a), 404], ['otherTenantFinance', 'patch', path(a), 404],
      ['finance', 'get', path(a, b.ids.customerId), 404], ['finance', 'patch', path(a, b.ids.customerId), 404],
      ['finance', 'patch', path(a, randomUUID()), 404],
    ];
    const before = await app.ds.manager.findOneBy(Customer, { id: b.ids.customerId! });
    for (const [who, method, p, status] of matrix) {
      const r = await call(app, method, p, { token: users[who]!.token, ...(method === 'patch' ? { body } : {}) });
      expect(r.status, `${who} ${method} ${p}: ${r.text}`).to.equal(status);
    }
    expect(await app.ds.manager.findOneBy(Customer, { id: b.ids.customerId! })).to.deep.equal(before);
    // A client reads its own customer without the MSP's Pax8 details (the client allow-list).
    const own = await call(app, 'get', path(a), { token: users.client!.token });
    expect(own.body.id).to.equal(a.ids.customerId);
    expect(own.body).to.not.have.property('pax8PortalUrl');
  });

  it('web: the customer page shows Open in Pax8 and saves the settings (finance); a client sees its own page without the form', async () => {
    const finance = await user('finance');
    const jar = new Map<string, string>();
    const send = async (p: string, form?: Record<string, string>) => {
      const res = await fetch(app.url + p, {
        method: form ? 'POST' : 'GET', redirect: 'manual', body: form ? new URLSearchParams(form).toString() : undefined,
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), referer: app.url + p.replace(/\/settings$/, ''), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(';')[0]!;
        const i = pair.indexOf('=');
        if (i > 0 && pair.length > i + 1) jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return { status: res.status, location: res.headers.get('location'), html: await res.text() };
    };
    await send('/login', { email: finance.email, password: finance.password, next: '/' });
    const pagePath = `/t/${a.tenant.id}/customers/${a.ids.customerId}`;
    const page = await send(pagePath);
    expect(page.status).to.equal(200);
    expect(page.html).to.contain(`href="https://portal.example/c/${a.ids.pax8CompanyId}"`).and.contain('id="customer-settings"');
    expect(page.html).to.not.contain('<b>Ltd</b>'); // the seeded name "Contoso <b>Ltd</b>" is escaped
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const saved = await send(`${pagePath}/settings`, { _csrf: csrf, monthlyRecurringInvoiceId: a.ids.recurringInvoiceId!, annualRecurringInvoiceId: annualId, noAutomaticInvoiceLines: 'on' });
    expect(saved.status).to.equal(303);
    expect(await app.ds.manager.findOneBy(Customer, { id: a.ids.customerId! }))
      .to.include({ monthlyRecurringInvoiceId: a.ids.recurringInvoiceId, annualRecurringInvoiceId: annualId, noAutomaticInvoiceLines: true });
    const wrong = await send(`${pagePath}/settings`, { _csrf: csrf, monthlyRecurringInvoiceId: annualId });
    const shown = await send(wrong.location!);
    expect(shown.html).to.contain('must be monthly');

    const client = await user('client', { customerId: a.ids.customerId! });
    jar.clear();
    await send('/login', { email: client.email, password: client.password, next: '/' });
    const own = await send(pagePath);
    expect(own.status).to.equal(200);
    expect(own.html).to.not.contain('customer-settings').and.not.contain('portal.example');
    expect((await send(`/t/${a.tenant.id}/customers/${a.otherCustomer.customerId}`)).status).to.equal(404);
  });
});
