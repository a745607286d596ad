import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Subscription } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from './support.js';

/** Issue 22, point 1: a change Pax8 is still provisioning is shown to the admin and the client (API field and page). */
describe('http: a pending quantity change is shown beside the billed quantity', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let client: TestUser;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'pending-quantity');
    admin = await addUser(app, 'admin');
    client = await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId! });
    await app.ds.manager.update(Subscription, { id: A.ids.subscriptionId }, {
      quantity: new Decimal(5), pendingQuantity: new Decimal(8), pendingStatus: 'PendingManual', pendingSince: new Date('2026-11-15T10:00:00Z'),
    });
  });
  after(async () => { await app?.close(); });

  it('answers pendingQuantity and pendingStatus beside the billed quantity, to staff and to the client', async () => {
    for (const u of [admin, client]) {
      const r = await call(app, 'GET', `/api/v1/tenants/${A.tenant.id}/subscriptions/${A.ids.subscriptionId}`, { token: u.token });
      expect(r.status, u.role).to.equal(200);
      expect(r.body, u.role).to.include({ quantity: '5', pendingQuantity: '8', pendingStatus: 'PendingManual', pendingSince: '2026-11-15T10:00:00.000Z' });
    }
  });

  it('shows the pending change on the subscriptions page', async () => {
    for (const u of [admin, client]) {
      const login = await fetch(`${app.url}/login`, {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: u.email, password: u.password, next: '/' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/login` },
      });
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const res = await fetch(`${app.url}/t/${A.tenant.id}/subscriptions`, { headers: { cookie } });
      expect(res.status, u.role).to.equal(200);
      const html = await res.text();
      expect(html, u.role).to.match(/→ 8 pending/);
      expect(html, u.role).to.include('Pending manual in Pax8');
    }
  });
});
