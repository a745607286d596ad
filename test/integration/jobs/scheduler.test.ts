import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { freshDatabase, insertTenant, testSecretBox } from '../../support/database.js';
import { createLogger } from '../../../src/logging/logger.js';
import { ImportRun, Tenant } from '../../../src/db/entities/index.js';
import { TenantService } from '../../../src/tenants/service.js';
import {
  BILLING_JOB, RECONCILE_JOB, Scheduler, SyncAlreadyRunningError, SyncRefusedError, syncJobName,
} from '../../../src/jobs/scheduler.js';
import { clearJobHandlers, registerJobHandlers } from '../../../src/jobs/handlers.js';
import { clockFrom } from '../../../src/common/clock.js';
import { jobsTestTarget } from './db.js';
import { eventsSeen, sleep, waitFor } from './helpers.js';

const logger = createLogger('silent');

describe(`jobs: scheduler (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, () => {
  let ds: DataSource;
  let scheduler: Scheduler;
  let tenants: TenantService;

  const newScheduler = (over: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) =>
    new Scheduler({
      ds, logger, lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4,
      retry: { retries: 2, delayMs: 30 }, reconcileEveryMs: 3_600_000, drainTimeoutMs: 10_000, syncOrderWaitMs: 50, ...over,
    });
  const createTenant = (name: string, extra: Record<string, unknown> = {}) =>
    tenants.create({ name, clientId: 'client', clientSecret: 'secret', ...extra });
  const jobsOf = async (tenantId: string) =>
    (await scheduler.repository.queryJobs({ data: { tenantId }, sort: { name: 'asc' } })).jobs;
  const makeDue = async (tenantId: string, name: string) => {
    const job = (await jobsOf(tenantId)).find((j) => j.name === name)!;
    await ds.query('UPDATE `agenda_jobs` SET `nextRunAt` = ? WHERE `id` = ?', [Date.now() - 1000, String(job._id)]);
    return String(job._id);
  };
  const importRuns = (tenantId: string) => ds.manager.find(ImportRun, { where: { tenantId }, order: { startedAt: 'ASC' } });

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
    tenants = new TenantService(ds, testSecretBox());
  });
  after(async () => {
    await ds?.destroy();
  });
  beforeEach(async () => {
    await ds.createQueryBuilder().delete().from(Tenant).execute();
    scheduler = newScheduler();
    await scheduler.repository.purgeAllJobs();
  });
  afterEach(async () => {
    await scheduler.stop();
    clearJobHandlers();
  });

  describe('tenant schedules', () => {
    it('creates a new tenant\'s jobs with the default schedules in its time zone', async () => {
      await scheduler.start();
      const t = await createTenant('acme', { timeZone: 'Europe/Amsterdam' });
      const jobs = await jobsOf(t.id);
      expect(jobs.map((j) => [j.name, j.repeatInterval, j.repeatTimezone, j.disabled])).to.deep.equal([
        [BILLING_JOB, '15 0 * * *', 'Europe/Amsterdam', false],
        // The nightly Pax8-bill import and reconciliation comes due with the usage sync (and waits for it).
        [RECONCILE_JOB, '0 4 * * *', 'Europe/Amsterdam', false],
        [syncJobName('customers'), '0 */4 * * *', 'Europe/Amsterdam', false],
        [syncJobName('products'), '0 3 * * *', 'Europe/Amsterdam', false],
        [syncJobName('subscriptions'), '0 * * * *', 'Europe/Amsterdam', false],
        [syncJobName('usage'), '0 4 * * *', 'Europe/Amsterdam', false],
      ]);
      const local = (d: Date) => d.toLocaleTimeString('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit' });
      expect(local(jobs.find((j) => j.name === syncJobName('products'))!.nextRunAt!)).to.equal('03:00');
      expect(local(jobs.find((j) => j.name === syncJobName('usage'))!.nextRunAt!)).to.equal('04:00');
      expect(local(jobs.find((j) => j.name === BILLING_JOB)!.nextRunAt!)).to.equal('00:15');
      expect(jobs.every((j) => j.nextRunAt!.getTime() > Date.now())).to.equal(true);
    });

    it('follows schedule and zone changes, disabling and removal of the tenant', async () => {
      await scheduler.start();
      const t = await createTenant('beta');
      const before = await jobsOf(t.id);
      await tenants.updateSettings(t.id, { schedule: { subscriptions: '30 */2 * * *' } });
      await tenants.updateConnection(t.id, { timeZone: 'America/New_York' });
      const after = await jobsOf(t.id);
      const subs = after.find((j) => j.name === syncJobName('subscriptions'))!;
      expect(subs.repeatInterval).to.equal('30 */2 * * *');
      expect(after.every((j) => j.repeatTimezone === 'America/New_York')).to.equal(true);
      expect(after.map((j) => j._id)).to.deep.equal(before.map((j) => j._id));

      await tenants.setEnabled(t.id, false);
      expect((await jobsOf(t.id)).every((j) => j.disabled)).to.equal(true);
      await tenants.setEnabled(t.id, true);
      expect((await jobsOf(t.id)).some((j) => j.disabled)).to.equal(false);

      await tenants.remove(t.id);
      expect(await jobsOf(t.id)).to.deep.equal([]);
    });

    it('reconciles from the tenants table when a worker starts: adds missing jobs, drops a removed tenant\'s', async () => {
      const t = await insertTenant(ds, 'gamma', 'Asia/Tokyo');
      const other = newScheduler();
      await other.syncNow('gamma', ['customers'], 'cli', 'tester'); // a job whose tenant will vanish
      const gone = await insertTenant(ds, 'gone');
      await other.reconcileTenant(gone.id);
      await ds.createQueryBuilder().delete().from(Tenant).where('id = :id', { id: gone.id }).execute();
      expect(await jobsOf(gone.id)).to.have.length(6);

      await scheduler.start();
      expect((await jobsOf(t.id)).filter((j) => (j.data as { scheduled?: boolean }).scheduled)).to.have.length(6);
      expect(await jobsOf(gone.id)).to.deep.equal([]);
    });
    it('picks up changes made by another process on the next periodic reconcile', async () => {
      await scheduler.start();
      const t = await createTenant('omicron');
      const manual = await scheduler.syncNow('omicron', ['usage'], 'cli', 'x');
      // Another process (no in-process event here) changes the schedule and disables the tenant.
      await ds.manager.update(Tenant, { id: t.id }, { settingsJson: JSON.stringify({ schedule: { usage: '45 5 * * 1' } }), enabled: false });
      await scheduler.reconcileAll();
      const jobs = await jobsOf(t.id);
      expect(jobs.find((j) => j.name === syncJobName('usage') && (j.data as { scheduled?: boolean }).scheduled)!.repeatInterval).to.equal('45 5 * * 1');
      expect(jobs.find((j) => j.name === RECONCILE_JOB)!.repeatInterval, 'the reconciliation follows the usage sync').to.equal('45 5 * * 1');
      expect(jobs.every((j) => j.disabled)).to.equal(true);
      expect(jobs.map((j) => String(j._id))).to.include(manual[0]!.jobId);
      await ds.manager.update(Tenant, { id: t.id }, { enabled: true });
      await scheduler.reconcileAll();
      expect((await jobsOf(t.id)).some((j) => j.disabled)).to.equal(false);
    });
  });

  describe('sync now', () => {
    it('runs the sync service, reports progress and records outcome and counts in the import run', async () => {
      const progressSeen: Array<number | undefined> = [];
      registerJobHandlers({
        syncEntity: async (_tenantId, entity, ctx) => {
          await ctx.progress(40);
          progressSeen.push((await scheduler.repository.getJobById(ctx.jobId))?.progress);
          return { counts: { created: 2, updated: 1 }, status: entity === 'customers' ? 'partial' : 'succeeded' };
        },
      });
      await scheduler.start();
      const t = await createTenant('delta');
      const [queued] = await scheduler.syncNow('delta', ['customers'], 'cli', 'tester');
      const [run] = await waitFor(async () => {
        const runs = await importRuns(t.id);
        return runs.length === 1 && runs[0]!.status !== 'running' ? runs : null;
      }, 'the import run to finish');
      expect(run).to.include({ status: 'partial', trigger: 'cli', startedBy: 'tester', entities: 'customers', jobId: queued!.jobId, message: null });
      expect(JSON.parse(run!.countsJson)).to.deep.equal({ customers: { created: 2, updated: 1 } });
      expect(run!.finishedAt).to.be.instanceOf(Date);
      expect(progressSeen).to.deep.equal([40]);
    });

    it('runs the entities of one sync now in order (customers, products, subscriptions, usage), each after the one before', async () => {
      const seen: string[] = [];
      registerJobHandlers({
        syncEntity: async (_tenantId, entity) => {
          seen.push(`start ${entity}`);
          await sleep(150);
          seen.push(`end ${entity}`);
          return { counts: { created: 1 } };
        },
      });
      await scheduler.start();
      const t = await createTenant('ordered');
      const queued = await scheduler.syncNow('ordered', ['usage', 'subscriptions', 'products', 'customers'], 'http', 'tester');
      expect(queued).to.have.length(4);
      const runs = await waitFor(async () => {
        const r = await importRuns(t.id);
        return r.length === 4 && r.every((x) => x.status === 'succeeded') ? r : null;
      }, 'the four import runs to finish');
      expect(seen).to.deep.equal(['customers', 'products', 'subscriptions', 'usage'].flatMap((e) => [`start ${e}`, `end ${e}`]));
      expect(runs.map((r) => r.entities)).to.deep.equal(['customers', 'products', 'subscriptions', 'usage']);
      // Each job ran once, without failing while it waited, and is removed once its run has ended.
      await waitFor(async () => {
        const left = (await jobsOf(t.id)).filter((j) => queued.some((q) => q.jobId === String(j._id)));
        expect(left.filter((j) => (j.failCount ?? 0) > 0), 'sync-now jobs that failed').to.deep.equal([]);
        return left.length === 0 ? true : null;
      }, 'the sync-now jobs to be removed after their runs');
    });

    it('links the job to an import run the service wrote itself, writing none of its own', async () => {
      registerJobHandlers({
        syncEntity: async (tenantId, entity) => {
          const now = new Date();
          await ds.manager.insert(ImportRun, {
            id: '00000000-0000-4000-8000-000000000001', tenantId, entities: entity, trigger: 'cli', startedBy: 'service', startedAt: now,
            finishedAt: now, status: 'succeeded', dryRun: false, countsJson: '{"products":{"created":5}}', message: null, jobId: null,
            createdAt: now, updatedAt: now,
          });
          return { importRunId: '00000000-0000-4000-8000-000000000001' };
        },
      });
      await scheduler.start();
      const t = await createTenant('delta2');
      const [queued] = await scheduler.syncNow('delta2', ['products'], 'cli', 'tester');
      const runs = await waitFor(async () => {
        const r = await importRuns(t.id);
        return r.length === 1 && r[0]!.jobId ? r : null;
      }, 'the job to be linked to the run');
      expect(runs[0]).to.include({ id: '00000000-0000-4000-8000-000000000001', jobId: queued!.jobId, startedBy: 'service' });
      await sleep(200);
      expect(await importRuns(t.id)).to.have.length(1);
    });

    it('refuses politely while the same sync runs or waits, and accepts other entities (run in entity order)', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      const started: string[] = [];
      registerJobHandlers({
        syncEntity: async (_t, entity) => {
          started.push(entity);
          if (entity === 'customers') await gate;
        },
      });
      const t = await createTenant('epsilon');
      // Queued but no scheduler running yet: a second request is refused too.
      await scheduler.syncNow('epsilon', ['customers'], 'http', 'a');
      let refused: unknown;
      try {
        await scheduler.syncNow('epsilon', ['customers', 'products'], 'cli', 'b');
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(SyncAlreadyRunningError);
      expect((refused as Error).message).to.equal('a customers sync for tenant "epsilon" is already running or queued; please try again when it has finished');

      await scheduler.start();
      await waitFor(() => started.includes('customers'), 'the customers sync to start');
      refused = undefined;
      await scheduler.syncNow('epsilon', ['customers'], 'cli', 'b').catch((err) => { refused = err; });
      expect(refused).to.be.instanceOf(SyncAlreadyRunningError);
      // Another entity is accepted; products come after customers, so it runs once the customers sync is done.
      await scheduler.syncNow('epsilon', ['products'], 'cli', 'b');
      await sleep(300);
      expect(started, 'the products sync waits for the customers sync').to.deep.equal(['customers']);

      release();
      await waitFor(() => started.includes('products'), 'the products sync to run');
      await waitFor(async () => !(await scheduler.isSyncActive(t.id, 'customers')), 'the customers sync to finish');
      const again = await scheduler.syncNow('epsilon', ['customers'], 'cli', 'b');
      expect(again).to.have.length(1);
    });

    it('retries a failing sync with backoff a bounded number of times, then leaves it failed', async () => {
      let calls = 0;
      registerJobHandlers({ syncEntity: async () => { calls++; throw new Error('Pax8 is down'); } });
      await scheduler.start();
      const t = await createTenant('zeta');
      const exhausted = eventsSeen(scheduler.agenda, `retry exhausted:${syncJobName('usage')}`);
      const [queued] = await scheduler.syncNow('zeta', ['usage'], 'cli', 'tester');
      await exhausted;
      await sleep(200);
      expect(calls).to.equal(3);
      const runs = await importRuns(t.id);
      expect(runs.map((r) => r.status)).to.deep.equal(['failed', 'failed', 'failed']);
      expect(JSON.parse(runs[2]!.message!)).to.deep.equal({ error: 'Pax8 is down (attempt 3 of 3)' });
      const [job] = (await scheduler.repository.queryJobs({ id: queued!.jobId })).jobs;
      expect(job).to.include({ failCount: 3, failReason: 'Pax8 is down', state: 'failed', nextRunAt: null });
      expect(await scheduler.isSyncActive(t.id, 'usage')).to.equal(false);
    });

    for (const [what, thrown, reason] of [
      ['a plain object', { code: 'E_DOWN', status: 503 }, '{"code":"E_DOWN","status":503}'],
      ['a string', 'Pax8 is down', 'Pax8 is down'],
      ['undefined', undefined, 'the job failed without a reason (undefined was thrown)'],
      ['an Error', new Error('Pax8 is down'), 'Pax8 is down'],
    ] as const) {
      it(`records a sync that throws ${what}: unlocked, counted, retried by the policy, then failed with a readable reason`, async () => {
        let calls = 0;
        registerJobHandlers({ syncEntity: async () => { calls++; throw thrown; } });
        await scheduler.start();
        const t = await createTenant(`throws-${what.replace(/\W/g, '').toLowerCase()}`);
        const exhausted = eventsSeen(scheduler.agenda, `retry exhausted:${syncJobName('products')}`);
        const [queued] = await scheduler.syncNow(t.name, ['products'], 'cli', 'tester');
        await exhausted;
        const job = await waitFor(async () => {
          const [j] = (await scheduler.repository.queryJobs({ id: queued!.jobId })).jobs;
          return j && !j.lockedAt && j.failCount === 3 ? j : null;
        }, 'the last failure saved');
        expect(calls, 'the first run and two retries').to.equal(3);
        expect(job).to.include({ failCount: 3, failReason: reason, state: 'failed', nextRunAt: null });
        expect(job.failedAt).to.be.instanceOf(Date);
        expect((await importRuns(t.id)).map((r) => r.status)).to.deep.equal(['failed', 'failed', 'failed']);
      });
    }

    it('fails at once, without retries, when no sync service is registered', async () => {
      await scheduler.start();
      const t = await createTenant('eta');
      const failed = eventsSeen(scheduler.agenda, `fail:${syncJobName('products')}`);
      const [queued] = await scheduler.syncNow('eta', ['products'], 'cli', 'tester');
      await failed;
      await sleep(200);
      const [job] = (await scheduler.repository.queryJobs({ id: queued!.jobId })).jobs;
      expect(job!.failReason).to.match(/no "syncEntity" service is registered/);
      expect(job).to.include({ failCount: 1, nextRunAt: null });
      expect(await importRuns(t.id)).to.deep.equal([]);
    });

    it('refuses unknown and disabled tenants', async () => {
      const t = await createTenant('theta');
      await tenants.setEnabled(t.id, false);
      const errs: unknown[] = [];
      await scheduler.syncNow('theta', ['customers'], 'cli', 'x').catch((e) => errs.push(e));
      await scheduler.syncNow('nobody', ['customers'], 'cli', 'x').catch((e) => errs.push(e));
      expect(errs.map((e) => (e as SyncRefusedError).code)).to.deep.equal(['disabled', 'not_found']);
    });
  });

  describe('running scheduled jobs', () => {
    it('runs a due scheduled sync through the service and a disabled tenant\'s not at all', async () => {
      const calls: string[] = [];
      registerJobHandlers({ syncEntity: async (tenantId, entity) => { calls.push(`${tenantId}:${entity}`); } });
      await scheduler.start();
      const on = await createTenant('iota');
      const off = await createTenant('kappa');
      await tenants.setEnabled(off.id, false);
      await makeDue(off.id, syncJobName('subscriptions'));
      // Even if its job were enabled and due, a disabled tenant's sync does nothing.
      const offCustomers = await makeDue(off.id, syncJobName('customers'));
      await scheduler.repository.enableJobs({ id: offCustomers });
      const done = eventsSeen(scheduler.agenda, `complete:${syncJobName('customers')}`, 2);
      await makeDue(on.id, syncJobName('customers'));
      await done;
      expect(calls).to.deep.equal([`${on.id}:customers`]);
      const [run] = await importRuns(on.id);
      expect(run).to.include({ trigger: 'schedule', startedBy: 'scheduler', status: 'succeeded' });
      const job = (await jobsOf(on.id)).find((j) => j.name === syncJobName('customers'))!;
      expect(job.nextRunAt!.getTime()).to.be.greaterThan(Date.now());
      expect(job.lockedAt).to.equal(undefined);
      expect(await importRuns(off.id)).to.deep.equal([]);
    });

    it('runs the daily billing pass, then the invoice run, for the tenant-local date', async () => {
      const calls: Array<[string, string, string]> = [];
      registerJobHandlers({
        billingDaily: async (tenantId, date) => { calls.push(['billing', tenantId, date]); },
        invoiceRun: async (tenantId, date) => { calls.push(['invoices', tenantId, date]); },
      });
      // 10:30 UTC on 29 February is already 1 March at UTC+14.
      scheduler = newScheduler({ clock: clockFrom('2028-02-29T10:30:00Z') });
      await scheduler.start();
      const t = await createTenant('lambda', { timeZone: 'Pacific/Kiritimati' });
      const done = eventsSeen(scheduler.agenda, `complete:${BILLING_JOB}`);
      await makeDue(t.id, BILLING_JOB);
      await done;
      expect(calls).to.deep.equal([['billing', t.id, '2028-03-01'], ['invoices', t.id, '2028-03-01']]);
    });
  });

  describe('shutdown', () => {
    it('waits for a running job to finish', async () => {
      let started = false;
      let finished = false;
      registerJobHandlers({ syncEntity: async () => { started = true; await sleep(300); finished = true; return { counts: { created: 1 } }; } });
      await scheduler.start();
      const t = await createTenant('mu');
      await scheduler.syncNow('mu', ['customers'], 'cli', 'x');
      await waitFor(() => started, 'the sync to start');
      await scheduler.stop();
      expect(finished).to.equal(true);
      expect((await importRuns(t.id))[0]!.status).to.equal('succeeded');
    });

    it('stops as soon as a job that finishes during the drain has removed itself, however slow the removal', async () => {
      // Agenda's own drain re-checks only on 'complete', which a one-time job emits before it removes itself: a removal
      // slower than one event-loop turn (a MariaDB round trip) left the drain waiting out its whole timeout.
      scheduler = newScheduler({ drainTimeoutMs: 60_000 });
      const remove = scheduler.repository.removeJobs.bind(scheduler.repository);
      let removals = 0;
      scheduler.repository.removeJobs = async (options) => {
        await sleep(300);
        removals++;
        return remove(options);
      };
      let started = false;
      registerJobHandlers({ syncEntity: async () => { started = true; await sleep(200); return { counts: { created: 1 } }; } });
      await scheduler.start();
      const t = await createTenant('xi');
      const [queued] = await scheduler.syncNow('xi', ['customers'], 'cli', 'x');
      await waitFor(() => started, 'the sync to start');
      const t0 = Date.now();
      await scheduler.stop();
      expect(Date.now() - t0, 'stop() waited out the drain timeout').to.be.below(30_000);
      expect(removals).to.equal(1);
      expect(await scheduler.repository.getJobById(queued!.jobId)).to.equal(null);
      expect((await importRuns(t.id)).map((r) => r.status)).to.deep.equal(['succeeded']);
    });

    it('releases the lock of a job that outlives the drain timeout and makes it due again', async () => {
      scheduler = newScheduler({ drainTimeoutMs: 100 });
      let aborted = false;
      registerJobHandlers({
        syncEntity: (_t, _e, ctx) => new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); });
        }),
      });
      await scheduler.start();
      const t = await createTenant('nu');
      const [queued] = await scheduler.syncNow('nu', ['usage'], 'cli', 'x');
      await waitFor(async () => (await scheduler.repository.getJobById(queued!.jobId))?.lastRunAt, 'the sync to start');
      expect((await scheduler.repository.lockInfo(queued!.jobId))!.lockedBy).to.equal(scheduler.repository.owner);
      await scheduler.stop();
      expect(aborted).to.equal(true);
      await waitFor(async () => (await scheduler.repository.lockInfo(queued!.jobId))?.lockedAt === null, 'the lock to be released');
      expect((await scheduler.repository.lockInfo(queued!.jobId))!.lockedBy).to.equal(null);
      expect((await scheduler.repository.getJobById(queued!.jobId))!.nextRunAt).to.be.instanceOf(Date);
      expect((await importRuns(t.id)).map((r) => r.status)).to.deep.equal(['failed']);
    });
  });
});
