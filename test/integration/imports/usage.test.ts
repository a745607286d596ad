import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { IsNull } from 'typeorm';
import { Customer, CustomerMapping, Subscription, UsageLine, UsageMonthlyCharge, UsageSummary } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { setMapping, unsetMapping } from '../../../src/mapping/service.js';
import type { SandboxUsageSummary } from '../../../src/pax8/sandbox/index.js';
import { harness, type Harness } from './harness.js';
import { writeSnapshot } from './snapshot.js';

const PATTERN = 'azure plan|acronis|wasabi|amazon web services';

describe('import usage', function () {
  this.timeout(90_000);
  let h: Harness;
  let scope: TenantScope;
  // The import's clock and the sandbox's agree: Pax8 answers usage up to its today and refuses later days.
  const now = new Date('2026-11-22T10:00:00Z');
  beforeEach(async () => {
    h = await harness({ companies: 30, subscriptions: 90, usageSummaries: 16, now: now.toISOString() }, { usageProductPattern: PATTERN, productImportMode: 'none', includeOwnCompany: true });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
  });
  afterEach(async () => h.close());

  const summaryRow = async (id: string) => scope.repo(UsageSummary).findOneBy({ pax8Id: id });
  const customerOfCompany = async (companyId: string) => (await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: companyId }))?.customerId ?? null;
  const own = () => h.sandbox.data.partnerCompanyId;
  const subOf = (u: SandboxUsageSummary) => h.sandbox.data.subscriptionById.get(u.subscriptionId)!;

  it('imports each summary as "<product> (Usage Summary)" with quantity 1, price = charges, cost = partner total, its month\'s charges and its lines by day up to today', async () => {
    const run = await h.run({ entities: 'subscriptions,usage', now });
    expect(run.status).to.equal('succeeded');
    const u = h.sandbox.data.usageSummaries.find((x) => x.companyId && x.companyId !== own())!;
    // Pax8's currentCharges and partnerTotal are the month's running totals so far.
    const { currentCharges, partnerTotal } = h.sandbox.data.usageSummaryNow(u);
    const row = (await summaryRow(u.id))!;
    expect(row.customerId).to.equal(await customerOfCompany(u.companyId!));
    expect(row).to.include({ mappedBy: 'company', linesMismatch: false, currency: u.currencyCode });
    expect(row.currentCharges.eq(currentCharges)).to.equal(true);
    const sub = (await scope.repo(Subscription).findOneBy({ kind: 'usage_summary', pax8Id: u.id }))!;
    expect(sub.name).to.equal(`${subOf(u).productName} (Usage Summary)`);
    expect(sub.quantity.toFixed()).to.equal('1');
    expect(sub.price!.eq(currentCharges)).to.equal(true);
    expect(sub.cost!.eq(partnerTotal)).to.equal(true);
    expect(sub).to.include({ usageSummaryId: row.id, customerId: row.customerId });
    const month = (await scope.repo(UsageMonthlyCharge).find({ where: { usageSummaryId: row.id } }));
    expect(month.map((m) => m.month)).to.deep.equal(['2026-11']);
    expect(month[0]!.charges.eq(currentCharges)).to.equal(true);
    const lines = await scope.repo(UsageLine).find({ where: { usageSummaryId: row.id } });
    expect(lines.length).to.equal(22 * u.meters.length);
    expect(new Set(lines.map((l) => l.usageDate)).size).to.equal(22);
    expect(lines.every((l) => l.usageDate <= '2026-11-22')).to.equal(true);
    expect(lines.reduce((s, l) => s.plus(l.charges), new Decimal(0)).eq(currentCharges)).to.equal(true);
    expect(run.counts.usage!.created).to.equal(await scope.repo(UsageSummary).count());

    const before = await writeSnapshot(h.ds);
    const again = await h.run({ entities: 'subscriptions,usage', now });
    expect(again.counts.usage!.unchanged).to.equal(run.counts.usage!.created);
    expect(await writeSnapshot(h.ds)).to.deep.equal(before);
  });

  it('gives usage of a mapped resource group to that customer, and lists usage that maps nowhere', async () => {
    const rgSummary = h.sandbox.data.usageSummaries.find((x) => x.resourceGroup && subOf(x).companyId === own())!;
    // Any customer but the own company's (whose mapping is removed below, and the resource group with it).
    const mappings = await scope.repo(CustomerMapping).find();
    const target = (await scope.repo(Customer).find()).find((c) => c.name !== rgSummary.resourceGroup
      && mappings.some((m) => m.customerId === c.id && m.pax8CompanyId !== own()))!;
    const targetMapping = mappings.find((m) => m.customerId === target.id)!;
    await setMapping(scope, { pax8CompanyId: targetMapping.pax8CompanyId, customerId: target.id, resourceGroup: rgSummary.resourceGroup! });
    // The own company's subscriptions are imported (includeOwnCompany) but the own company has no customer.
    await unsetMapping(scope, { pax8CompanyId: own() });
    const run = await h.run({ entities: 'subscriptions,usage', now });
    const row = (await summaryRow(rgSummary.id))!;
    expect(row).to.include({ customerId: target.id, mappedBy: 'resource_group' });

    const unmapped = await scope.repo(UsageSummary).find({ where: { customerId: IsNull() } });
    expect(unmapped.length).to.equal(run.details.unmappedUsage!.length);
    for (const u of unmapped) expect(run.details.unmappedUsage!.map((x) => x.usageSummaryId)).to.include(u.pax8Id);
    const expectUnmapped = h.sandbox.data.usageSummaries.filter((x) => subOf(x).companyId === own() && x.resourceGroup !== rgSummary.resourceGroup && (!x.companyId || x.companyId === own()));
    expect(expectUnmapped.length).to.be.greaterThan(0);
    expect(unmapped.map((u) => u.pax8Id).sort()).to.deep.equal(expectUnmapped.map((x) => x.id).sort());
    expect(run.details.unmappedUsage!.every((x) => x.reason.length > 0)).to.equal(true);
  });

  it('does not import the own company\'s usage without includeOwnCompany', async () => {
    await h.settings({ includeOwnCompany: false });
    await h.run({ entities: 'subscriptions,usage', now });
    const ownSummaries = h.sandbox.data.usageSummaries.filter((x) => subOf(x).companyId === own());
    expect(ownSummaries.length).to.be.greaterThan(0);
    for (const u of ownSummaries) expect(await summaryRow(u.id)).to.equal(null);
    const other = h.sandbox.data.usageSummaries.find((x) => subOf(x).companyId !== own())!;
    expect(await summaryRow(other.id)).to.not.equal(null);
  });

  it('keeps last month\'s final charges when Pax8 resets on the 1st', async () => {
    await h.run({ entities: 'subscriptions,usage', now });
    const u = h.sandbox.data.usageSummaries.find((x) => x.companyId && x.companyId !== own())!;
    const november = h.sandbox.data.usageSummaryNow(u).currentCharges;
    u.currentCharges = new Decimal('12.34');
    const december = new Date('2026-12-10T10:00:00Z');
    await h.admin('POST', '/clock/advance', { to: december.toISOString() });
    await h.run({ entities: 'subscriptions,usage', now: december });
    const row = (await summaryRow(u.id))!;
    const months = await scope.repo(UsageMonthlyCharge).find({ where: { usageSummaryId: row.id }, order: { month: 'ASC' } });
    expect(months.map((m) => [m.month, m.charges.toFixed()])).to.deep.equal([['2026-11', november.toFixed()], ['2026-12', '12.34']]);
    const sub = (await scope.repo(Subscription).findOneBy({ kind: 'usage_summary', pax8Id: u.id }))!;
    expect(sub.price!.toFixed()).to.equal('12.34');
  });

  it('flags a summary whose lines do not add up to its charges', async () => {
    const u = h.sandbox.data.usageSummaries.find((x) => x.companyId && x.companyId !== own())!;
    const data = h.sandbox.data;
    const original = data.usageLines.bind(data);
    data.usageLines = (id: string, day: number) => (id === u.id && new Date(day).getUTCDate() === 7 ? original(id, day).slice(1) : original(id, day));
    const run = await h.run({ entities: 'subscriptions,usage', now });
    expect((await summaryRow(u.id))!.linesMismatch).to.equal(true);
    expect(run.details.linesMismatch!.map((m) => m.usageSummaryId)).to.deep.equal([u.id]);
  });
});
