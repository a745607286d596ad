import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';
import type { RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import { ImportRun, LeakageNotice, LicensingNotice, Pax8Invoice, type Tenant } from '../../../src/db/entities/index.js';
import { TenantService } from '../../../src/tenants/service.js';
import { UserService } from '../../../src/users/service.js';
import { RECONCILE_JOB, Scheduler, syncJobName } from '../../../src/jobs/scheduler.js';
import { tenantDate } from '../../../src/common/tenant-date.js';
import { clearJobHandlers, registerJobHandlers } from '../../../src/jobs/handlers.js';
import { serviceJobHandlers } from '../../../src/jobs/wiring.js';
import { monthsToReconcile } from '../../../src/reconcile/scheduled.js';
import { clockFrom } from '../../../src/common/clock.js';
import { jobsTestTarget } from './db.js';
import { waitFor } from './helpers.js';

/**
 * The nightly Pax8-bill import and reconciliation as the scheduler runs it: real database, the real
 * imports, Pax8-bill import and reconciliation services, and the Pax8 sandbox over HTTP (its clock at now,
 * so its draft items are this month's and the previous months' invoices are published as Pax8 would).
 */
describe(`jobs: nightly Pax8-bill import and reconciliation (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);
  let ds: DataSource;
  let sandbox: RunningSandbox;
  let scheduler: Scheduler;
  let tenants: TenantService;
  let tenant: Tenant;
  let months: string[];
  // A night on the 10th: last month's Pax8 invoice is published (the 5th) but not imported yet, so the first run
  // reconciles both months and later runs only this month. The business clock moves with real time from there.
  const NIGHT = '2026-03-10T04:00:00Z';
  const clock = clockFrom(NIGHT);
  const secrets = testSecretBox();

  const jobsOf = async () => (await scheduler.repository.queryJobs({ data: { tenantId: tenant.id } })).jobs;
  const reconcileJob = async () => (await jobsOf()).find((j) => j.name === RECONCILE_JOB)!;
  const makeDue = async (names: string[]) => {
    const ids = (await jobsOf()).filter((j) => names.includes(j.name) && (j.data as { scheduled?: boolean }).scheduled).map((j) => String(j._id));
    expect(ids).to.have.length(names.length);
    await ds.query(`UPDATE \`agenda_jobs\` SET \`nextRunAt\` = ? WHERE \`id\` IN (${ids.map(() => '?').join(', ')})`, [Date.now() - 1000, ...ids]);
  };
  /** Makes the reconciliation job due and waits until a run of it did the work (or failed). */
  const runReconcile = async (): Promise<void> => {
    const before = (await reconcileJob()).lastFinishedAt?.getTime() ?? 0;
    await makeDue([RECONCILE_JOB]);
    await waitFor(async () => {
      const j = await reconcileJob();
      return !j.lockedAt && (j.lastFinishedAt?.getTime() ?? 0) > before;
    }, 'the reconciliation run', 60_000);
  };
  const notices = () => ds.manager.find(LicensingNotice, { where: { kind: 'leakage_threshold' }, order: { createdAt: 'ASC' } });
  const leakageRows = () => ds.manager.find(LeakageNotice, { where: { tenantId: tenant.id }, order: { month: 'ASC', currency: 'ASC' } });

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
    sandbox = await startTestSandbox({ seed: 11, companies: 6, subscriptions: 24, usageSummaries: 3, now: NIGHT });
    registerJobHandlers(serviceJobHandlers({ ds, secrets, clock, pax8Client: { rateLimitPerMinute: null, retryBaseMs: 1, retryMaxDelayMs: 5, maxRetries: 1 } }));
    scheduler = new Scheduler({
      ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4,
      retry: { retries: 2, delayMs: 300 }, reconcileEveryMs: 3_600_000, syncWaitMs: 100, clock,
    });
    await scheduler.repository.purgeAllJobs();
    await scheduler.start();
    // Every leakage notifies; no recurring invoice exists, so every active subscription with a customer is unbilled leakage.
    const created = await createTestTenant(ds, secrets, sandbox, {
      name: 'nightly', settings: { leakageNoticeThreshold: '0', imports: { importInactiveCompanies: true } },
    });
    tenants = created.tenants;
    tenant = await tenants.byId(created.tenant.id);
    await new UserService(ds).create({ email: 'owner@nightly.test', role: 'admin', password: 'pw-very-long-secret-1', tenantId: tenant.id, customerId: null });
    // Customers (mapped on import) and products first, so the subscriptions sync of "the night" has mapped companies.
    const queued = await scheduler.syncNow('nightly', ['customers', 'products'], 'cli', 'test');
    await waitFor(async () => {
      const runs = await ds.manager.findBy(ImportRun, { tenantId: tenant.id });
      return queued.every((q) => runs.some((r) => r.jobId === q.jobId && r.status !== 'running')) ? runs : null;
    }, 'the customers and products syncs', 60_000);
  });
  after(async () => {
    await scheduler?.stop();
    clearJobHandlers();
    await sandbox?.close();
    await ds?.destroy();
  });

  it('is one of the tenant\'s scheduled jobs, due with the nightly usage sync', async () => {
    const j = await reconcileJob();
    expect(j.repeatInterval).to.equal('0 4 * * *');
    expect(j.repeatTimezone).to.equal(tenant.timeZone);
    expect((j.data as { scheduled?: boolean }).scheduled).to.equal(true);
    expect(j.disabled).to.equal(false);
  });

  it('runs after the night\'s syncs: imports Pax8\'s bill, reconciles the month(s) and notifies the admins once per month and currency', async () => {
    // The night: the subscriptions and usage syncs and the reconciliation all come due at once.
    await makeDue([syncJobName('subscriptions'), syncJobName('usage'), RECONCILE_JOB]);
    const invoices = await waitFor(async () => {
      const j = await reconcileJob();
      const rows = await ds.manager.findBy(Pax8Invoice, { tenantId: tenant.id });
      return !j.lockedAt && rows.length > 0 && (await leakageRows()).length > 0 ? rows : null;
    }, 'the Pax8 bill and the reconciliation', 60_000);
    const runs = await ds.manager.find(ImportRun, { where: { tenantId: tenant.id }, order: { startedAt: 'ASC' } });
    // The night's first run of each entity (an hourly subscriptions sync may come due too when the clock passes the hour).
    const nightly = ['subscriptions', 'usage'].map((e) => runs.find((r) => r.entities === e));
    expect(nightly.map((r) => [r?.entities, r?.status === 'succeeded' || r?.status === 'partial'])).to.deep.equal([['subscriptions', true], ['usage', true]]);
    const syncsDone = Math.max(...nightly.map((r) => r!.finishedAt!.getTime()));
    expect(Math.min(...invoices.map((i) => i.createdAt.getTime())), 'Pax8\'s bill is imported after the syncs finished').to.be.at.least(syncsDone);

    // The months: this month, and last month while its Pax8 invoice had not been imported (it never was before this run).
    const today = tenantDate(clock(), tenant.timeZone);
    months = monthsToReconcile(today, false);
    expect(months, 'the night reconciles last month too').to.deep.equal(['2026-02', '2026-03']);
    const rows = await leakageRows();
    expect([...new Set(rows.map((r) => r.month))].sort()).to.deep.equal(months);
    expect(rows.every((r) => r.leakage.greaterThan(0) && r.recipients === 1)).to.equal(true);
    const sent = await notices();
    expect(sent).to.have.length(rows.length);
    for (const r of rows) expect(sent.some((n) => n.message.includes(`in ${r.month}:`) && n.message.includes(r.currency))).to.equal(true);
    const j = await reconcileJob();
    expect(j.failCount ?? 0).to.equal(0);
    expect(j.nextRunAt!.getTime(), 'back on its nightly schedule').to.be.greaterThan(Date.now());
  });

  it('a rerun imports nothing twice and sends no notice again for the same leakage', async () => {
    const invoicesBefore = await ds.manager.countBy(Pax8Invoice, { tenantId: tenant.id });
    const rowsBefore = await leakageRows();
    const sentBefore = (await notices()).length;
    await runReconcile();
    expect(await ds.manager.countBy(Pax8Invoice, { tenantId: tenant.id })).to.equal(invoicesBefore);
    expect((await notices()).length).to.equal(sentBefore);
    const rowsAfter = await leakageRows();
    expect(rowsAfter.map((r) => [r.month, r.currency, r.notifiedAt.getTime()])).to.deep.equal(rowsBefore.map((r) => [r.month, r.currency, r.notifiedAt.getTime()]));
  });

  it('notifies again only after the leakage fell to the threshold and crossed it again', async () => {
    const sentBefore = (await notices()).length;
    // Last month's published invoice is imported now: later nights reconcile this month only.
    const thisMonth = monthsToReconcile(tenantDate(clock(), tenant.timeZone), true);
    expect(thisMonth).to.deep.equal(['2026-03']);
    const rows = (await leakageRows()).filter((r) => thisMonth.includes(r.month)).length;
    expect(rows).to.be.greaterThan(0);
    await tenants.updateSettings(tenant.id, { leakageNoticeThreshold: '1000000000' });
    await runReconcile();
    expect((await notices()).length, 'below the threshold: no notice').to.equal(sentBefore);
    await tenants.updateSettings(tenant.id, { leakageNoticeThreshold: '0' });
    await runReconcile();
    expect((await notices()).length, 'crossed again: one notice per month and currency').to.equal(sentBefore + rows);
    await runReconcile();
    expect((await notices()).length).to.equal(sentBefore + rows);
  });

  it('a Pax8 failure fails the run, which is retried and then succeeds', async () => {
    const sentBefore = (await notices()).length;
    sandbox.setFaults({ rate: 1, kinds: ['500'] });
    const before = (await reconcileJob()).failedAt?.getTime() ?? 0;
    await makeDue([RECONCILE_JOB]);
    const failed = await waitFor(async () => {
      const j = await reconcileJob();
      return !j.lockedAt && (j.failedAt?.getTime() ?? 0) > before ? j : null;
    }, 'the failed run', 60_000);
    expect(failed.failCount).to.equal(1);
    expect(failed.failReason).to.be.a('string').and.match(/500|Pax8|invoices/i);
    expect(failed.nextRunAt!.getTime() - failed.failedAt!.getTime(), 'a retry, not tomorrow').to.be.at.most(1000);
    sandbox.setFaults(null);
    const recovered = await waitFor(async () => {
      const j = await reconcileJob();
      return !j.lockedAt && (j.lastFinishedAt?.getTime() ?? 0) > j.failedAt!.getTime() && !j.failCount ? j : null;
    }, 'the retry to succeed', 60_000);
    expect(recovered.nextRunAt!.getTime()).to.be.greaterThan(Date.now());
    expect((await notices()).length, 'nothing sent twice').to.equal(sentBefore);
  });

  it('a disabled tenant\'s reconciliation job is paused and does nothing', async () => {
    await tenants.setEnabled(tenant.id, false);
    expect((await reconcileJob()).disabled).to.equal(true);
    await tenants.setEnabled(tenant.id, true);
    expect((await reconcileJob()).disabled).to.equal(false);
  });
});
