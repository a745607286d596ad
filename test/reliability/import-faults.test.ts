import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { runImport } from '../../src/imports/run-import.js';
import { TenantService } from '../../src/tenants/service.js';
import { startSandbox, type FaultKind, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { freshDatabase, testSecretBox } from '../support/database.js';
import { canonicalDump, duplicatesIn } from './support/canonical-dump.js';
import { count, runsFor } from './support/figures.js';

const ALL_FAULTS: FaultKind[] = ['429', '500', '503', 'slow', 'reset', 'truncated', 'malformed'];
const NOW = new Date('2026-11-15T12:00:00Z');
const SECRETS = testSecretBox();
/** Short timeouts and backoff so a faulty run finishes quickly; 'slow' faults answer after 1 s, past the 300 ms timeout. */
const CLIENT = { timeoutMs: 300, maxRetries: 8, retryBaseMs: 5, retryMaxDelayMs: 40, rateLimitPerMinute: null };
const MAX_ATTEMPTS = 10;

async function importInto(sandbox: RunningSandbox): Promise<{ ds: DataSource; tenantId: string; attempts: number }> {
  const ds = await freshDatabase();
  const tenant = await new TenantService(ds, SECRETS).create({
    name: 'faults', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl,
    audience: sandbox.audience, settings: { imports: { includeOwnCompany: true, ownCompanyPax8Id: sandbox.data.partnerCompanyId, importInactiveCompanies: true } },
  });
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const run = await runImport({ ds, secrets: SECRETS }, {
      tenantId: tenant.id, trigger: 'cli', startedBy: 'reliability', client: CLIENT, now: NOW,
    });
    count('importRuns');
    if (run.status === 'succeeded') return { ds, tenantId: tenant.id, attempts: attempt };
    count('importRetries');
  }
  await ds.destroy();
  throw new Error(`import did not succeed in ${MAX_ATTEMPTS} attempts`);
}

describe('Imports under injected Pax8 faults end in the fault-free state', function () {
  this.timeout(0);
  const runs = runsFor(100, 3);
  const baseSeed = Number(process.env.RELIABILITY_SEED ?? 20261122);
  let sandbox: RunningSandbox;
  let expected: Awaited<ReturnType<typeof canonicalDump>>;

  before(async () => {
    sandbox = await startSandbox({ seed: 5, companies: 12, usageSummaries: 6, port: 0, rateLimitPerMinute: null });
    const { ds, tenantId } = await importInto(sandbox);
    expected = await canonicalDump(ds, tenantId);
    await ds.destroy();
    expect(expected.subscriptions.length, 'the data set has subscriptions').to.be.greaterThan(10);
    expect(expected.usageLines.length, 'the data set has usage lines').to.be.greaterThan(0);
    expect(duplicatesIn(expected)).to.deep.equal([]);
  });
  after(() => sandbox?.close());

  for (let i = 0; i < runs; i++) {
    const seed = baseSeed + i;
    it(`run ${i + 1}/${runs} (fault seed ${seed}) matches the fault-free import, without duplicates`, async () => {
      const before = sandbox.stats().faultsInjected;
      sandbox.setFaults({ rate: 0.2, kinds: ALL_FAULTS, seed, slowMs: 1000 });
      let result: Awaited<ReturnType<typeof importInto>>;
      try {
        result = await importInto(sandbox);
      } finally {
        sandbox.setFaults(null);
      }
      const injected = sandbox.stats().faultsInjected - before;
      count('faultsInjected', injected);
      try {
        const actual = await canonicalDump(result.ds, result.tenantId);
        const dups = duplicatesIn(actual);
        count('duplicatesFound', dups.length);
        expect(dups, `duplicates with fault seed ${seed}`).to.deep.equal([]);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) count('mismatches');
        expect(actual, `state after fault seed ${seed}`).to.deep.equal(expected);
        expect(injected, 'faults were injected').to.be.greaterThan(0);
      } finally {
        await result.ds.destroy();
      }
    });
  }
});
