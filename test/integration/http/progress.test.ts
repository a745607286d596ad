import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Customer, ImportRun, type Tenant } from '../../../src/db/entities/index.js';
import { startSandbox, type RunningSandbox } from '../../../src/pax8/sandbox/index.js';
import { TenantService } from '../../../src/tenants/service.js';
import { RunRecorder } from '../../../src/imports/run-record.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { waitFor } from '../jobs/helpers.js';
import { addUser, startApp, type TestApp } from './support.js';

/** Progress of long actions on the Integration page: read from the import runs and jobs as persisted, so a reload shows it. */
describe(`http: the progress panel of long actions (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);
  let app: TestApp;
  let sandbox: RunningSandbox;
  let tenant: Tenant;
  let cookie = '';
  const get = async (path: string) => {
    const res = await fetch(app.url + path, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), location: res.headers.get('location') };
  };
  const panelOf = (html: string) => /<section id="progress"[\s\S]*?<\/section>/.exec(html)![0];
  const progressJson = async () => JSON.parse((await get(`/t/${tenant.id}/integration/progress`)).text) as { active: boolean; html: string };

  before(async () => {
    sandbox = await startSandbox({ seed: 7, companies: 4, subscriptions: 8, usageSummaries: 0, rateLimitPerMinute: null, port: 0 });
    app = await startApp();
    tenant = await new TenantService(app.ds, app.rt.secrets).create({
      name: 'progress', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl, audience: sandbox.audience,
      settings: { imports: { ownCompanyPax8Id: sandbox.data.partnerCompanyId } },
    });
    const admin = await addUser(app, 'admin');
    const login = await fetch(`${app.url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
      body: new URLSearchParams({ email: admin.email, password: admin.password }).toString(),
    });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  });
  after(async () => {
    await app?.close();
    await sandbox?.close();
  });

  it('shows a running import from its record (what it does, counts so far, started in words), on the page and as JSON, until it ends', async () => {
    const now = new Date();
    const run = app.ds.manager.create(ImportRun, {
      id: randomUUID(), tenantId: tenant.id, entities: 'customers,subscriptions', trigger: 'http', startedBy: 'web:someone', startedAt: new Date(now.getTime() - 180_000),
      finishedAt: null, status: 'running', dryRun: true, jobId: null, createdAt: now, updatedAt: now,
      countsJson: JSON.stringify({ customers: { created: 12, updated: 3, unchanged: 0, deactivated: 0, skipped: 0, errors: 0 }, subscriptions: { created: 0, updated: 0, unchanged: 0, deactivated: 0, skipped: 0, errors: 0 } }),
      message: JSON.stringify({ progress: { entity: 'subscriptions', done: 1000, total: 2500, message: null, at: now.toISOString() } }),
    });
    await app.ds.manager.insert(ImportRun, run);
    for (const html of [(await get(`/t/${tenant.id}/integration`)).text, (await get(`/t/${tenant.id}/integration`)).text]) {
      const panel = panelOf(html);
      expect(panel).to.include('data-active="true"').and.include(`data-progress-url="/t/${tenant.id}/integration/progress"`);
      expect(panel).to.include('Preview import (customers, subscriptions)').and.include('running');
      expect(panel).to.include('subscriptions: 1,000 of 2,500 records read');
      expect(panel).to.include('customers: 12 created, 3 updated').and.include('subscriptions: nothing yet');
      expect(panel).to.include('started 3 minutes ago');
      expect(panel).to.include(`href="/t/${tenant.id}/imports/${run.id}"`);
      expect(html).to.include('<script src="/static/progress.js" defer></script>');
    }
    const json = await get(`/t/${tenant.id}/integration/progress`);
    expect(json.type).to.include('application/json');
    const body = JSON.parse(json.text) as { active: boolean; html: string };
    expect(body.active).to.equal(true);
    expect(body.html).to.include('subscriptions: 1,000 of 2,500 records read');
    expect(body).to.have.property('running').that.deep.equals([run.id]);
    // The run's own page follows it too (and shows its result when it is no longer among the running ones).
    const runPage = (await get(`/t/${tenant.id}/imports/${run.id}`)).text;
    expect(panelOf(runPage)).to.include(`data-run-id="${run.id}"`).and.include('subscriptions: 1,000 of 2,500 records read');
    await app.ds.manager.update(ImportRun, { id: run.id }, { status: 'succeeded', finishedAt: new Date(), message: '{}' });
    const after = await progressJson();
    expect(after.active).to.equal(false);
    expect((JSON.parse((await get(`/t/${tenant.id}/integration/progress`)).text) as { running: string[] }).running).to.deep.equal([]);
    expect((await get(`/t/${tenant.id}/imports/${run.id}`)).text).not.to.include('id="progress"');
    expect(after.html).to.include('Nothing running. Last:').and.include('Preview import (customers, subscriptions)').and.include('succeeded');
    await app.ds.manager.delete(ImportRun, { id: run.id });
  });

  it('says a run that has written nothing for half an hour has most likely stopped, and does not keep asking', async () => {
    const started = new Date(Date.now() - 2 * 3600_000);
    const run = app.ds.manager.create(ImportRun, {
      id: randomUUID(), tenantId: tenant.id, entities: 'usage', trigger: 'http', startedBy: 'web:someone', startedAt: started,
      finishedAt: null, status: 'running', dryRun: true, jobId: null, createdAt: started, updatedAt: started, countsJson: '{}', message: null,
    });
    await app.ds.manager.insert(ImportRun, run);
    const panel = panelOf((await get(`/t/${tenant.id}/integration`)).text);
    expect(panel).to.include('data-active="false"').and.include('stalled').and.include('no news 2 hours ago: it has most likely stopped');
    expect((await progressJson()).active).to.equal(false);
    await app.ds.manager.delete(ImportRun, { id: run.id });
  });

  it('Preview import runs in the background: the page returns at once, the panel follows the run, and it writes nothing', async () => {
    const page = await get(`/t/${tenant.id}/integration`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await fetch(`${app.url}/t/${tenant.id}/integration/preview`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenant.id}/integration` },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(res.status).to.equal(303);
    // Either still running (the panel shows it) or already done (its result page): the sandbox is quick.
    const to = res.headers.get('location')!;
    expect(to).to.match(new RegExp(`^/t/${tenant.id}/(integration\\?notice=Preview%20started.*#progress|imports/[0-9a-f-]{36}\\?notice=Preview)`));
    const done = await waitFor(async () => { const p = await progressJson(); return p.active ? null : p; }, 'the preview to finish', 60_000, 100);
    expect(done.html).to.match(/Last: <a href="\/t\/[^"]+\/imports\/[0-9a-f-]{36}">Preview import \(customers, products, subscriptions, usage\)<\/a> <span class="tag (succeeded|partial)">/);
    const runs = await app.ds.manager.findBy(ImportRun, { tenantId: tenant.id });
    expect(runs).to.have.length(1);
    expect(runs[0]!.dryRun).to.equal(true);
    expect(JSON.parse(runs[0]!.message ?? '{}')).not.to.have.property('progress');
    expect(await app.ds.manager.countBy(Customer, { tenantId: tenant.id })).to.equal(0);
  });

  it('an import writes its step and counts so far on its record while it runs, and its details replace them at the end', async () => {
    const rec = new RunRecorder(new TenantScope(app.ds.manager, tenant.id), { entities: ['customers', 'subscriptions'], trigger: 'test', startedBy: 'test', dryRun: false });
    await rec.start();
    rec.count('customers', 'created', 4);
    rec.progress({ entity: 'customers', done: 500, total: 900 }, true);
    const saved = await waitFor(async () => {
      const r = await app.ds.manager.findOneByOrFail(ImportRun, { id: rec.id });
      return r.message?.includes('progress') ? r : null;
    }, 'the progress on the run');
    expect(JSON.parse(saved.message!).progress).to.include({ entity: 'customers', done: 500, total: 900 });
    expect(JSON.parse(saved.countsJson).customers.created).to.equal(4);
    expect(saved.status).to.equal('running');
    rec.count('customers', 'created');
    rec.progress({ entity: 'customers', done: 900 }, true);
    await rec.finish('succeeded');
    const finished = await app.ds.manager.findOneByOrFail(ImportRun, { id: rec.id });
    expect(finished.status).to.equal('succeeded');
    expect(JSON.parse(finished.message!)).not.to.have.property('progress');
    expect(JSON.parse(finished.countsJson).customers.created).to.equal(5);
    await app.ds.manager.delete(ImportRun, { id: rec.id });
  });
});

describe(`http: the progress panel follows a sync the scheduler runs (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(120_000);
  let app: TestApp;
  let sandbox: RunningSandbox;
  let tenant: Tenant;
  let cookie = '';
  const get = async (path: string) => (await fetch(app.url + path, { headers: { cookie }, redirect: 'manual' })).text();
  before(async () => {
    sandbox = await startSandbox({ seed: 9, companies: 4, subscriptions: 8, usageSummaries: 0, rateLimitPerMinute: null, port: 0 });
    app = await startApp({}, { scheduler: true });
    tenant = await new TenantService(app.ds, app.rt.secrets).create({
      name: 'progress-sync', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl, audience: sandbox.audience,
      settings: { imports: { ownCompanyPax8Id: sandbox.data.partnerCompanyId } },
    });
    const admin = await addUser(app, 'admin');
    const login = await fetch(`${app.url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
      body: new URLSearchParams({ email: admin.email, password: admin.password }).toString(),
    });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  });
  after(async () => {
    await app?.close();
    await sandbox?.close();
  });

  it('Sync now: the panel shows the queued or running sync, then the finished import', async () => {
    const page = await get(`/t/${tenant.id}/integration`);
    const res = await fetch(`${app.url}/t/${tenant.id}/integration/sync`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', referer: `${app.url}/t/${tenant.id}/integration` },
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]!, entities: 'customers' }).toString(),
    });
    expect(res.headers.get('location')).to.match(/#progress$/);
    const done = await waitFor(async () => {
      const p = JSON.parse(await get(`/t/${tenant.id}/integration/progress`)) as { active: boolean; html: string };
      return p.active ? null : p;
    }, 'the sync to finish', 60_000, 100);
    expect(done.html).to.match(/Last: <a href="\/t\/[^"]+\/imports\/[0-9a-f-]{36}">Import \(customers\)<\/a> <span class="tag succeeded">succeeded<\/span>/);
    expect(done.html).to.match(/customers: \d+ created/);
  });
});

