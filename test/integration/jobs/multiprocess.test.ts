import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { freshDatabase, insertTenant } from '../../support/database.js';
import { createLogger } from '../../../src/logging/logger.js';
import { ImportRun } from '../../../src/db/entities/index.js';
import { Scheduler, syncJobName } from '../../../src/jobs/scheduler.js';
import { SYNC_ENTITIES } from '../../../src/tenants/settings.js';
import type { DatabaseTarget } from '../../../src/db/data-source.js';
import { jobsTestTarget } from './db.js';
import { sleep, waitFor } from './helpers.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'worker.ts');

interface Worker {
  proc: ChildProcess;
  lines: string[];
}

/**
 * Several worker processes on one database (MariaDB with TEST_DATABASE_URL; otherwise a shared SQLite
 * file in WAL mode, whose conditional updates are just as atomic).
 */
describe(`jobs: worker processes (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite file'})`, function () {
  this.timeout(120_000);
  let target: DatabaseTarget;
  let ds: DataSource;
  let scheduler: Scheduler;
  const workers: Worker[] = [];

  const startWorker = async (env: Record<string, string> = {}): Promise<Worker> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: {
        ...process.env, ...env,
        ...(target.url ? { JOBS_DB_URL: target.url } : { JOBS_SQLITE_PATH: target.sqlitePath }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const w: Worker = { proc, lines: [] };
    let buf = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      w.lines.push(...parts);
    });
    workers.push(w);
    await waitFor(() => w.lines.includes('READY') || proc.exitCode !== null, 'a worker to start', 60_000);
    if (!w.lines.includes('READY')) throw new Error(`worker exited with ${proc.exitCode}`);
    return w;
  };
  const runs = (ws: Worker[]) =>
    ws.flatMap((w) => w.lines.filter((l) => l.startsWith('RUN ')).map((l) => {
      const [, jobId, pid] = l.split(' ');
      return { jobId: jobId!, pid: Number(pid) };
    }));

  before(async () => {
    target = jobsTestTarget(true);
    ds = await freshDatabase(target);
    scheduler = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 100, maxConcurrency: 1 });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.proc.exitCode === null && w.proc.signalCode === null) {
        const exited = new Promise((r) => w.proc.once('exit', r));
        w.proc.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000)]);
        if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
      }
    }
    await scheduler.repository.purgeAllJobs();
  });
  after(async () => {
    await ds?.destroy();
  });

  it('runs each scheduled run exactly once with two workers competing', async () => {
    const a = await startWorker();
    const b = await startWorker();
    // 48 runs due within about two seconds, one per tenant and entity, plus one repeating job.
    const expected: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 12; i++) {
      const tenant = await insertTenant(ds, `mp-${i}-${t0}`);
      for (const [k, entity] of SYNC_ENTITIES.entries()) {
        const job = scheduler.agenda
          .create(syncJobName(entity), { tenantId: tenant.id, entity, trigger: 'schedule', startedBy: 'scheduler' })
          .schedule(new Date(t0 + (i * 4 + k) * 40));
        expected.push(String((await job.save()).attrs._id));
      }
    }
    await scheduler.agenda.every(300, 'test:tick');
    await waitFor(() => runs([a, b]).length >= expected.length, `${expected.length} runs`, 60_000);
    await waitFor(() => [a, b].flatMap((w) => w.lines).filter((l) => l.startsWith('TICK ')).length >= 6, 'six ticks', 60_000);
    await sleep(1500); // room for any duplicate to show up

    const seen = runs([a, b]);
    expect(seen.map((r) => r.jobId).sort()).to.deep.equal([...expected].sort());
    const importRuns = await ds.manager.find(ImportRun, { where: {} });
    const forExpected = importRuns.filter((r) => expected.includes(r.jobId!));
    expect(forExpected).to.have.length(expected.length);
    expect(forExpected.every((r) => r.status === 'succeeded')).to.equal(true);

    // The repeating job's runs never overlap: each starts after the previous one ended.
    const ticks = [a, b].flatMap((w) => w.lines.filter((l) => l.startsWith('TICK ')))
      .map((l) => l.split(' ').slice(1, 3).map(Number) as [number, number])
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]![0]).to.be.at.least(ticks[i - 1]![1]);
  });

  it('runs a killed worker\'s job again once its lock has expired', async () => {
    const a = await startWorker({ LOCK_MS: '1500', HANG_ENTITY: 'usage' });
    const tenant = await insertTenant(ds, `killed-${Date.now()}`);
    const [queued] = await scheduler.syncNow(tenant.name, ['usage'], 'cli', 'tester');
    await waitFor(() => runs([a]).some((r) => r.jobId === queued!.jobId), 'worker A to start the job', 60_000);
    const lock = await scheduler.repository.lockInfo(queued!.jobId);
    expect(lock!.lockedBy).to.match(new RegExp(`:${a.proc.pid}:`));
    const died = new Promise((r) => a.proc.once('exit', r));
    a.proc.kill('SIGKILL');
    await died;

    const b = await startWorker({ LOCK_MS: '1500' });
    await waitFor(() => runs([b]).some((r) => r.jobId === queued!.jobId), 'worker B to run the job again', 60_000);
    const finished = await waitFor(async () => {
      const rows = await ds.manager.find(ImportRun, { where: { jobId: queued!.jobId }, order: { startedAt: 'ASC' } });
      return rows.some((r) => r.status === 'succeeded') ? rows : null;
    }, 'the second run to finish', 60_000);
    // The killed attempt never finished, so only the rerun recorded an outcome.
    expect(finished.map((r) => r.status)).to.deep.equal(['succeeded']);
    expect(runs([a, b]).filter((r) => r.jobId === queued!.jobId).map((r) => r.pid)).to.deep.equal([a.proc.pid, b.proc.pid]);
  });
});
