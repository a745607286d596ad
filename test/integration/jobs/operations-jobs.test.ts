import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { freshDatabase, insertTenant } from '../../support/database.js';
import { createLogger } from '../../../src/logging/logger.js';
import { clearJobHandlers, registerJobHandlers } from '../../../src/jobs/handlers.js';
import { NOTICE_JOB, Scheduler, WEBHOOK_JOB } from '../../../src/jobs/scheduler.js';
import { jobsTestTarget } from './db.js';
import { waitFor } from './helpers.js';

/**
 * The operations' background work (issue 25) runs as scheduler jobs: every started scheduler (`recurra start`,
 * `recurra worker`) runs webhook processing and notice delivery for every tenant each operationsEveryMs, with one job
 * of each however many schedulers run; a tenant's own processing job runs its tenant only, and not for a disabled one.
 */
describe(`jobs: webhook processing and notice delivery as jobs (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, () => {
  let ds: DataSource;
  const running: Scheduler[] = [];
  const calls: Array<[string, string | null]> = [];

  const scheduler = (owner: string) => {
    const s = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4, owner, operationsEveryMs: 300, reconcileEveryMs: 3_600_000 });
    running.push(s);
    return s;
  };

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
  });
  after(async () => {
    await ds?.destroy();
  });
  beforeEach(async () => {
    calls.length = 0;
    registerJobHandlers({
      processWebhooks: async (tenantId) => { calls.push(['webhooks', tenantId]); return { processed: 0, failed: 0, notices: 0, imports: 0 }; },
      deliverNotices: async (tenantId) => { calls.push(['notices', tenantId]); return { sent: 0, failed: 0, retrying: 0 }; },
    });
    await scheduler('purge').repository.purgeAllJobs();
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
    clearJobHandlers();
  });

  it('two schedulers keep one recurring job of each kind, which runs for every tenant', async () => {
    await Promise.all([scheduler('a').start(), scheduler('b').start()]);
    const { jobs } = await running[0]!.repository.queryJobs({ names: [WEBHOOK_JOB, NOTICE_JOB] });
    expect(jobs.map((j) => j.name).sort()).to.deep.equal([NOTICE_JOB, WEBHOOK_JOB]);
    await waitFor(() => calls.filter((c) => c[0] === 'webhooks').length >= 2 && calls.filter((c) => c[0] === 'notices').length >= 2, 'two sweeps of each', 15_000, 50);
    expect(calls.every(([, tenantId]) => tenantId === null)).to.equal(true);
  });

  it('a delivery\'s processing job runs its tenant only, once, and nothing for a disabled tenant', async () => {
    const on = await insertTenant(ds, 'on');
    const off = await insertTenant(ds, 'off');
    await ds.query('UPDATE tenants SET enabled = ? WHERE id = ?', [false, off.id]);
    const queue = scheduler('web'); // never started: as a web process with --no-scheduler
    expect(await queue.queueWebhookProcessing(on.id)).to.be.a('string');
    expect(await queue.queueWebhookProcessing(on.id), 'a second while one is due').to.equal(null);
    await queue.queueWebhookProcessing(off.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).to.deep.equal([]);
    await scheduler('worker').start();
    await waitFor(async () => (await queue.repository.queryJobs({ names: [WEBHOOK_JOB], data: { tenantId: on.id } })).total === 0, 'the job to run', 15_000, 50);
    await new Promise((r) => setTimeout(r, 500));
    expect(calls.filter(([, t]) => t !== null)).to.deep.equal([['webhooks', on.id]]);
  });
});
