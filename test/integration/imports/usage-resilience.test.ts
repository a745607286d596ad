import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { UsageLine, UsageSummary } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { showRun } from '../../../src/imports/run-queries.js';
import { unsetMapping } from '../../../src/mapping/service.js';
import { SandboxError } from '../../../src/pax8/sandbox/data.js';
import { REVISION_DAYS, revisesLate } from '../../../src/pax8/sandbox/generator/usage.js';
import type { SandboxUsageSummary } from '../../../src/pax8/sandbox/index.js';
import { harness, type Harness } from './harness.js';

/**
 * Issue 22, point 4: usage as the live Pax8 API serves it. Every usage product is imported by default, a failing
 * subscription, summary or day is an error on the run (never the end of the usage step), only days up to today are
 * asked for (the sandbox refuses later ones), and a day Pax8 revises later is updated by the next import.
 */
describe('import usage from the live-like sandbox (issue 22)', function () {
  this.timeout(120_000);
  const now = new Date('2026-11-22T10:00:00Z');
  let h: Harness;
  let scope: TenantScope;
  beforeEach(async () => {
    // Default usage settings: no usageProductPattern, no usageExcludePattern.
    h = await harness({ companies: 30, subscriptions: 90, usageSummaries: 32, now: now.toISOString() }, { productImportMode: 'none', includeOwnCompany: true, importInactiveCompanies: true });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers', now });
  });
  afterEach(async () => h.close());

  const stored = async () => new Set((await scope.repo(UsageSummary).find()).map((u) => u.pax8Id));
  const subOf = (u: SandboxUsageSummary) => h.sandbox.data.subscriptionById.get(u.subscriptionId)!;

  it('imports the usage of every usage product by default (AWS and Wasabi too) and lists unmapped usage with its amount', async () => {
    const all = h.sandbox.data.usageSummaries;
    for (const v of ['Amazon Web Services', 'Wasabi']) expect(all.map((u) => u.vendorName), v).to.include(v);
    // The own company's usage is imported but the own company has no customer: some of it maps to nobody.
    await unsetMapping(scope, { pax8CompanyId: h.sandbox.data.partnerCompanyId });
    const run = await h.run({ entities: 'subscriptions,usage', now });
    expect(run.status).to.equal('succeeded');
    expect([...await stored()].sort()).to.deep.equal(all.map((u) => u.id).sort());
    const unmapped = run.details.unmappedUsage!;
    expect(unmapped.length).to.be.greaterThan(0);
    for (const n of unmapped) {
      const u = h.sandbox.data.usageSummaryById.get(n.usageSummaryId)!;
      expect(n).to.include({ amount: h.sandbox.data.usageSummaryNow(u).currentCharges.toFixed(), currency: u.currencyCode, productName: subOf(u).productName });
    }
  });

  it('leaves out only the usage products usageExcludePattern names', async () => {
    await h.settings({ usageExcludePattern: 'wasabi|amazon' });
    await h.run({ entities: 'subscriptions,usage', now });
    const ids = await stored();
    const all = h.sandbox.data.usageSummaries;
    const excluded = all.filter((u) => /wasabi|amazon/i.test(u.vendorName));
    expect(excluded.length).to.be.greaterThan(0);
    expect([...ids].sort()).to.deep.equal(all.filter((u) => !excluded.includes(u)).map((u) => u.id).sort());
  });

  it('records a failing subscription, summary or day as errors on the run and imports every other summary', async () => {
    const data = h.sandbox.data;
    const bySub = new Map<string, SandboxUsageSummary[]>();
    for (const u of data.usageSummaries) bySub.set(u.subscriptionId, [...(bySub.get(u.subscriptionId) ?? []), u]);
    const [[brokenSub, lostSummaries], [, others]] = [...bySub.entries()];
    const badDay = others![0]!;
    // Pax8 fails the summaries listing of one subscription (500, after the client's retries) ...
    const get = data.usageSummariesBySubscription.get.bind(data.usageSummariesBySubscription);
    data.usageSummariesBySubscription.get = (id: string) => {
      if (id === brokenSub) throw new SandboxError(500, 'INTERNAL_SERVER_ERROR', 'usage store unavailable');
      return get(id);
    };
    // ... and refuses one day of another summary for good (422).
    const lines = data.usageLines.bind(data);
    data.usageLines = (id: string, day: number) => {
      if (id === badDay.id && new Date(day).getUTCDate() === 9) throw new SandboxError(422, 'UNPROCESSABLE_ENTITY', 'usage for this day is being recalculated');
      return lines(id, day);
    };
    const run = await h.run({ entities: 'subscriptions,usage', now });
    expect(run.status).to.equal('partial');
    const shown = (await showRun(h.ds, h.tenant.id, run.id))!;
    const errors = shown.errors!.filter((e) => e.entity === 'usage');
    expect(errors.map((e) => e.pax8Id).sort()).to.deep.equal([brokenSub, badDay.id].sort());
    expect(errors.find((e) => e.pax8Id === badDay.id)!.message).to.match(/usage lines of 2026-11-09: .*HTTP 422/);
    expect(errors.find((e) => e.pax8Id === brokenSub)!.message).to.match(/HTTP 500/);
    const ids = await stored();
    const expected = data.usageSummaries.filter((u) => u.subscriptionId !== brokenSub && u.id !== badDay.id).map((u) => u.id);
    expect(expected.length).to.be.greaterThan(1);
    expect([...ids].sort()).to.deep.equal(expected.sort());
    for (const u of lostSummaries!) expect(ids.has(u.id)).to.equal(false);
    // Once Pax8 answers again, the next run completes it.
    data.usageSummariesBySubscription.get = get;
    data.usageLines = lines;
    const again = await h.run({ entities: 'subscriptions,usage', now });
    expect(again.status).to.equal('succeeded');
    expect((await stored()).size).to.equal(data.usageSummaries.length);
  });

  it('asks only for days up to today: the sandbox refuses a later usageDate, and the run succeeds', async () => {
    // The import's today (the tenant's zone, UTC here) is the 22nd: no later day is asked for, so Pax8 refuses none.
    const run = await h.run({ entities: 'subscriptions,usage', now });
    expect(run.status).to.equal('succeeded');
    const days = (await scope.repo(UsageLine).find()).map((l) => l.usageDate);
    expect(days.length).to.be.greaterThan(0);
    expect(days.every((d) => d >= '2026-11-01' && d <= '2026-11-22')).to.equal(true);
  });

  it('updates a day\'s lines that Pax8 revised after they were first imported', async () => {
    const data = h.sandbox.data;
    const u = data.usageSummaries.find(revisesLate)!;
    expect(u).to.not.equal(undefined);
    await h.run({ entities: 'subscriptions,usage', now });
    const row = (await scope.repo(UsageSummary).findOneBy({ pax8Id: u.id }))!;
    const dayTotal = async (date: string) => (await scope.repo(UsageLine).findBy({ usageSummaryId: row.id, usageDate: date }))
      .reduce((t, l) => t.plus(l.charges), new Decimal(0));
    const before = await dayTotal('2026-11-22');
    const later = new Date(now.getTime() + REVISION_DAYS * 86_400_000);
    await h.admin('POST', '/clock/advance', { to: later.toISOString() });
    const run = await h.run({ entities: 'subscriptions,usage', now: later });
    expect(run.status).to.equal('succeeded');
    const after = await dayTotal('2026-11-22');
    expect(after.greaterThan(before)).to.equal(true);
    const final = data.usageLines(u.id, Date.parse('2026-11-22T00:00:00Z')).reduce((t, l) => t.plus(l.currentCharges), new Decimal(0));
    expect(after.eq(final)).to.equal(true);
    const lines = await scope.repo(UsageLine).findBy({ usageSummaryId: row.id, usageDate: '2026-11-22' });
    expect(lines.length).to.equal(u.meters.length); // overwritten, not added
    const updated = (await scope.repo(UsageSummary).findOneBy({ pax8Id: u.id }))!;
    expect(updated.currentCharges.eq(data.usageSummaryNow(u).currentCharges)).to.equal(true);
    expect(updated.linesMismatch).to.equal(false);
  });
});
