import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { freshDatabase, insertTenant, testSecretBox } from '../../support/database.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import { ImportRun } from '../../../src/db/entities/index.js';
import { BILLING_JOB, Scheduler } from '../../../src/jobs/scheduler.js';
import { clearJobHandlers, registerJobHandlers } from '../../../src/jobs/handlers.js';
import { serviceJobHandlers } from '../../../src/jobs/wiring.js';
import { jobsTestTarget } from './db.js';
import { eventsSeen, waitFor } from './helpers.js';

/** The scheduler wired to the real imports and billing services (Pax8 sandbox over HTTP). */
describe(`jobs: scheduler wired to the services (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(60_000);
  let ds: DataSource;
  let sandbox: RunningSandbox;
  let scheduler: Scheduler;
  const secrets = testSecretBox();

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
    sandbox = await startTestSandbox({ seed: 5, companies: 6, subscriptions: 12, usageSummaries: 0 });
    registerJobHandlers(serviceJobHandlers({ ds, secrets }));
    scheduler = new Scheduler({
      ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4, retry: { retries: 0, delayMs: 10 },
    });
    await scheduler.repository.purgeAllJobs();
    await scheduler.start();
  });
  after(async () => {
    await scheduler?.stop();
    clearJobHandlers();
    await sandbox?.close();
    await ds?.destroy();
  });

  it('a sync-now import records its outcome and counts on the import run linked to the job', async () => {
    const { tenant } = await createTestTenant(ds, secrets, sandbox, { name: 'wired' });
    const [queued] = await scheduler.syncNow('wired', ['customers'], 'http', 'admin');
    const run = await waitFor(async () => {
      const r = await ds.manager.findOneBy(ImportRun, { tenantId: tenant.id, jobId: queued!.jobId });
      return r && r.status !== 'running' ? r : null;
    }, 'the import run to finish', 45_000);
    expect(run).to.include({ status: 'succeeded', trigger: 'http', startedBy: 'admin', entities: 'customers' });
    expect(JSON.parse(run.countsJson).customers.created).to.be.greaterThan(0);
    expect(await ds.manager.countBy(ImportRun, { tenantId: tenant.id })).to.equal(1);
  });

  it('a failing import leaves a failed run with the reason', async () => {
    const tenant = await insertTenant(ds, 'no-credentials');
    const [queued] = await scheduler.syncNow('no-credentials', ['subscriptions'], 'cli', 'admin');
    const run = await waitFor(async () => ds.manager.findOneBy(ImportRun, { tenantId: tenant.id, jobId: queued!.jobId }), 'the failed run');
    expect(run.status).to.equal('failed');
    expect(JSON.parse(run.message!).error).to.match(/no Pax8 credentials/);
  });

  it('a rerun after a dead worker marks the attempt it left running as interrupted', async () => {
    const tenant = await insertTenant(ds, 'rerun');
    const job = await scheduler.agenda
      .create('sync:usage', { tenantId: tenant.id, entity: 'usage', trigger: 'schedule', startedBy: 'scheduler' })
      .schedule('in 1 hour').save();
    const jobId = String(job.attrs._id);
    const then = new Date(Date.now() - 3_600_000);
    await ds.manager.insert(ImportRun, {
      id: '00000000-0000-4000-8000-0000000000aa', tenantId: tenant.id, entities: 'usage', trigger: 'schedule', startedBy: 'scheduler',
      startedAt: then, finishedAt: null, status: 'running', dryRun: false, countsJson: '{}', message: null, jobId, createdAt: then, updatedAt: then,
    });
    await ds.query('UPDATE `agenda_jobs` SET `nextRunAt` = ? WHERE `id` = ?', [Date.now() - 1000, jobId]);
    const runs = await waitFor(async () => {
      const r = await ds.manager.find(ImportRun, { where: { tenantId: tenant.id }, order: { startedAt: 'ASC' } });
      return r.length === 2 ? r : null;
    }, 'the rerun to be recorded');
    expect(runs.map((r) => r.status)).to.deep.equal(['failed', 'failed']);
    expect(JSON.parse(runs[0]!.message!).error).to.match(/^interrupted/);
    expect(JSON.parse(runs[1]!.message!).error).to.match(/no Pax8 credentials/);
  });

  it('the daily billing job runs the daily pass and the invoice run', async () => {
    const tenant = await insertTenant(ds, 'billing-wired', 'Europe/London');
    await scheduler.reconcileTenant(tenant.id);
    const job = (await scheduler.repository.queryJobs({ name: BILLING_JOB, data: { tenantId: tenant.id } })).jobs[0]!;
    const done = eventsSeen(scheduler.agenda, `complete:${BILLING_JOB}`);
    await ds.query('UPDATE `agenda_jobs` SET `nextRunAt` = ? WHERE `id` = ?', [Date.now() - 1000, String(job._id)]);
    await done;
    const after = (await scheduler.repository.getJobById(String(job._id)))!;
    expect(after.failReason).to.equal(undefined);
    expect(after.lastFinishedAt).to.be.instanceOf(Date);
  });
});
