import { expect } from 'chai';
import { CustomerMapping, ImportRun, Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { markInterruptedRuns } from '../../../src/imports/run-import.js';
import { listRuns, showRun } from '../../../src/imports/run-queries.js';
import { harness, type Harness } from './harness.js';
import { writeSnapshot } from './snapshot.js';

describe('import runs', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;
  beforeEach(async () => {
    h = await harness({ companies: 25, subscriptions: 150, usageSummaries: 0 }, { productImportMode: 'none' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
  });
  afterEach(async () => h.close());

  const expectedSubscriptions = async () => {
    const mapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
    return h.sandbox.data.subscriptions.filter((s) => mapped.has(s.companyId));
  };
  const changesPerSubscription = async () => {
    const subs = await scope.repo(Subscription).find();
    const changes = await scope.repo(SubscriptionChange).find();
    return subs.map((s) => changes.filter((c) => c.subscriptionId === s.id).map((c) => c.fields).join('|'));
  };

  it('records tenant, entities, who started it, times, outcome and counts', async () => {
    const run = await h.run({ entities: 'customers', trigger: 'schedule', startedBy: 'job:nightly' });
    const row = (await scope.repo(ImportRun).findOneBy({ id: run.id }))!;
    expect(row).to.include({ tenantId: h.tenant.id, entities: 'customers', trigger: 'schedule', startedBy: 'job:nightly', status: 'succeeded', dryRun: false });
    expect(row.finishedAt!.getTime()).to.be.at.least(row.startedAt.getTime());
    expect(JSON.parse(row.countsJson).customers).to.have.keys('created', 'updated', 'unchanged', 'deactivated', 'skipped', 'errors');
    expect((await listRuns(h.ds, h.tenant.id)).map((r) => r.id)).to.deep.equal([run.id]);
  });

  it('keeps each per-record error with its raw payload, imports the rest, and ends partial', async () => {
    await h.run({ entities: 'customers' });
    const bad = (await expectedSubscriptions())[2]!;
    (bad as unknown as { status: unknown }).status = 42;
    const run = await h.run({ entities: 'subscriptions' });
    expect(run.status).to.equal('partial');
    expect(run.counts.subscriptions!.errors).to.equal(1);
    expect(run.counts.subscriptions!.created).to.equal((await expectedSubscriptions()).length - 1);
    const shown = (await showRun(h.ds, h.tenant.id, run.id))!;
    expect(shown.errors).to.have.length(1);
    expect(shown.errors![0]).to.include({ entity: 'subscriptions', pax8Id: bad.id });
    expect(shown.errors![0]!.message).to.include('status');
    expect((shown.errors![0]!.rawPayload as { id: string; status: unknown })).to.include({ id: bad.id, status: 42 });
  });

  it('a dry run writes nothing and lists what would change', async () => {
    await h.run({ entities: 'customers' });
    const before = await writeSnapshot(h.ds);
    const run = await h.run({ entities: 'subscriptions', dryRun: true });
    expect(run.dryRun).to.equal(true);
    expect(run.counts.subscriptions!.created).to.equal((await expectedSubscriptions()).length);
    expect(run.details.planned!.filter((p) => p.outcome === 'created')).to.have.length((await expectedSubscriptions()).length);
    expect(await writeSnapshot(h.ds)).to.deep.equal(before);

    await h.run({ entities: 'subscriptions' });
    const victim = (await expectedSubscriptions()).find((s) => s.status === 'Active')!;
    await h.admin('POST', `/subscriptions/${victim.id}/quantity`, { quantity: victim.quantity + 5 });
    const mid = await writeSnapshot(h.ds);
    const dry = await h.run({ entities: 'subscriptions', dryRun: true });
    expect(dry.counts.subscriptions).to.include({ updated: 1, created: 0 });
    expect(dry.details.planned).to.deep.equal([{ entity: 'subscriptions', pax8Id: victim.id, outcome: 'updated', fields: ['content'] }]);
    expect(await writeSnapshot(h.ds)).to.deep.equal(mid);
  });

  it('when Pax8 goes down part-way, each record is fully imported or untouched and the next run completes it', async () => {
    await h.run({ entities: 'customers' });
    let subscriptionPages = 0;
    const failing: typeof fetch = async (input, init) => {
      if (String(input).includes('/subscriptions?') && ++subscriptionPages > 3) throw new TypeError('fetch failed: connection refused');
      return fetch(input, init);
    };
    const broken = await h.run({ entities: 'subscriptions', batchSize: 10, client: { fetch: failing, pageSize: 20, maxRetries: 0, rateLimitPerMinute: null } });
    expect(broken.status).to.equal('failed');
    expect(broken.details.error).to.match(/Pax8 GET \/subscriptions/);
    const partial = await scope.repo(Subscription).count();
    expect(partial).to.be.greaterThan(0);
    expect(partial).to.be.lessThan((await expectedSubscriptions()).length);
    expect((await changesPerSubscription()).every((c) => c === 'created')).to.equal(true);
    // nothing is taken as deleted from an incomplete listing
    expect(await scope.repo(Subscription).count({ where: { deletedInPax8: true } })).to.equal(0);

    const fixed = await h.run({ entities: 'subscriptions' });
    expect(fixed.status).to.equal('succeeded');
    expect(fixed.counts.subscriptions).to.include({ created: (await expectedSubscriptions()).length - partial, unchanged: partial });
    expect(await scope.repo(Subscription).count()).to.equal((await expectedSubscriptions()).length);
    expect((await changesPerSubscription()).every((c) => c === 'created')).to.equal(true);
  });

  it('an aborted run (process stopping) is recorded as failed and the next run completes it', async () => {
    await h.run({ entities: 'customers' });
    const stop = new AbortController();
    let pages = 0;
    const counting: typeof fetch = async (input, init) => {
      if (String(input).includes('/subscriptions?') && ++pages === 3) stop.abort();
      return fetch(input, init);
    };
    const aborted = await h.run({ entities: 'subscriptions', signal: stop.signal, client: { fetch: counting, pageSize: 20, rateLimitPerMinute: null } });
    expect(aborted.status).to.equal('failed');
    const fixed = await h.run({ entities: 'subscriptions' });
    expect(fixed.status).to.equal('succeeded');
    expect(await scope.repo(Subscription).count()).to.equal((await expectedSubscriptions()).length);
    expect((await changesPerSubscription()).every((c) => c === 'created')).to.equal(true);
  });

  it('marks runs left running by a killed process as failed', async () => {
    const run = await h.run({ entities: 'customers' });
    await scope.repo(ImportRun).update({ id: run.id }, { status: 'running', finishedAt: null });
    expect(await markInterruptedRuns(h.ds, h.tenant.id, new Date(Date.now() + 1000))).to.equal(1);
    expect((await scope.repo(ImportRun).findOneBy({ id: run.id }))!.status).to.equal('failed');
  });
});
