import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startSandbox, type RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { runCli } from '../../support/cli.js';
import { onMariaDb } from '../../support/database.js';

/** A stand-in Pax8 that issues tokens but forbids every API call (the sandbox has no such partner). */
function startForbiddingPax8(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/v1/token') {
      res.end(JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 86400 }));
      return;
    }
    res.statusCode = 403;
    res.end(JSON.stringify({ type: 'FORBIDDEN', message: 'Access denied', instance: req.url, status: 403, details: [] }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('recurra tenants (against the Pax8 sandbox)', function () {
  this.timeout(60000);
  // The embedded SQLite file is what these commands serve; the MariaDB pass adds nothing here.
  before(function () {
    if (onMariaDb()) this.skip();
  });
  let sandbox: RunningSandbox;
  const env: NodeJS.ProcessEnv = { RECURRA_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'recurra-tenants-')) };

  before(async () => {
    sandbox = await startSandbox({ seed: 7, companies: 5, port: 0 });
  });
  after(() => sandbox?.close());

  async function add(name: string, secret: string, extra: string[] = [], apiUrl = sandbox.baseUrl, tokenUrl = sandbox.tokenUrl) {
    return runCli(['tenants', 'add', name, '--client-id', sandbox.clientId, '--api-url', apiUrl, '--token-url', tokenUrl, ...extra], env, `${secret}\n`);
  }

  it('adds a tenant with the secret from stdin, never echoing or storing it in clear', async () => {
    const r = await add('good', sandbox.clientSecret, ['--time-zone', 'America/New_York']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).to.not.include(sandbox.clientSecret);
    const db = new Database(path.join(env.RECURRA_DATA_DIR!, 'recurra.sqlite'), { readonly: true });
    const rows = JSON.stringify(db.prepare('SELECT * FROM tenants').all());
    db.close();
    expect(rows).to.include('America/New_York').and.not.include(sandbox.clientSecret);
  });

  it('lists tenants without secrets', async () => {
    const r = await runCli(['tenants', 'list', '--json'], env);
    expect(r.code).to.equal(0);
    const list = JSON.parse(r.stdout) as Array<{ name: string; hasClientSecret: boolean }>;
    expect(list.map((t) => t.name)).to.deep.equal(['good']);
    expect(list[0].hasClientSecret).to.equal(true);
    expect(r.stdout).to.not.include(sandbox.clientSecret);
  });

  it('reports a working connection', async () => {
    const r = await runCli(['tenants', 'test', 'good', '--json'], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ ok: true });
  });

  it('reports bad credentials', async () => {
    expect((await add('wrong-secret', 'not-the-secret')).code).to.equal(0);
    const r = await runCli(['tenants', 'test', 'wrong-secret', '--json'], env);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.stdout).reason).to.equal('bad_credentials');
  });

  it('reports an unreachable Pax8', async () => {
    expect((await add('nowhere', 'x', [], 'http://127.0.0.1:9/v1', 'http://127.0.0.1:9/v1/token')).code).to.equal(0);
    const r = await runCli(['tenants', 'test', 'nowhere'], env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('connection failed (unreachable)');
  });

  it('reports a forbidden API user', async () => {
    const stub = await startForbiddingPax8();
    try {
      expect((await add('forbidden', 'x', [], `${stub.url}/v1`, `${stub.url}/v1/token`)).code).to.equal(0);
      const r = await runCli(['tenants', 'test', 'forbidden', '--json'], env);
      expect(r.code).to.equal(1);
      expect(JSON.parse(r.stdout).reason).to.equal('forbidden');
    } finally {
      stub.server.close();
    }
  });

  it('reports a timeout when Pax8 does not answer in time', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['slow'], slowMs: 5000 });
    try {
      const r = await runCli(['tenants', 'test', 'good', '--json', '--timeout', '500'], env);
      expect(r.code).to.equal(1);
      expect(JSON.parse(r.stdout).reason).to.equal('timeout');
    } finally {
      sandbox.setFaults(null);
    }
  });

  it('refuses a duplicate (exit 1) or badly named tenant (exit 2), and removes only with --yes', async () => {
    const dup = await add('good', 'x');
    expect(dup.code).to.equal(1);
    expect(dup.stderr).to.include('a tenant named "good" already exists');
    const bad = await add('Bad Name', 'x');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('name: lower-case letters');
    expect((await runCli(['tenants', 'remove', 'good'], env)).code).to.equal(2);
    expect((await runCli(['tenants', 'remove', 'good', '--yes'], env)).code).to.equal(0);
    const r = await runCli(['tenants', 'test', 'good'], env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('no tenant named "good"');
  });
});
