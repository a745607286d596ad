import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { startDemo } from '../../../src/http/demo.js';
import { clockFrom } from '../../../src/common/clock.js';
import { ImportRun, UsageLine } from '../../../src/db/entities/index.js';

/**
 * `npm start` on a fresh machine: the demo sandbox starts at the present and its first import brings this month's
 * usage lines (a newcomer sees usage in the browser), whatever the day.
 */
describe(`demo: a fresh start shows this month's usage (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);

  for (const now of ['2027-03-10T12:00:00Z', '2028-03-01T09:00:00Z', '2028-02-29T18:00:00Z', '2026-12-31T23:59:00Z']) {
    it(`on ${now}: usage lines dated in that month and none after the day`, async () => {
      const ds: DataSource = await freshDatabase();
      const base = loadConfig({ RECURRA_ENV: 'test' });
      const rt: Runtime = {
        config: { ...base, demo: { sandbox: true, sandboxPort: 0, sandboxCompanies: 8 } },
        logger: createLogger('silent'), ds, secrets: testSecretBox(), close: async () => {},
      };
      const demo = await startDemo(rt, () => {}, clockFrom(now));
      try {
        expect(demo, 'the demo started').to.not.equal(null);
        await demo!.imported;
        const [run] = await ds.manager.find(ImportRun, { where: { tenantId: demo!.tenantId } });
        expect(run!.status).to.be.oneOf(['succeeded', 'partial']);
        const month = now.slice(0, 7);
        const day = now.slice(0, 10);
        const lines = await ds.manager.find(UsageLine, { where: { tenantId: demo!.tenantId } });
        const thisMonth = lines.filter((l) => l.usageDate.startsWith(month));
        expect(thisMonth.length, `usage lines in ${month}`).to.be.greaterThan(0);
        expect(lines.filter((l) => l.usageDate > day), 'no line after today').to.deep.equal([]);
      } finally {
        await demo?.close();
        await ds.destroy();
      }
    });
  }
});
