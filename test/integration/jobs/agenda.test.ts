import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { Agenda, type Job, type JobParameters } from 'agenda';
import { freshDatabase } from '../../support/database.js';
import { TypeormAgendaBackend } from '../../../src/jobs/typeorm-backend.js';
import { jobsTestTarget } from './db.js';
import { eventsSeen, sleep, waitFor } from './helpers.js';

/**
 * The behaviours of Agenda's shared integration suites (agenda-test-suite, retry-, backoff-,
 * removeoncomplete-test-suite in agenda/agenda) with a real Agenda on our backend.
 */
describe(`jobs: Agenda on the TypeORM backend (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, () => {
  let ds: DataSource;
  let backend: TypeormAgendaBackend;
  let agenda: Agenda;
  const noop = async () => {};

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
    backend = new TypeormAgendaBackend(ds, 'agenda-test');
  });
  after(async () => {
    await ds?.destroy();
  });
  beforeEach(async () => {
    await backend.repository.purgeAllJobs();
    agenda = new Agenda({ backend, processEvery: 50 });
    await agenda.ready;
  });
  afterEach(async () => {
    await agenda.stop();
  });

  describe('every()', () => {
    it('stores interval and cron repeats, updating a job scheduled before', async () => {
      await agenda.every('5 minutes', 'interval-job');
      await agenda.every('0 6 * * *', 'cron-job');
      await agenda.every('1 minute', 'interval-job');
      const interval = await agenda.queryJobs({ name: 'interval-job' });
      expect(interval.jobs.map((j) => j.repeatInterval)).to.deep.equal(['1 minute']);
      expect((await agenda.queryJobs({ name: 'cron-job' })).jobs[0]!.repeatInterval).to.equal('0 6 * * *');
    });

    it('computes cron runs in the given time zone, across a DST change', async () => {
      agenda.define('tz-job', noop);
      const job = agenda.create('tz-job', {});
      job.attrs.nextRunAt = new Date('2026-03-28T12:00:00Z');
      job.repeatEvery('0 3 * * *', { timezone: 'Europe/Amsterdam', skipImmediate: true });
      await job.save();
      const first = (await backend.repository.getJobById(String(job.attrs._id)))!;
      expect(first.repeatTimezone).to.equal('Europe/Amsterdam');
      // 03:00 in Amsterdam on 29 March 2026 is after the switch to summer time (UTC+2).
      expect(first.nextRunAt!.toISOString()).to.equal('2026-03-29T01:00:00.000Z');
      const ny = agenda.create('tz-job', {});
      ny.attrs.nextRunAt = new Date('2026-01-10T12:00:00Z');
      ny.repeatEvery('15 0 * * *', { timezone: 'America/New_York', skipImmediate: true });
      await ny.save();
      expect((await backend.repository.getJobById(String(ny.attrs._id)))!.nextRunAt!.toISOString()).to.equal('2026-01-11T05:15:00.000Z');
    });

    it('runs at once without skipImmediate and one interval later with it', async () => {
      agenda.define('skip', noop);
      agenda.define('noskip', noop);
      const before = Date.now();
      const now = await agenda.every('5 minutes', 'noskip', {});
      const later = await agenda.every('5 minutes', 'skip', {}, { skipImmediate: true });
      expect(now.attrs.nextRunAt!.getTime()).to.be.below(before + 60_000);
      expect(later.attrs.nextRunAt!.getTime()).to.be.at.least(before + 4 * 60_000);
    });

    it('reschedules a repeating job after it runs', async () => {
      let runs = 0;
      agenda.define('repeat', async () => { runs++; });
      await agenda.start();
      const done = eventsSeen(agenda, 'complete:repeat', 2);
      await agenda.every(200, 'repeat');
      await done;
      expect(runs).to.be.at.least(2);
      const [job] = (await agenda.queryJobs({ name: 'repeat' })).jobs;
      expect(job!.nextRunAt).to.be.instanceOf(Date);
      expect(job!.lastFinishedAt).to.be.instanceOf(Date);
    });
  });

  describe('processing', () => {
    it('runs a job once with its data, locked while it runs and unlocked after', async () => {
      const seen: Array<{ data: unknown; locked: boolean }> = [];
      agenda.define('work', async (job: Job<{ n: number }>) => {
        const row = await backend.repository.getJobById(String(job.attrs._id));
        seen.push({ data: job.attrs.data, locked: !!row?.lockedAt });
      });
      await agenda.start();
      const done = eventsSeen(agenda, 'complete:work');
      const job = await agenda.now('work', { n: 7 });
      await done;
      await sleep(200);
      expect(seen).to.deep.equal([{ data: { n: 7 }, locked: true }]);
      const row = await backend.repository.getJobById(String(job.attrs._id));
      expect(row!.lockedAt).to.equal(undefined);
      expect(row!.lastFinishedAt).to.be.instanceOf(Date);
    });

    it('emits fail and stores the failure without retrying when no backoff is set', async () => {
      let runs = 0;
      agenda.define('broken', async () => { runs++; throw new Error('boom'); });
      await agenda.start();
      const failed = eventsSeen(agenda, 'fail:broken');
      const job = await agenda.now('broken');
      await failed;
      await sleep(300);
      const row = await backend.repository.getJobById(String(job.attrs._id));
      expect(runs).to.equal(1);
      expect(row).to.include({ failCount: 1, failReason: 'boom' });
      expect(row!.failedAt).to.be.instanceOf(Date);
    });

    /** The job's row once its run is saved (unlocked and `done`). */
    const savedRow = (job: Job, done: (r: JobParameters) => boolean, what: string) => waitFor(async () => {
      const r = await backend.repository.getJobById(String(job.attrs._id));
      return r && !r.lockedAt && done(r) ? r : null;
    }, what);

    // Agenda stores what a handler threw as failReason as it is; a plain object once made the state save fail (SQLite:
    // "Too few parameter values"; MariaDB: "[object Object]") and left the job locked with no failCount.
    for (const [what, thrown, reason] of [
      ['a plain object', { code: 'E_PAX8', detail: { status: 503 } }, '{"code":"E_PAX8","detail":{"status":503}}'],
      ['a string', 'Pax8 answered 503', 'Pax8 answered 503'],
      ['an Error', new Error('boom'), 'boom'],
      ['a number', 42, '42'],
    ] as const) {
      it(`stores a failure that throws ${what} as text, unlocks the job and applies the retry policy`, async () => {
        let runs = 0;
        agenda.define('throws', async () => { runs++; throw thrown; }, { backoff: (ctx) => (ctx.attempt <= 1 ? 20 : null) });
        const exhausted = eventsSeen(agenda, 'retry exhausted:throws');
        await agenda.start();
        const job = await agenda.now('throws');
        await exhausted;
        const row = await savedRow(job, (r) => r.failCount === 2, 'the second failure saved');
        expect(runs, 'retried once, as the policy says').to.equal(2);
        expect(row).to.include({ failCount: 2, failReason: reason });
        expect(row.failedAt).to.be.instanceOf(Date);
        expect(row.nextRunAt ?? null).to.equal(null);
      });
    }

    it('bounds a long failure reason and stores an object that refers to itself', async () => {
      const circular: Record<string, unknown> = { message: 'x'.repeat(5000) };
      circular.self = circular;
      agenda.define('circular', async () => { throw circular; });
      const failed = eventsSeen(agenda, 'fail:circular');
      await agenda.start();
      const job = await agenda.now('circular');
      await failed;
      const row = await savedRow(job, (r) => r.failCount === 1, 'the failure saved');
      expect(row.failReason).to.be.a('string').with.length(2000);
      expect(row.failReason!.startsWith('{"message":"xxx')).to.equal(true);
    });

    it('keeps a progress that is not a number out of the progress column', async () => {
      agenda.define('odd-progress', async (job: Job) => { job.attrs.progress = { percent: 5 } as unknown as number; });
      const done = eventsSeen(agenda, 'complete:odd-progress');
      await agenda.start();
      const job = await agenda.now('odd-progress');
      await done;
      const row = await savedRow(job, (r) => !!r.lastFinishedAt, 'the run saved');
      expect(row.progress ?? null).to.equal(null);
    });

    it('keeps to maxConcurrency and per-definition concurrency', async () => {
      let running = 0;
      let most = 0;
      const body = async () => {
        running++;
        most = Math.max(most, running);
        await sleep(80);
        running--;
      };
      agenda.maxConcurrency(2);
      agenda.define('global', body);
      await agenda.start();
      let done = eventsSeen(agenda, 'complete:global', 4);
      await Promise.all([1, 2, 3, 4].map(() => agenda.now('global')));
      await done;
      expect(most).to.be.within(1, 2);
      await agenda.stop();

      agenda = new Agenda({ backend, processEvery: 50 });
      most = 0;
      agenda.define('per-def', body, { concurrency: 1 });
      await agenda.start();
      done = eventsSeen(agenda, 'complete:per-def', 3);
      await Promise.all([1, 2, 3].map(() => agenda.now('per-def')));
      await done;
      expect(most).to.equal(1);
    });

    it('runs higher priority first among jobs due at the same time', async () => {
      const order: number[] = [];
      agenda.define('prio', async (job: Job) => { order.push(job.attrs.priority); });
      const due = new Date(Date.now() - 1000);
      for (const p of [-10, 10, 0]) {
        const j = agenda.create('prio');
        j.attrs.nextRunAt = due;
        await j.priority(p).save();
      }
      agenda.maxConcurrency(1);
      const done = eventsSeen(agenda, 'complete:prio', 3);
      await agenda.start();
      await done;
      expect(order[0]).to.equal(10);
      expect([...order].sort((a, b) => a - b)).to.deep.equal([-10, 0, 10]);
    });

    it('waits for running jobs on drain', async () => {
      let finished = false;
      agenda.define('slow', async () => { await sleep(300); finished = true; });
      await agenda.start();
      const started = eventsSeen(agenda, 'start:slow');
      await agenda.now('slow');
      await started;
      const result = await agenda.drain();
      expect(finished).to.equal(true);
      expect(result).to.include({ completed: 1, running: 0, timedOut: false });
    });
  });

  describe('unique jobs', () => {
    it('keeps one job per unique key and two for different keys', async () => {
      agenda.define('uq', noop);
      await agenda.create('uq', { tenantId: 'a', v: 1 }).unique({ 'data.tenantId': 'a' }).schedule('in 1 hour').save();
      await agenda.create('uq', { tenantId: 'a', v: 2 }).unique({ 'data.tenantId': 'a' }).schedule('in 1 hour').save();
      await agenda.create('uq', { tenantId: 'b', v: 1 }).unique({ 'data.tenantId': 'b' }).schedule('in 1 hour').save();
      const jobs = (await agenda.queryJobs({ name: 'uq', sort: { name: 'asc' } })).jobs;
      expect(jobs).to.have.length(2);
      expect(jobs.find((j) => (j.data as { tenantId: string }).tenantId === 'a')!.data).to.deep.equal({ tenantId: 'a', v: 2 });
    });
  });

  describe('retries', () => {
    it('retries with backoff until it succeeds, counting failures', async () => {
      let runs = 0;
      agenda.define('flaky', async () => { runs++; if (runs < 3) throw new Error(`fail ${runs}`); }, {
        backoff: (ctx) => (ctx.attempt <= 5 ? 20 * ctx.attempt : null),
      });
      const retries = eventsSeen(agenda, 'retry:flaky', 2);
      const success = eventsSeen(agenda, 'success:flaky');
      await agenda.start();
      await agenda.now('flaky');
      const details = (await retries).map(([, d]) => (d as { attempt: number }).attempt);
      await success;
      expect(runs).to.equal(3);
      expect(details).to.deep.equal([1, 2]);
    });

    it('stops after the bounded number of retries and leaves the job failed', async () => {
      let runs = 0;
      agenda.define('doomed', async () => { runs++; throw new Error('always'); }, {
        backoff: (ctx) => (ctx.attempt <= 2 ? 20 : null),
      });
      const exhausted = eventsSeen(agenda, 'retry exhausted:doomed');
      await agenda.start();
      const job = await agenda.now('doomed');
      await exhausted;
      await sleep(300);
      expect(runs).to.equal(3);
      const [state] = (await agenda.queryJobs({ id: String(job.attrs._id) })).jobs;
      expect(state).to.include({ failCount: 3, failReason: 'always', state: 'failed' });
    });
  });

  describe('disable, enable, cancel, purge, removeOnComplete', () => {
    it('does not run a disabled job and runs it once enabled', async () => {
      let runs = 0;
      agenda.define('paused', async () => { runs++; });
      const job = agenda.create('paused');
      job.attrs.nextRunAt = new Date(Date.now() - 1000);
      await job.disable().save();
      await agenda.start();
      await sleep(400);
      expect(runs).to.equal(0);
      expect(await agenda.disable({})).to.equal(0);
      const done = eventsSeen(agenda, 'complete:paused');
      expect(await agenda.enable({ name: 'paused' })).to.equal(1);
      await done;
      expect(runs).to.equal(1);
    });

    it('cancels matching jobs and purges jobs without a definition', async () => {
      agenda.define('defined', noop);
      await agenda.schedule('in 1 hour', 'defined', { t: 1 });
      await agenda.schedule('in 1 hour', 'defined', { t: 2 });
      await agenda.schedule('in 1 hour', 'orphan', {});
      expect(await agenda.cancel({ name: 'defined', data: { t: 1 } })).to.equal(1);
      expect(await agenda.purge()).to.equal(1);
      expect((await agenda.queryJobs()).jobs.map((j) => j.name)).to.deep.equal(['defined']);
      expect(await agenda.cancelAll()).to.equal(1);
    });

    it('removes a one-time job after success when removeOnComplete is set, keeps a failed one', async () => {
      agenda.define('tidy', noop, { removeOnComplete: true });
      agenda.define('tidy-fail', async () => { throw new Error('x'); }, { removeOnComplete: true });
      await agenda.start();
      const ok = await agenda.now('tidy');
      const bad = await agenda.now('tidy-fail');
      await waitFor(async () => (await backend.repository.getJobById(String(ok.attrs._id))) === null, 'tidy job removed');
      await waitFor(async () => (await backend.repository.getJobById(String(bad.attrs._id)))?.failedAt, 'tidy-fail failed');
    });
  });
});
