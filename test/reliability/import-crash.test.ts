import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { TenantService } from '../../src/tenants/service.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { freshDatabase, sharedTestTarget } from '../support/database.js';
import { canonicalDump, duplicatesIn } from './support/canonical-dump.js';
import { runAndMaybeKill } from './support/child.js';
import { count, runsFor } from './support/figures.js';
import { seededRandom } from './support/seeded-random.js';

describe('An import killed at a random point (SIGKILL) and run again ends in the uninterrupted state', function () {
  this.timeout(0);
  const runs = runsFor(20, 1);
  const seed = Number(process.env.RELIABILITY_SEED ?? 20261122);
  const random = seededRandom(seed);
  const key = randomBytes(32);
  const secrets = new SecretBox(key);
  const target = sharedTestTarget();
  const env: NodeJS.ProcessEnv = {
    RECURRA_SECRET_KEY: key.toString('hex'),
    ...(target.url ? { DATABASE_URL: target.url } : { RECURRA_DATA_DIR: target.sqlitePath.replace(/\/recurra\.sqlite$/, '') }),
  };
  let sandbox: RunningSandbox;
  let uninterruptedMs = 0;
  /** The uninterrupted import's state and the (UTC, the tenant's zone) day it ran on. */
  let expected: { state: Awaited<ReturnType<typeof canonicalDump>>; day: string };
  const today = () => new Date().toISOString().slice(0, 10);

  /** A fresh database with the tenant, as a new installation would have it. */
  async function freshTenant(): Promise<{ ds: DataSource; tenantId: string }> {
    const ds = await freshDatabase(target);
    const t = await new TenantService(ds, secrets).create({
      name: 'crash', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl,
      audience: sandbox.audience, settings: { imports: { includeOwnCompany: true, ownCompanyPax8Id: sandbox.data.partnerCompanyId } },
    });
    return { ds, tenantId: t.id };
  }

  async function uninterruptedImport(): Promise<typeof expected> {
    const { ds, tenantId } = await freshTenant();
    try {
      const started = Date.now();
      const r = await runAndMaybeKill(['import', '--tenant', 'crash', '--json'], env, null);
      uninterruptedMs = Date.now() - started;
      expect(r.code, r.output).to.equal(0);
      return { state: await canonicalDump(ds, tenantId), day: today() };
    } finally {
      await ds.destroy();
    }
  }

  before(async () => {
    sandbox = await startSandbox({ seed: 9, companies: 40, subscriptions: 400, usageSummaries: 8, port: 0, rateLimitPerMinute: null });
    expected = await uninterruptedImport();
    expect(expected.state.subscriptions.length).to.be.greaterThan(100);
  });
  after(() => sandbox?.close());

  for (let i = 0; i < runs; i++) {
    it(`crash ${i + 1}/${runs}: killed, restarted, same state, nothing twice`, async () => {
      const { ds, tenantId } = await freshTenant();
      let actual: typeof expected.state;
      let day: string;
      const killAfter = Math.round(uninterruptedMs * (0.35 + 0.6 * random()));
      try {
        // Process start-up takes a good part of the run; kill anywhere from just after start to near the end.
        const first = await runAndMaybeKill(['import', '--tenant', 'crash'], env, killAfter);
        if (first.killed) count('crashesSurvived');
        const written = await ds.query('SELECT COUNT(*) AS n FROM subscriptions');
        if (first.killed && Number(written[0].n) > 0 && Number(written[0].n) < expected.state.subscriptions.length) count('crashesMidWrite');
        const again = await runAndMaybeKill(['import', '--tenant', 'crash', '--json'], env, null);
        day = today();
        expect(again.code, again.output).to.equal(0);
        actual = await canonicalDump(ds, tenantId);
      } finally {
        await ds.destroy();
      }
      // An import dates what it records on its own day: once the day has turned, the uninterrupted state to
      // compare with is that of an import run on the new day.
      if (day !== expected.day) expected = await uninterruptedImport();
      const dups = duplicatesIn(actual);
      count('duplicatesFound', dups.length);
      expect(dups, `duplicates (seed ${seed}, kill after ${killAfter} ms)`).to.deep.equal([]);
      if (JSON.stringify(actual) !== JSON.stringify(expected.state)) count('mismatches');
      expect(actual, `state after a kill at ${killAfter} ms (seed ${seed})`).to.deep.equal(expected.state);
    });
  }
});
