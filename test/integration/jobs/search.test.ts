import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import type { JobParameters } from 'agenda';
import { freshDatabase } from '../../support/database.js';
import { LIKE_PROBE_CASES, LIKE_PROBE_NAMES } from '../../support/like-probe.js';
import { TypeormJobRepository } from '../../../src/jobs/typeorm-repository.js';
import { jobsTestTarget } from './db.js';

/** Agenda's `queryJobs({ search })` finds jobs whose name contains the text literally and case-insensitively. */
describe(`jobs: search by name is literal (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, () => {
  let ds: DataSource;
  let repo: TypeormJobRepository;

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
    repo = new TypeormJobRepository(ds, 'worker-search');
    await repo.connect();
    await repo.purgeAllJobs();
    for (const name of LIKE_PROBE_NAMES) {
      await repo.saveJob({ name, priority: 0, nextRunAt: new Date(), type: 'normal', data: {} } as JobParameters, undefined);
    }
  });
  after(async () => {
    await repo?.purgeAllJobs();
    await ds?.destroy();
  });

  for (const [text, expected] of LIKE_PROBE_CASES) {
    it(`a search for ${JSON.stringify(text)} finds exactly ${JSON.stringify(expected)}`, async () => {
      const { jobs, total } = await repo.queryJobs({ search: text });
      expect(jobs.map((j) => j.name).sort()).to.deep.equal([...expected].sort());
      expect(total).to.equal(expected.length);
    });
  }
});
