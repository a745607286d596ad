import { expect } from 'chai';
import sinon from 'sinon';
import type { DataSource } from 'typeorm';
import { CustomerMapping, ImportRun, Subscription, Tenant } from '../../../src/db/entities/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { Scheduler, syncJobName } from '../../../src/jobs/scheduler.js';
import { clearJobHandlers, registerJobHandlers, type JobContext } from '../../../src/jobs/handlers.js';
import { runImport } from '../../../src/imports/run-import.js';
import { createCustomer } from '../../../src/customers/service.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { nextScheduledRun } from '../../../src/tenants/sync-schedule.js';
import { TenantService } from '../../../src/tenants/service.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';
import { jobsTestTarget } from './db.js';
import { waitFor } from './helpers.js';

const DB = process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite';

/** Issue 23: which entities the regular sync runs and when, and whose subscriptions a sync imports. */
describe(`jobs: sync choices (${DB})`, function () {
  this.timeout(120_000);

  describe('the scheduler honours the tenant\'s schedule settings', () => {
    let ds: DataSource;
    let scheduler: Scheduler;
    let tenants: TenantService;
    before(async () => {
      ds = await freshDatabase(jobsTestTarget());
      tenants = new TenantService(ds, testSecretBox());
    });
    after(async () => {
      await scheduler?.stop();
      clearJobHandlers();
      await ds?.destroy();
    });
    const scheduledJobs = async (tenantId: string) => (await scheduler.repository.queryJobs({ data: { tenantId, scheduled: true } })).jobs;

    it('an entity left out of the regular sync has no recurring job, can still be synced now (with chosen customers), and comes back', async () => {
      const seen: Array<{ entity: string; customers?: readonly string[] }> = [];
      registerJobHandlers({ syncEntity: async (_t, entity, ctx: JobContext) => { seen.push({ entity, customers: ctx.customers }); return {}; } });
      scheduler = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 2, retry: { retries: 0, delayMs: 10 }, syncOrderWaitMs: 50 });
      await scheduler.repository.purgeAllJobs();
      await scheduler.start();
      const t = await tenants.create({ name: 'choosy', clientId: 'c', clientSecret: 's', timeZone: 'Europe/Berlin' });
      expect((await scheduledJobs(t.id)).map((j) => j.name)).to.include(syncJobName('products'));

      await tenants.updateSettings(t.id, { imports: { scheduledEntities: 'customers,subscriptions,usage' } });
      const names = (await scheduledJobs(t.id)).map((j) => j.name);
      expect(names).to.not.include(syncJobName('products'));
      expect(names).to.include.members([syncJobName('customers'), syncJobName('subscriptions'), syncJobName('usage'), 'billing:daily', 'reconcile:month']);
      // A periodic reconcile (another process's view) does not bring it back.
      await scheduler.reconcileAll();
      expect((await scheduledJobs(t.id)).map((j) => j.name)).to.not.include(syncJobName('products'));

      const [queued] = await scheduler.syncNow('choosy', ['products'], 'cli', 'tester', { customers: ['00000000-0000-4000-8000-000000000001'] });
      await waitFor(async () => ds.manager.findOneBy(ImportRun, { tenantId: t.id, jobId: queued!.jobId }), 'the sync-now run of the unscheduled entity');
      expect(seen).to.deep.equal([{ entity: 'products', customers: ['00000000-0000-4000-8000-000000000001'] }]);

      await tenants.updateSettings(t.id, { imports: { scheduledEntities: ['customers', 'products', 'subscriptions', 'usage'] } });
      expect((await scheduledJobs(t.id)).find((j) => j.name === syncJobName('products'))?.repeatInterval).to.equal('0 3 * * *');
    });

    it('under a moved clock, the entities left in the schedule run when their (changed) schedule comes due, the left-out one never', async () => {
      // The process clock (Date only; timers stay real) set to Monday 4 January 2027, 02:58:30 in Berlin.
      const clock = sinon.useFakeTimers({ now: new Date('2027-01-04T01:58:30Z'), toFake: ['Date'], shouldAdvanceTime: true });
      try {
        await scheduler.stop();
        clearJobHandlers();
        const ran: Array<{ tenantId: string; entity: string }> = [];
        registerJobHandlers({ syncEntity: async (tenantId, entity) => { ran.push({ tenantId, entity }); return {}; } });
        scheduler = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4, retry: { retries: 0, delayMs: 10 }, syncOrderWaitMs: 50 });
        await scheduler.repository.purgeAllJobs();
        const t = await tenants.create({ name: 'clocked', clientId: 'c', clientSecret: 's', timeZone: 'Europe/Berlin' });
        await tenants.updateSettings(t.id, {
          imports: { scheduledEntities: ['customers', 'subscriptions', 'usage'] },
          // customers moved from every 4 hours to 03:00; products (left out) keeps its 03:00; subscriptions moved to 05:00.
          schedule: { customers: '0 3 * * *', subscriptions: '0 5 * * *' },
        });
        await scheduler.start();
        const jobs = await scheduledJobs(t.id);
        expect(jobs.find((j) => j.name === syncJobName('customers'))!.nextRunAt!.toISOString()).to.equal('2027-01-04T02:00:00.000Z');
        expect(jobs.find((j) => j.name === syncJobName('subscriptions'))!.nextRunAt!.toISOString()).to.equal('2027-01-04T04:00:00.000Z');
        expect(jobs.map((j) => j.name)).to.not.include(syncJobName('products'));
        clock.setSystemTime(new Date('2027-01-04T02:00:05Z')); // 03:00:05 in Berlin: customers (and products, were it scheduled) due
        const ranHere = () => ran.filter((r) => r.tenantId === t.id).map((r) => r.entity);
        await waitFor(() => ranHere().includes('customers'), 'the customers sync at 03:00');
        await new Promise((r) => setTimeout(r, 500));
        expect(ranHere()).to.deep.equal(['customers']);
      } finally {
        clock.restore();
      }
    });

    it('a changed schedule moves the job\'s next run (computed as for any clock), and an invalid one is refused', async () => {
      const t = await tenants.create({ name: 'weekly', clientId: 'c', clientSecret: 's', timeZone: 'America/New_York' });
      await tenants.updateSettings(t.id, { schedule: { usage: '30 5 * * 2' } });
      const job = (await scheduledJobs(t.id)).find((j) => j.name === syncJobName('usage'))!;
      expect(job.repeatInterval).to.equal('30 5 * * 2');
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', weekday: 'long', hour: '2-digit', minute: '2-digit' }).format(job.nextRunAt!);
      expect(local).to.equal('Tuesday 05:30');
      // The page's "next run" is the same instant Agenda computes.
      expect(nextScheduledRun('30 5 * * 2', 'America/New_York', new Date(job.nextRunAt!.getTime() - 60_000)).getTime()).to.equal(job.nextRunAt!.getTime());

      for (const bad of ['61 * * * *', '0 3 * *', 'every day']) {
        let err: unknown;
        try { await tenants.updateSettings(t.id, { schedule: { usage: bad } }); } catch (e) { err = e; }
        expect((err as Error)?.message, bad).to.match(/schedule\.usage/);
      }
      expect((await scheduledJobs(t.id)).find((j) => j.name === syncJobName('usage'))!.repeatInterval).to.equal('30 5 * * 2');
    });
  });

  describe('sync with chosen customers imports only their subscriptions', () => {
    let sandbox: RunningSandbox;
    let app: TestApp;
    let admin: TestUser;
    let tenant: Tenant;
    before(async () => {
      sandbox = await startTestSandbox({ seed: 5, companies: 8, subscriptions: 40, usageSummaries: 0 });
      app = await startApp({}, { scheduler: true });
      admin = await addUser(app, 'admin');
      tenant = (await createTestTenant(app.ds, app.rt.secrets, sandbox, { name: 'chosen' })).tenant;
      await runImport({ ds: app.ds, secrets: app.rt.secrets }, { tenantId: tenant.id, entities: 'customers', trigger: 'cli', startedBy: 'test', client: { rateLimitPerMinute: null } });
    });
    after(async () => {
      await app?.close();
      await sandbox?.close();
    });
    const companiesOfSubscriptions = async () => new Set((await app.ds.manager.findBy(Subscription, { tenantId: tenant.id })).map((s) => s.pax8CompanyId));
    /** Mapped customers whose company has subscriptions in Pax8. */
    const withSubscriptions = async () => (await app.ds.manager.findBy(CustomerMapping, { tenantId: tenant.id }))
      .filter((m) => sandbox.data.subscriptions.some((s) => s.companyId === m.pax8CompanyId));

    it('POST /sync {entities, customers}: only those customers\' subscriptions; an unmapped or foreign customer is refused (400)', async () => {
      const mapped = await withSubscriptions();
      expect(mapped.length).to.be.greaterThan(3);
      const chosen = mapped.slice(0, 2);
      const r = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['subscriptions'], customers: chosen.map((m) => m.customerId) } });
      expect(r.status, r.text).to.equal(202);
      expect(r.body.customers).to.deep.equal(chosen.map((m) => m.customerId));
      const run = await waitFor(async () => {
        const found = await app.ds.manager.findOneBy(ImportRun, { tenantId: tenant.id, jobId: r.body.jobs[0].jobId });
        return found && found.status !== 'running' ? found : null;
      }, 'the sync', 60_000);
      expect(run.status).to.equal('succeeded');
      expect(await companiesOfSubscriptions()).to.deep.equal(new Set(chosen.map((m) => m.pax8CompanyId)));

      const bad = await call(app, 'post', `/api/v1/tenants/${tenant.id}/sync`, { token: admin.token, body: { entities: ['subscriptions'], customers: ['00000000-0000-4000-8000-00000000dead'] } });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.fields[0].path).to.equal('body.customers');
    });

    it('the tenant\'s imports.subscriptionCustomers limits the syncs that name no customers', async () => {
      const mapped = await withSubscriptions();
      const one = mapped[2]!;
      const set = await call(app, 'patch', `/api/v1/tenants/${tenant.id}/settings`, { token: admin.token, body: { imports: { subscriptionCustomers: [one.customerId] } } });
      expect(set.status, set.text).to.equal(200);
      const before = await companiesOfSubscriptions();
      await runImport({ ds: app.ds, secrets: app.rt.secrets }, { tenantId: tenant.id, entities: 'subscriptions', trigger: 'cli', startedBy: 'test', client: { rateLimitPerMinute: null } });
      expect(await companiesOfSubscriptions()).to.deep.equal(new Set([...before, one.pax8CompanyId]));
      const foreign = await call(app, 'patch', `/api/v1/tenants/${tenant.id}/settings`, { token: admin.token, body: { imports: { subscriptionCustomers: ['00000000-0000-4000-8000-00000000dead'] } } });
      expect(foreign.status).to.equal(400);
    });
  });
});

describe(`web: the Integration page's sync choices (${DB})`, function () {
  this.timeout(120_000);
  let app: TestApp;
  after(async () => { await app?.close(); });

  it('saves the regular sync (entities, schedules in words) and the customer choice, and shows them back', async () => {
    app = await startApp();
    const admin = await addUser(app, 'admin');
    const tenants = new TenantService(app.ds, app.rt.secrets);
    const tenant = await tenants.create({ name: 'webby', clientId: 'c', clientSecret: 's', timeZone: 'Europe/Paris' });
    // The tenant's recurring jobs, as a worker creates them (the Jobs table lists them).
    await new Scheduler({ ds: app.ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 1000, maxConcurrency: 1 }).reconcileTenant(tenant.id);
    const jar = new Map<string, string>();
    const send = async (path: string, form?: Array<[string, string]>) => {
      const res = await fetch(app.url + path, {
        method: form ? 'POST' : 'GET', redirect: 'manual', body: form ? new URLSearchParams(form).toString() : undefined,
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), referer: `${app.url}/t/${tenant.id}/integration`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(';')[0]!;
        const i = pair.indexOf('=');
        if (i > 0 && pair.length > i + 1) jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return { status: res.status, location: res.headers.get('location') ?? '', html: await res.text() };
    };
    await send('/login', [['email', admin.email], ['password', admin.password], ['next', '/']]);
    const first = await send(`/t/${tenant.id}/integration`);
    expect(first.status).to.equal(200);
    expect(first.html).to.include('every 4 hours (from midnight), on the hour');
    expect(first.html).to.include('every day at 03:00');
    expect(first.html, 'no cron is shown for the simple schedules').to.not.match(/>0 \*\/4 \* \* \*</);
    expect(first.html, 'the Jobs table says the schedule in words').to.include('<span title="0 */4 * * *">every 4 hours (from midnight), on the hour</span>');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(first.html)![1]!;

    const row = (key: string, kind: string, extra: Record<string, string>, scheduled = true): Array<[string, string]> => [
      ...(scheduled && key !== 'billing' ? [[`${key}.scheduled`, 'on'] as [string, string]] : []),
      [`${key}.kind`, kind], ...Object.entries(extra).map(([k, v]) => [`${key}.${k}`, v] as [string, string]),
    ];
    const saved = await send(`/t/${tenant.id}/integration/schedule`, [
      ['_csrf', csrf],
      ...row('customers', 'daily', { at: '06:15' }),
      ...row('products', 'weekly', { at: '02:00', weekday: '0' }, false),
      ...row('subscriptions', 'hours', { everyHours: '2', minute: '30' }),
      ...row('usage', 'cron', { cron: '0 5 1 * *' }),
      ...row('billing', 'daily', { at: '00:45' }),
    ]);
    expect(saved.status).to.equal(303);
    expect(new URL(saved.location, app.url).searchParams.get('notice')).to.include('Not in the regular sync (sync now only): products');
    const settings = (await tenants.byId(tenant.id)).settingsJson;
    expect(JSON.parse(settings).schedule).to.deep.equal({ customers: '15 6 * * *', products: '0 2 * * 0', subscriptions: '30 */2 * * *', usage: '0 5 1 * *', billing: '45 0 * * *' });
    expect(JSON.parse(settings).imports.scheduledEntities).to.deep.equal(['customers', 'subscriptions', 'usage']);

    const shown = (await send(`/t/${tenant.id}/integration`)).html;
    expect(shown).to.include('every day at 06:15');
    expect(shown).to.include('every Sunday at 02:00');
    expect(shown).to.include('every 2 hours (from midnight), at 30 past the hour');
    expect(shown).to.include('at 05:00, on day 1 of the month');
    expect(shown).to.match(/name="products\.scheduled" aria-label="[^"]*" >/);
    expect(shown).to.match(/name="customers\.scheduled" aria-label="[^"]*" checked>/);

    const incomplete = await send(`/t/${tenant.id}/integration/schedule`, [['_csrf', csrf], ...row('customers', 'daily', { at: '25:00' })]);
    expect(incomplete.status).to.equal(303);
    expect(new URL(incomplete.location, app.url).searchParams.get('form'), 'a refused form comes back filled in').to.be.a('string');
    const refused = (await send(new URL(incomplete.location, app.url).pathname + new URL(incomplete.location, app.url).search)).html;
    expect(refused).to.match(/Customers: a time of day/);
    expect(refused, 'what was typed is kept').to.include('value="25:00"');

    // Whose subscriptions the syncs import.
    const customerId = (await createCustomer(new TenantScope(app.ds.manager, tenant.id), { name: 'Chosen & Co' })).id;
    const chose = await send(`/t/${tenant.id}/integration/subscription-customers`, [['_csrf', csrf], ['which', 'chosen'], ['customers', customerId]]);
    expect(chose.status).to.equal(303);
    expect(JSON.parse((await tenants.byId(tenant.id)).settingsJson).imports.subscriptionCustomers).to.deep.equal([customerId]);
    expect((await send(`/t/${tenant.id}/integration`)).html).to.include(`<option value="${customerId}" selected>Chosen &amp; Co</option>`);
    await send(`/t/${tenant.id}/integration/subscription-customers`, [['_csrf', csrf], ['which', 'all']]);
    expect(JSON.parse((await tenants.byId(tenant.id)).settingsJson).imports.subscriptionCustomers).to.equal(null);
  });
});
