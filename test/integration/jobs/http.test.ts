import { expect } from 'chai';
import { Customer, ImportRun, Subscription, Tenant } from '../../../src/db/entities/index.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { insertTenant } from '../../support/database.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { waitFor } from './helpers.js';

/**
 * "Sync now" over the API: POST /api/v1/tenants/:tenantId/sync queues through the scheduler (a route of the registry,
 * so the route matrix, the OpenAPI test and the API fuzz suite cover it too); POST .../imports/preview runs a dry run
 * at once; a real import has no other way in over HTTP.
 */
describe(`jobs: sync now over the API (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);
  let sandbox: RunningSandbox;

  before(async () => {
    sandbox = await startTestSandbox({ seed: 5, companies: 4, subscriptions: 8, usageSummaries: 0 });
  });
  after(async () => { await sandbox?.close(); });

  const connect = async (app: TestApp, name: string) => (await createTestTenant(app.ds, app.rt.secrets, sandbox, { name })).tenant;

  describe('in a process that runs no jobs (queue only)', () => {
    let app: TestApp;
    let admin: TestUser;
    let tenant: Tenant;
    before(async () => {
      app = await startApp();
      admin = await addUser(app, 'admin');
      tenant = await connect(app, 'queued');
    });
    after(async () => { await app?.close(); });

    it('queues one job per entity (202), lists them as jobs, and refuses the same sync while it waits (409 sync_running)', async () => {
      const first = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['customers', 'usage'] } });
      expect(first.status, first.text).to.equal(202);
      expect(first.body.tenant).to.equal('queued');
      expect(first.body.jobs.map((j: { entity: string }) => j.entity)).to.deep.equal(['customers', 'usage']);

      const jobs = await call(app, 'get', `/api/v1/tenants/${tenant.id}/jobs`, { token: admin.token });
      const queued = (jobs.body.items as Array<{ id: string; name: string; trigger: string; startedBy: string; scheduled: boolean }>).filter((j) => !j.scheduled);
      expect(queued.map((j) => j.id).sort()).to.deep.equal(first.body.jobs.map((j: { jobId: string }) => j.jobId).sort());
      expect(queued[0]).to.include({ trigger: 'http', startedBy: admin.email });

      const again = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['usage'] } });
      expect(again.status).to.equal(409);
      expect(again.body.error).to.include({ code: 'sync_running' });
      expect(again.body.error.message).to.include('already running or queued');
      expect(again.body.error.requestId).to.be.a('string');
      // The default is every entity: usage is still waiting, so nothing is queued.
      const all = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: {} });
      expect(all.status).to.equal(409);
      // Nothing runs here: the jobs wait in the database for a process that runs the scheduler.
      expect(await app.ds.manager.countBy(ImportRun, { tenantId: tenant.id })).to.equal(0);
    });

    it('checks the body, the role, the tenant and the CSRF token like every API route', async () => {
      const bad = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['nope'] } });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal('validation_failed');
      expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: [] } })).status).to.equal(400);
      expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { customers: [] } })).status).to.equal(400);

      const finance = await addUser(app, 'finance');
      expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: finance.token, body: {} })).body.error.code).to.equal('forbidden');
      expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { body: {} })).status).to.equal(401);

      const own = await insertTenant(app.ds, 'own-tenant');
      const bound = await addUser(app, 'admin', { tenant: own, label: 'bound-admin' });
      const foreign = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: bound.token, body: { entities: ['products'] } });
      expect(foreign.status, 'another tenant').to.equal(404);
      expect(foreign.body.error.code).to.equal('not_found');
      expect((await call(app, 'post', `/api/v1/tenants/${own.id}/sync`, { token: bound.token, body: { entities: ['products'] } })).status, 'its own tenant').to.equal(202);

      const login = await call(app, 'post', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const other = await insertTenant(app.ds, 'csrf-tenant');
      const noCsrf = await call(app, 'post', `/api/v1/tenants/${other.id}/sync`, { cookie, body: {} });
      expect(noCsrf.status).to.equal(403);
      expect(noCsrf.body.error.code).to.equal('csrf');
      expect((await call(app, 'post', `/api/v1/tenants/${other.id}/sync`, { cookie, csrf: login.body.csrfToken, body: {} })).status).to.equal(202);
    });

    it('refuses a disabled tenant politely (409 tenant_disabled)', async () => {
      const off = await insertTenant(app.ds, 'switched-off');
      await app.ds.manager.update(Tenant, { id: off.id }, { enabled: false });
      const r = await call(app, 'post', `/api/v1/tenants/${off.id}/sync`, { token: admin.token, body: {} });
      expect(r.status).to.equal(409);
      expect(r.body.error).to.include({ code: 'tenant_disabled' });
      expect(r.body.error.message).to.include('disabled');
    });

    it('previews an import at once (dry run) without writing data, and has no other inline import', async () => {
      const preview = await call(app, 'post', `/api/v1/tenants/${tenant.id}/imports/preview`, { token: admin.token, body: { entities: ['customers', 'products', 'subscriptions'] } });
      expect(preview.status, preview.text).to.equal(200);
      expect(preview.body).to.include({ dryRun: true, trigger: 'http' });
      expect(preview.body.status).to.be.oneOf(['succeeded', 'partial']);
      expect(await app.ds.manager.countBy(Customer, { tenantId: tenant.id })).to.equal(0);
      expect(await app.ds.manager.countBy(Subscription, { tenantId: tenant.id })).to.equal(0);
      const run = await call(app, 'get', `/api/v1/tenants/${tenant.id}/import-runs/${preview.body.id}`, { token: admin.token });
      expect(run.status).to.equal(200);
      expect(run.body.dryRun).to.equal(true);

      expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/imports/preview`, { token: admin.token, body: { dryRun: false } })).status).to.equal(400);
      const inline = await call(app, 'post', `/api/v1/tenants/${tenant.id}/imports`, { token: admin.token, body: {} });
      expect(inline.status).to.equal(404);
      // The old handler outside the registry is gone too.
      expect((await call(app, 'post', `/api/tenants/${tenant.id}/sync`, { token: admin.token, body: {} })).status).to.equal(404);
    });
  });

  describe('in a process that runs the scheduler', () => {
    let app: TestApp;
    let admin: TestUser;
    before(async () => {
      app = await startApp({}, { scheduler: true });
      admin = await addUser(app, 'admin');
    });
    after(async () => { await app?.close(); });

    it('runs the queued sync: one import run per job, linked to it, started by the caller', async () => {
      const tenant = await connect(app, 'running');
      const r = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['customers'] } });
      expect(r.status, r.text).to.equal(202);
      const jobId = r.body.jobs[0].jobId as string;
      const run = await waitFor(async () => {
        const found = await app.ds.manager.findOneBy(ImportRun, { tenantId: tenant.id, jobId });
        return found && found.status !== 'running' ? found : null;
      }, 'the import run', 60_000);
      expect(run).to.include({ status: 'succeeded', trigger: 'http', startedBy: admin.email, entities: 'customers', dryRun: false });
      expect(await app.ds.manager.countBy(Customer, { tenantId: tenant.id })).to.be.greaterThan(0);
      // Once it has run, the same sync may be queued again.
      await waitFor(async () => !(await app.scheduler!.isSyncActive(tenant.id, 'customers')), 'the job to finish');
      expect((await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['customers'] } })).status).to.equal(202);
    });
  });
});
