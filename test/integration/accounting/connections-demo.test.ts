import { expect } from 'chai';
import { createServer } from 'node:net';
import type { DataSource } from 'typeorm';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { startDemo } from '../../../src/http/demo.js';
import { systemClock } from '../../../src/common/clock.js';
import { openAccountingSession } from '../../../src/accounting/session.js';
import { getConnection } from '../../../src/accounting/connections.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';

/** `npm start`: the demo tenant is connected to the local Xero (app credentials and an auto-approved OAuth round trip), at every start. */
describe(`accounting connections: the demo's local Xero (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);
  let ds: DataSource;
  let rt: Runtime;

  /** A port free right now (a restarted demo finds its Pax8 sandbox on the same port, as `npm start` does). */
  const freePort = () => new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as { port: number }; srv.close(() => resolve(port)); });
  });

  before(async () => {
    ds = await freshDatabase();
    const base = loadConfig({ RECURRA_ENV: 'test' });
    rt = { config: { ...base, demo: { sandbox: true, sandboxPort: await freePort(), sandboxCompanies: 4, xeroSandboxPort: await freePort() } }, logger: createLogger('silent'), ds, secrets: testSecretBox(), close: async () => {} };
  });
  after(async () => { await ds?.destroy(); });

  it('connects the new demo tenant to the local Xero, and again after a restart (the sandbox forgets its grants)', async () => {
    for (const start of ['first', 'restart']) {
      const out: string[] = [];
      const demo = await startDemo(rt, (s) => out.push(s), systemClock);
      try {
        expect(demo?.xero, `${start}: the local Xero started`).to.not.equal(null);
        const view = await getConnection(new TenantScope(ds.manager, demo!.tenantId), 'xero');
        expect(view, `${start}: ${out.join('')}`).to.include({ status: 'connected', organisationName: 'Demo Company (UK)', customEndpoints: true });
        const opened = await openAccountingSession(ds, rt.secrets, demo!.tenantId, 'xero', new Date());
        expect(await opened.connector.taxRates(opened.session).catch((e: Error) => { throw new Error(`${start}: ${e.message} ${out.join("")}`); })).to.not.deep.equal([]);
        await demo!.imported;
      } finally {
        await demo?.close();
      }
    }
  });
});
