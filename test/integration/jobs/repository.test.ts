import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import type { JobParameters } from 'agenda';
import { freshDatabase } from '../../support/database.js';
import { TypeormJobRepository } from '../../../src/jobs/typeorm-repository.js';
import { jobsTestTarget } from './db.js';

/**
 * The behaviours of Agenda's shared JobRepository suite (packages/agenda/test/shared/repository-test-suite.ts
 * in agenda/agenda), case by case, against our TypeORM repository; plus the locking guarantees we rely on.
 */
describe(`jobs: TypeORM JobRepository (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, () => {
  let ds: DataSource;
  let repo: TypeormJobRepository;
  const job = (over: Partial<JobParameters> = {}): JobParameters =>
    ({ name: 'test-job', priority: 0, nextRunAt: new Date(), type: 'normal', data: {}, ...over }) as JobParameters;
  const window = () => {
    const now = new Date();
    return { now, nextScanAt: new Date(now.getTime() + 5000), lockDeadline: new Date(now.getTime() - 600000) };
  };

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
  });
  after(async () => {
    await ds?.destroy();
  });
  beforeEach(async () => {
    repo = new TypeormJobRepository(ds, 'worker-a');
    await repo.connect();
    await repo.purgeAllJobs();
  });

  describe('saveJob', () => {
    it('saves a new job and assigns an id', async () => {
      const saved = await repo.saveJob(job({ priority: 10, data: { foo: 'bar' } }), undefined);
      expect(saved._id).to.be.a('string').and.have.length(36);
      expect(saved).to.include({ name: 'test-job', priority: 10, type: 'normal' });
      expect(saved.data).to.deep.equal({ foo: 'bar' });
    });

    it('updates an existing job', async () => {
      const saved = await repo.saveJob(job({ priority: 5, data: { version: 1 } }), undefined);
      const updated = await repo.saveJob({ ...saved, priority: 20, data: { version: 2 } }, undefined);
      expect(updated._id).to.equal(saved._id);
      expect(updated.priority).to.equal(20);
      expect(updated.data).to.deep.equal({ version: 2 });
    });

    it('upserts single-type jobs by name', async () => {
      const s1 = await repo.saveJob(job({ name: 'single-job', type: 'single', priority: 5, nextRunAt: new Date(Date.now() + 60000), data: { run: 1 } }), undefined);
      const s2 = await repo.saveJob(job({ name: 'single-job', type: 'single', priority: 10, nextRunAt: new Date(Date.now() + 120000), data: { run: 2 } }), undefined);
      expect(s2._id).to.equal(s1._id);
      expect(s2.priority).to.equal(10);
      expect(s2.data).to.deep.equal({ run: 2 });
      expect((await repo.queryJobs({ name: 'single-job' })).total).to.equal(1);
    });

    it('keeps a due run of a single job when it is saved again with a due time', async () => {
      const due = new Date(Date.now() - 60000);
      await repo.saveJob(job({ name: 'single-due', type: 'single', nextRunAt: due }), undefined);
      const again = await repo.saveJob(job({ name: 'single-due', type: 'single', nextRunAt: new Date() }), undefined);
      expect(again.nextRunAt!.getTime()).to.equal(due.getTime());
    });

    it('preserves the disabled flag', async () => {
      const saved = await repo.saveJob(job({ disabled: true }), undefined);
      expect(saved.disabled).to.equal(true);
      expect((await repo.getJobById(saved._id!))?.disabled).to.equal(true);
    });

    it('keeps instants to the millisecond and repeat settings as given', async () => {
      const at = new Date('2026-03-29T01:59:59.123Z');
      const saved = await repo.saveJob(job({ nextRunAt: at, repeatInterval: '0 3 * * *', repeatTimezone: 'Europe/Amsterdam' }), undefined);
      const back = await repo.getJobById(saved._id!);
      expect(back!.nextRunAt!.toISOString()).to.equal(at.toISOString());
      expect(back).to.include({ repeatInterval: '0 3 * * *', repeatTimezone: 'Europe/Amsterdam' });
      const numeric = await repo.saveJob(job({ name: 'n', repeatInterval: 60000 }), undefined);
      expect((await repo.getJobById(numeric._id!))!.repeatInterval).to.equal(60000);
    });
  });

  describe('unique jobs', () => {
    it('modifies the one matching job when the unique constraint matches', async () => {
      const a = await repo.saveJob(job({ name: 'u', data: { tenantId: 't1', v: 1 }, unique: { 'data.tenantId': 't1' } }), undefined);
      const b = await repo.saveJob(job({ name: 'u', data: { tenantId: 't1', v: 2 }, unique: { 'data.tenantId': 't1' } }), undefined);
      expect(b._id).to.equal(a._id);
      expect(b.data).to.deep.equal({ tenantId: 't1', v: 2 });
      expect((await repo.queryJobs({ name: 'u' })).total).to.equal(1);
    });

    it('leaves the job unchanged when insertOnly is set', async () => {
      const a = await repo.saveJob(job({ name: 'u', data: { k: 1, v: 1 }, unique: { 'data.k': 1 }, uniqueOpts: { insertOnly: true } }), undefined);
      const b = await repo.saveJob(job({ name: 'u', data: { k: 1, v: 2 }, unique: { 'data.k': 1 }, uniqueOpts: { insertOnly: true } }), undefined);
      expect(b._id).to.equal(a._id);
      expect(b.data).to.deep.equal({ k: 1, v: 1 });
    });

    it('creates two jobs when the unique constraint differs', async () => {
      await repo.saveJob(job({ name: 'u', data: { k: 1 }, unique: { 'data.k': 1 } }), undefined);
      await repo.saveJob(job({ name: 'u', data: { k: 2 }, unique: { 'data.k': 2 } }), undefined);
      expect((await repo.queryJobs({ name: 'u' })).total).to.equal(2);
    });

    it('stays one job when several connections save it at once', async () => {
      const saves = Array.from({ length: 8 }, (_, i) =>
        new TypeormJobRepository(ds, `w${i}`).saveJob(job({ name: 'race', data: { k: 'x', i }, unique: { 'data.k': 'x' } }), undefined));
      const ids = new Set((await Promise.all(saves)).map((j) => j._id));
      expect(ids.size).to.equal(1);
      expect((await repo.queryJobs({ name: 'race' })).total).to.equal(1);
    });

    it('debounces: trailing pushes the run back, leading keeps it', async () => {
      const t0 = Date.now();
      const a = await repo.saveJob(job({ name: 'd', data: { v: 1 }, unique: { 'data.k': 1 }, uniqueOpts: { debounce: { delay: 60000 } } }), undefined);
      expect(a.nextRunAt!.getTime()).to.be.at.least(t0 + 60000);
      const l1 = await repo.saveJob(job({ name: 'lead', nextRunAt: new Date(t0), unique: { 'data.k': 1 }, uniqueOpts: { debounce: { delay: 60000, strategy: 'leading' } } }), undefined);
      const l2 = await repo.saveJob(job({ name: 'lead', nextRunAt: new Date(t0 + 5000), data: { v: 2 }, unique: { 'data.k': 1 }, uniqueOpts: { debounce: { delay: 60000, strategy: 'leading' } } }), undefined);
      expect(l2._id).to.equal(l1._id);
      expect(l2.nextRunAt!.getTime()).to.equal(t0);
      expect(l2.data).to.deep.equal({ v: 2 });
    });
  });

  describe('getJobById', () => {
    it('returns the job by id, and null once it is removed', async () => {
      const saved = await repo.saveJob(job({ name: 'get-by-id', priority: 5, data: { key: 'value' } }), undefined);
      const got = await repo.getJobById(saved._id!);
      expect(got).to.include({ _id: saved._id, name: 'get-by-id' });
      expect(got!.data).to.deep.equal({ key: 'value' });
      await repo.removeJobs({ id: saved._id! });
      expect(await repo.getJobById(saved._id!)).to.equal(null);
    });
  });

  describe('queryJobs', () => {
    beforeEach(async () => {
      await repo.saveJob(job({ name: 'job-a', priority: 10, nextRunAt: new Date(Date.now() + 60000), data: { type: 'alpha', count: 1 } }), undefined);
      await repo.saveJob(job({ name: 'job-b', priority: 5, nextRunAt: new Date(Date.now() + 120000), data: { type: 'beta', count: 2 } }), undefined);
      await repo.saveJob(job({ name: 'job-a', priority: 15, nextRunAt: new Date(Date.now() + 180000), data: { type: 'alpha', count: 3 } }), undefined);
    });

    it('queries all, by name, by names and by search', async () => {
      expect((await repo.queryJobs()).total).to.equal(3);
      const a = await repo.queryJobs({ name: 'job-a' });
      expect(a.total).to.equal(2);
      expect(a.jobs.every((j) => j.name === 'job-a')).to.equal(true);
      expect((await repo.queryJobs({ names: ['job-a', 'job-b'] })).total).to.equal(3);
      expect((await repo.queryJobs({ search: 'JOB' })).total).to.equal(3);
      expect((await repo.queryJobs({ search: 'nope' })).total).to.equal(0);
    });

    it('filters by partial data and sorts', async () => {
      const alpha = await repo.queryJobs({ data: { type: 'alpha' }, sort: { nextRunAt: 'asc' } });
      expect(alpha.jobs.map((j) => (j.data as { count: number }).count)).to.deep.equal([1, 3]);
      const byPriority = await repo.queryJobs({ sort: { priority: 'desc' } });
      expect(byPriority.jobs.map((j) => j.priority)).to.deep.equal([15, 10, 5]);
    });

    it('paginates with skip and limit, reporting the full total', async () => {
      const page = await repo.queryJobs({ skip: 1, limit: 1 });
      expect(page.jobs).to.have.length(1);
      expect(page.total).to.equal(3);
    });

    it('filters disabled jobs when includeDisabled is false', async () => {
      await repo.saveJob(job({ name: 'disabled-job', disabled: true }), undefined);
      expect((await repo.queryJobs({ includeDisabled: true })).total).to.equal(4);
      expect((await repo.queryJobs({ includeDisabled: false })).total).to.equal(3);
    });
  });

  describe('removeJobs', () => {
    it('removes by name, id, ids and data, and returns 0 when nothing matches', async () => {
      await repo.saveJob(job({ name: 'remove-test' }), undefined);
      await repo.saveJob(job({ name: 'remove-test' }), undefined);
      const keep = await repo.saveJob(job({ name: 'keep-test', data: { tenantId: 'k' } }), undefined);
      expect(await repo.removeJobs({ name: 'remove-test' })).to.equal(2);
      const remaining = await repo.queryJobs();
      expect(remaining.total).to.equal(1);
      expect(remaining.jobs[0]!.name).to.equal('keep-test');
      const j1 = await repo.saveJob(job({ name: 'm1' }), undefined);
      const j2 = await repo.saveJob(job({ name: 'm2' }), undefined);
      expect(await repo.removeJobs({ ids: [j1._id!, j2._id!] })).to.equal(2);
      expect(await repo.removeJobs({ name: 'non-existent' })).to.equal(0);
      expect(await repo.removeJobs({})).to.equal(0);
      expect(await repo.removeJobs({ data: { tenantId: 'other' } })).to.equal(0);
      expect(await repo.removeJobs({ data: { tenantId: 'k' } })).to.equal(1);
      expect(await repo.getJobById(keep._id!)).to.equal(null);
    });

    it('removes all but the named ones with notNames', async () => {
      await repo.saveJob(job({ name: 'a' }), undefined);
      await repo.saveJob(job({ name: 'b' }), undefined);
      expect(await repo.removeJobs({ notNames: ['a'] })).to.equal(1);
      expect(await repo.getDistinctJobNames()).to.deep.equal(['a']);
    });
  });

  describe('getDistinctJobNames and getQueueSize', () => {
    it('returns unique names, or [] when there are no jobs', async () => {
      expect(await repo.getDistinctJobNames()).to.deep.equal([]);
      for (const name of ['name-a', 'name-b', 'name-a']) await repo.saveJob(job({ name }), undefined);
      expect(await repo.getDistinctJobNames()).to.deep.equal(['name-a', 'name-b']);
    });

    it('counts only jobs that are due', async () => {
      await repo.saveJob(job({ name: 'future', nextRunAt: new Date(Date.now() + 60000) }), undefined);
      expect(await repo.getQueueSize()).to.equal(0);
      await repo.saveJob(job({ name: 'past-1', nextRunAt: new Date(Date.now() - 60000) }), undefined);
      await repo.saveJob(job({ name: 'past-2', nextRunAt: new Date(Date.now() - 30000) }), undefined);
      expect(await repo.getQueueSize()).to.equal(2);
    });
  });

  describe('locking', () => {
    it('locks a job once; a second lock with the same parameters fails', async () => {
      const saved = await repo.saveJob(job({ nextRunAt: new Date(Date.now() - 1000) }), undefined);
      const locked = await repo.lockJob(saved, undefined);
      expect(locked?.lockedAt).to.be.instanceOf(Date);
      expect(locked?._id).to.equal(saved._id);
      expect(await repo.lockJob(saved, undefined)).to.equal(undefined);
      expect((await repo.lockInfo(saved._id!))?.lockedBy).to.equal('worker-a');
    });

    it('does not lock a disabled job', async () => {
      const saved = await repo.saveJob(job({ nextRunAt: new Date(Date.now() - 1000), disabled: true }), undefined);
      expect(await repo.lockJob(saved, undefined)).to.equal(undefined);
    });

    it('unlocks one job and several jobs', async () => {
      const j1 = await repo.saveJob(job({ name: 'u1', nextRunAt: new Date(Date.now() - 1000) }), undefined);
      const j2 = await repo.saveJob(job({ name: 'u2', nextRunAt: new Date(Date.now() - 1000) }), undefined);
      const j3 = await repo.saveJob(job({ name: 'u3', nextRunAt: new Date(Date.now() - 1000) }), undefined);
      const l1 = await repo.lockJob(j1, undefined);
      await repo.lockJob(j2, undefined);
      await repo.lockJob(j3, undefined);
      await repo.unlockJob(l1!);
      expect((await repo.getJobById(j1._id!))!.lockedAt == null).to.equal(true);
      await repo.unlockJobs([j2._id!, j3._id!]);
      expect((await repo.getJobById(j2._id!))!.lockedAt == null).to.equal(true);
      expect((await repo.getJobById(j3._id!))!.lockedAt == null).to.equal(true);
    });
  });

  describe('getNextJobToRun', () => {
    it('finds and locks the next due job', async () => {
      await repo.saveJob(job({ name: 'runner', priority: 5, nextRunAt: new Date(Date.now() - 60000), data: { order: 'first' } }), undefined);
      const { now, nextScanAt, lockDeadline } = window();
      const next = await repo.getNextJobToRun('runner', nextScanAt, lockDeadline, now, undefined);
      expect(next?.name).to.equal('runner');
      expect(next?.lockedAt?.getTime()).to.equal(now.getTime());
      expect(await repo.getNextJobToRun('runner', nextScanAt, lockDeadline, now, undefined)).to.equal(undefined);
    });

    it('takes the earliest job first, then the highest priority', async () => {
      const same = new Date(Date.now() - 60000);
      await repo.saveJob(job({ name: 'p', priority: 5, nextRunAt: same, data: { priority: 'low' } }), undefined);
      await repo.saveJob(job({ name: 'p', priority: 10, nextRunAt: same, data: { priority: 'high' } }), undefined);
      await repo.saveJob(job({ name: 'p', priority: -5, nextRunAt: new Date(same.getTime() - 1000), data: { priority: 'earliest' } }), undefined);
      const { now, nextScanAt, lockDeadline } = window();
      const order = [];
      for (let i = 0; i < 3; i++) order.push((await repo.getNextJobToRun('p', nextScanAt, lockDeadline, now, undefined))!.data);
      expect(order).to.deep.equal([{ priority: 'earliest' }, { priority: 'high' }, { priority: 'low' }]);
    });

    it('does not return disabled jobs or jobs that are not due', async () => {
      await repo.saveJob(job({ name: 'disabled', nextRunAt: new Date(Date.now() - 60000), disabled: true }), undefined);
      await repo.saveJob(job({ name: 'future', nextRunAt: new Date(Date.now() + 60000) }), undefined);
      const { now, nextScanAt, lockDeadline } = window();
      expect(await repo.getNextJobToRun('disabled', nextScanAt, lockDeadline, now, undefined)).to.equal(undefined);
      expect(await repo.getNextJobToRun('future', nextScanAt, lockDeadline, now, undefined)).to.equal(undefined);
    });

    it('takes over a lock older than the lock lifetime (a crashed worker), not a live one', async () => {
      const saved = await repo.saveJob(job({ name: 'crashed', nextRunAt: new Date(Date.now() - 60000) }), undefined);
      const t0 = Date.now();
      const first = await repo.getNextJobToRun('crashed', new Date(t0 + 5000), new Date(t0 - 600000), new Date(t0), undefined);
      expect(first?._id).to.equal(saved._id);
      const other = new TypeormJobRepository(ds, 'worker-b');
      // Lock lifetime 10 min, 1 min later: the lock is live.
      const t1 = t0 + 60000;
      expect(await other.getNextJobToRun('crashed', new Date(t1 + 5000), new Date(t1 - 600000), new Date(t1), undefined)).to.equal(undefined);
      // 11 min later: the lock has expired and the other worker takes the job.
      const t2 = t0 + 660000;
      const taken = await other.getNextJobToRun('crashed', new Date(t2 + 5000), new Date(t2 - 600000), new Date(t2), undefined);
      expect(taken?._id).to.equal(saved._id);
      expect((await repo.lockInfo(saved._id!))?.lockedBy).to.equal('worker-b');
    });

    it('gives each due job to exactly one of many concurrent callers', async () => {
      for (let i = 0; i < 5; i++) await repo.saveJob(job({ name: 'contended', nextRunAt: new Date(Date.now() - 1000), data: { i } }), undefined);
      const workers = Array.from({ length: 6 }, (_, i) => new TypeormJobRepository(ds, `w${i}`));
      const got: string[] = [];
      await Promise.all(workers.map(async (w) => {
        for (;;) {
          const { now, nextScanAt, lockDeadline } = window();
          const next = await w.getNextJobToRun('contended', nextScanAt, lockDeadline, now, undefined);
          if (!next) return;
          got.push(String(next._id));
        }
      }));
      expect(got).to.have.length(5);
      expect(new Set(got).size).to.equal(5);
    });
  });

  describe('saveJobState', () => {
    it('updates the state fields', async () => {
      const saved = await repo.saveJob(job({ name: 'state' }), undefined);
      const now = new Date();
      await repo.saveJobState({ ...saved, lastRunAt: now, lastFinishedAt: now, progress: 50, failCount: 1, failReason: 'Test error', failedAt: now }, undefined);
      const got = await repo.getJobById(saved._id!);
      expect(got!.lastRunAt!.getTime()).to.equal(now.getTime());
      expect(got!.lastFinishedAt!.getTime()).to.equal(now.getTime());
      expect(got).to.include({ progress: 50, failCount: 1, failReason: 'Test error' });
      expect(got!.failedAt!.getTime()).to.equal(now.getTime());
    });

    it('clears lockedAt (and the owner) when the job completes', async () => {
      const saved = await repo.saveJob(job({ name: 'complete', nextRunAt: new Date(Date.now() - 1000) }), undefined);
      const locked = await repo.lockJob(saved, undefined);
      await repo.saveJobState({ ...locked!, lockedAt: undefined, lastFinishedAt: new Date() }, undefined);
      expect(await repo.lockInfo(saved._id!)).to.deep.equal({ lockedAt: null, lockedBy: null });
    });

    it('fails for a job that no longer exists', async () => {
      const saved = await repo.saveJob(job({ name: 'gone' }), undefined);
      await repo.removeJobs({ id: saved._id! });
      let err: unknown;
      try {
        await repo.saveJobState(saved, undefined);
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/cannot be updated/);
    });
  });

  describe('disable, enable, purge, overview', () => {
    it('disables and enables matching jobs, counting the ones changed', async () => {
      await repo.saveJob(job({ name: 'x', data: { tenantId: 't1' } }), undefined);
      await repo.saveJob(job({ name: 'y', data: { tenantId: 't1' } }), undefined);
      await repo.saveJob(job({ name: 'x', data: { tenantId: 't2' } }), undefined);
      expect(await repo.disableJobs({})).to.equal(0);
      expect(await repo.disableJobs({ data: { tenantId: 't1' } })).to.equal(2);
      expect((await repo.queryJobs({ includeDisabled: false })).total).to.equal(1);
      expect(await repo.disableJobs({ name: 'x' })).to.equal(1);
      expect(await repo.enableJobs({ name: 'x' })).to.equal(2);
      expect((await repo.queryJobs({ includeDisabled: false })).total).to.equal(2);
    });

    it('purges every job', async () => {
      await repo.saveJob(job({ name: 'a' }), undefined);
      await repo.saveJob(job({ name: 'b' }), undefined);
      expect(await repo.purgeAllJobs()).to.equal(2);
      expect((await repo.queryJobs()).total).to.equal(0);
    });

    it('summarises jobs per name', async () => {
      await repo.saveJob(job({ name: 'overview-job', nextRunAt: new Date(Date.now() + 60000) }), undefined);
      await repo.saveJob(job({ name: 'overview-job', nextRunAt: null, lastFinishedAt: new Date() }), undefined);
      await repo.saveJob(job({ name: 'other-job', nextRunAt: new Date(Date.now() + 60000), disabled: true }), undefined);
      const overview = await repo.getJobsOverview();
      const o = overview.find((x) => x.name === 'overview-job');
      expect(o).to.include({ total: 2, scheduled: 1, completed: 1 });
      expect(overview.find((x) => x.name === 'other-job')).to.include({ total: 1, paused: 1 });
    });
  });
});
