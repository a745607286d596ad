import { expect } from 'chai';
import { ImportRun, Tenant } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp, type TestUser } from './support.js';

/** Every staff role's dashboard says when the last sync ran (issue 24: finance read "never" while the admin's showed the time). */
describe('http: the dashboard\'s last sync for every staff role', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'dashboard-last-sync');
    await app.ds.manager.update(Tenant, { id: A.tenant.id }, { timeZone: 'Europe/London' });
    await app.ds.manager.update(ImportRun, { id: A.ids.runId! }, { startedAt: new Date('2026-12-01T06:12:00Z'), finishedAt: new Date('2026-12-01T06:13:00Z') });
  });
  after(async () => { await app?.close(); });

  const lastSyncCell = async (u: TestUser) => {
    const cookie = await webSessionCookie(app.url, u);
    const html = await (await fetch(`${app.url}/`, { headers: { cookie } })).text();
    const row = html.split('</thead>')[1]!.split('</tr>')[0]!;
    return [...row.matchAll(/<td>([\s\S]*?)<\/td>/g)][1]![1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
  };

  it('finance, who may not open the import history, sees the time and outcome of the last sync too', async () => {
    const admin = await lastSyncCell(await addUser(app, 'admin', { tenant: A.tenant }));
    const finance = await lastSyncCell(await addUser(app, 'finance', { tenant: A.tenant }));
    expect(admin).to.equal('1 Dec 2026, 06:12 Europe/London partial');
    expect(finance).to.equal(admin);
    expect(await lastSyncCell(await addUser(app, 'reviewer', { tenant: A.tenant }))).to.equal(admin);
  });
});
