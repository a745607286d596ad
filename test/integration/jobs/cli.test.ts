import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { runCli, startCli } from '../../support/cli.js';
import { freshDatabase, insertTenant } from '../../support/database.js';
import { ImportRun, type Tenant } from '../../../src/db/entities/index.js';
import { UserService } from '../../../src/users/service.js';
import { jobsTestTarget } from './db.js';
import { waitFor } from './helpers.js';

const KEY = 'b'.repeat(64);
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** `recurra sync`, `recurra worker` and the scheduler inside `recurra start`, as real processes. */
describe(`jobs: CLI and HTTP (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(90_000);
  let ds: DataSource;
  let env: NodeJS.ProcessEnv;
  let tenant: Tenant;

  beforeEach(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'recurra-jobs-cli-'));
    const target = jobsTestTarget();
    env = { RECURRA_DATA_DIR: dataDir, RECURRA_SECRET_KEY: KEY, PORT: '0', RECURRA_ADMIN_TOKEN: ADMIN_TOKEN };
    if (target.url) {
      env.DATABASE_URL = target.url;
      ds = await freshDatabase(target);
    } else {
      ds = await freshDatabase({ url: null, sqlitePath: path.join(dataDir, 'recurra.sqlite') });
    }
    tenant = await insertTenant(ds, 'acme');
  });
  afterEach(async () => {
    await ds?.destroy();
  });

  it('sync queues jobs, refuses a sync that is already queued, and checks its arguments', async () => {
    const bad = await runCli(['sync', '--tenant', 'acme', '--entities', 'customers,bogus'], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--entities: unknown bogus');

    const ok = await runCli(['sync', '--tenant', 'acme', '--entities', 'customers,usage', '--json'], env);
    expect(ok.code, ok.stderr).to.equal(0);
    const out = JSON.parse(ok.stdout) as { jobs: Array<{ entity: string; jobId: string }> };
    expect(out.jobs.map((j) => j.entity)).to.deep.equal(['customers', 'usage']);

    const again = await runCli(['sync', '--tenant', 'acme', '--entities', 'usage'], env);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('a usage sync for tenant "acme" is already running or queued; please try again when it has finished');
    const unknown = await runCli(['sync', '--tenant', 'nobody'], env);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('no tenant named "nobody"');
  });

  it('worker runs queued syncs and stops cleanly on SIGTERM', async () => {
    const queued = await runCli(['sync', '--tenant', 'acme', '--entities', 'products', '--json'], env);
    const [job] = (JSON.parse(queued.stdout) as { jobs: Array<{ jobId: string }> }).jobs;
    const { child, exited, output } = await startCli(['worker'], env, /is running jobs/);
    // The tenant has no Pax8 credentials: the import fails, and says why, on the run linked to the job.
    const run = await waitFor(async () => ds.manager.findOneBy(ImportRun, { tenantId: tenant.id, jobId: job!.jobId }), 'the run', 60_000);
    expect(run).to.include({ status: 'failed', trigger: 'cli', entities: 'products' });
    expect(JSON.parse(run.message!).error).to.match(/no Pax8 credentials/);
    child.kill('SIGTERM');
    expect(await exited, `${child.signalCode} ${output()}`).to.equal(0);
  });

  it('start serves Agendash at /admin/jobs and sync now over HTTP behind admin authentication', async () => {
    const users = new UserService(ds);
    const { user } = await users.create({ email: 'ops-admin@example.test', role: 'admin', password: 'quartz-Lantern-58-harbor', tenantId: null, customerId: null });
    const { token } = await users.createToken(user.id, 'jobs');
    const { child, match, exited } = await startCli(['start', '--no-scheduler'], env, /listening on (http:\/\/\S+)/);
    try {
      const base = match[1]!;
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      expect((await fetch(`${base}/admin/jobs/`, { headers: { accept: 'application/json' } })).status).to.equal(401);
      const anonymousPage = await fetch(`${base}/admin/jobs/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(anonymousPage.status).to.equal(303);
      expect(anonymousPage.headers.get('location')).to.equal('/login?next=%2Fadmin%2Fjobs%2F');
      expect((await fetch(`${base}/admin/jobs/`, { headers: { authorization: 'Bearer wrong-token-000000000000' } })).status).to.equal(401);
      const bare = await fetch(`${base}/admin/jobs`, { headers: auth, redirect: 'manual' });
      expect(bare.status).to.equal(301);
      expect(bare.headers.get('location')).to.equal('/admin/jobs/');
      const page = await fetch(`${base}/admin/jobs/`, { headers: auth });
      expect(page.status).to.equal(200);
      const html = await page.text();
      expect(html).to.match(/<html/i);
      const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1];
      expect((await fetch(`${base}/admin/jobs/${asset}`, { headers: auth })).status).to.equal(200);

      // Sync now is an API route (an admin user's API token); the operators' admin token opens only Agendash.
      const sync = (body: unknown, bearer = token) => fetch(`${base}/api/v1/tenants/${tenant.id}/sync`, {
        method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      expect((await sync({ entities: ['subscriptions'] }, ADMIN_TOKEN)).status).to.equal(401);
      const first = await sync({ entities: ['subscriptions'] });
      expect(first.status).to.equal(202);
      const queued = (await first.json()) as { jobs: Array<{ entity: string; jobId: string }> };
      expect(queued.jobs.map((j) => j.entity)).to.deep.equal(['subscriptions']);
      const second = await sync({ entities: ['subscriptions'] });
      expect(second.status).to.equal(409);
      expect(((await second.json()) as { error: { code: string } }).error.code).to.equal('sync_running');
      expect((await sync({ entities: ['nope'] })).status).to.equal(400);

      const api = await fetch(`${base}/admin/jobs/api?job=sync:subscriptions`, { headers: auth });
      expect(api.status).to.equal(200);
      expect(JSON.stringify(await api.json())).to.include(queued.jobs[0]!.jobId);
      // Without the scheduler in this process, the job waits for a worker.
      expect(await ds.manager.countBy(ImportRun, { tenantId: tenant.id })).to.equal(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });

  it('an admin bound to one tenant may sync only that tenant and cannot open the all-tenants job dashboard', async () => {
    const own = await insertTenant(ds, 'own-tenant');
    const users = new UserService(ds);
    const { user } = await users.create({ email: 'bound-admin@example.test', role: 'admin', password: 'violet-Canyon-27-ember', tenantId: own.id, customerId: null });
    const { token } = await users.createToken(user.id, 'jobs');
    const { child, match, exited } = await startCli(['start', '--no-scheduler'], env, /listening on (http:\/\/\S+)/);
    try {
      const base = match[1]!;
      const auth = { authorization: `Bearer ${token}` };
      expect((await fetch(`${base}/admin/jobs/`, { headers: { ...auth, accept: 'application/json' } })).status).to.equal(403);
      const sync = (tenantId: string) => fetch(`${base}/api/v1/tenants/${tenantId}/sync`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ entities: ['products'] }),
      });
      expect((await sync(tenant.id)).status, 'another tenant').to.equal(404);
      expect((await sync(own.id)).status, 'its own tenant').to.equal(202);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });

  it('start runs the scheduler by default and stops cleanly', async () => {
    const queued = await runCli(['sync', '--tenant', 'acme', '--entities', 'customers', '--json'], env);
    const [job] = (JSON.parse(queued.stdout) as { jobs: Array<{ jobId: string }> }).jobs;
    // config/test.json turns the scheduler off; RECURRA_SCHEDULER turns it back on, as the default config has it.
    const { child, exited, output } = await startCli(['start'], { ...env, RECURRA_SCHEDULER: 'true' }, /listening on/);
    await waitFor(async () => ds.manager.findOneBy(ImportRun, { tenantId: tenant.id, jobId: job!.jobId }), 'the run', 60_000);
    child.kill('SIGTERM');
    expect(await exited, `${child.signalCode} ${output()}`).to.equal(0);
  });
});
