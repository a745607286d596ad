import { expect } from 'chai';
import { Customer, CustomerMapping, Subscription, SubscriptionChange } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { setSubscriptionActive } from '../../../src/subscriptions/actions.js';
import { harness, type Harness } from './harness.js';
import { writeSnapshot } from './snapshot.js';

describe('import subscriptions', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;
  beforeEach(async () => {
    h = await harness({ companies: 25, subscriptions: 150, usageSummaries: 0 }, { productImportMode: 'none' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    await h.run({ entities: 'customers' });
  });
  afterEach(async () => h.close());

  const mappedCompanies = async () => new Set((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
  const sub = async (pax8Id: string) => (await scope.repo(Subscription).findOneBy({ kind: 'license', pax8Id }))!;
  const changes = async (s: Subscription) => scope.repo(SubscriptionChange).find({ where: { subscriptionId: s.id }, order: { observedAt: 'ASC', id: 'ASC' } });

  it('imports the subscriptions of mapped companies with their fields and a first history entry each', async () => {
    const run = await h.run({ entities: 'subscriptions' });
    expect(run.status).to.equal('succeeded');
    const mapped = await mappedCompanies();
    const expected = h.sandbox.data.subscriptions.filter((s) => mapped.has(s.companyId));
    expect(run.counts.subscriptions).to.include({ created: expected.length, skipped: h.sandbox.data.subscriptions.length - expected.length });
    expect(await scope.repo(Subscription).count()).to.equal(expected.length);
    const src = expected.find((s) => s.commitment && s.status === 'Active')!;
    const s = await sub(src.id);
    const mapping = (await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: src.companyId }))!;
    expect(s).to.include({ name: src.productName, status: 'Active', active: true, billingTerm: src.billingTerm, commitmentTerm: src.commitment!.term, currency: src.currencyCode, pax8CompanyId: src.companyId, pax8ProductId: src.productId, customerId: mapping.customerId });
    expect(s.quantity.toFixed()).to.equal(String(src.quantity));
    expect(s.price!.eq(src.price)).to.equal(true);
    expect(s.cost!.eq(src.partnerCost)).to.equal(true);
    expect(s.commitmentEndDate).to.equal(new Date(src.commitment!.endMs).toISOString().slice(0, 10));
    expect(s.startDate).to.equal(new Date(src.startMs).toISOString().slice(0, 10));
    const hist = await changes(s);
    expect(hist).to.have.length(1);
    expect(hist[0]).to.include({ fields: 'created', status: 'Active', active: true, importRunId: run.id, effectiveDate: s.startDate });
  });

  it('writes no rows when nothing changed in Pax8', async () => {
    await h.run({ entities: 'customers,subscriptions' });
    const before = await writeSnapshot(h.ds);
    const again = await h.run({ entities: 'customers,subscriptions' });
    expect(again.counts.subscriptions!.created + again.counts.subscriptions!.updated + again.counts.subscriptions!.deactivated).to.equal(0);
    expect(again.counts.customers!.created + again.counts.customers!.updated).to.equal(0);
    expect(await writeSnapshot(h.ds)).to.deep.equal(before);
  });

  it('records quantity, price and status changes with their Pax8 date, and updates the subscription', async () => {
    await h.run({ entities: 'subscriptions' });
    const mapped = await mappedCompanies();
    const [a, b, c] = h.sandbox.data.subscriptions.filter((s) => mapped.has(s.companyId) && s.status === 'Active' && !s.commitment);
    await h.admin('POST', `/subscriptions/${a!.id}/quantity`, { quantity: a!.quantity + 3 });
    await h.admin('POST', `/subscriptions/${c!.id}/cancel`, {});
    // price changes come through the partner API
    const token = await (await fetch(h.sandbox.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: h.sandbox.clientId, client_secret: h.sandbox.clientSecret, audience: h.sandbox.audience, grant_type: 'client_credentials' }) })).json() as { access_token: string };
    const put = await fetch(`${h.sandbox.baseUrl}/subscriptions/${b!.id}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` }, body: JSON.stringify({ price: 99.5 }) });
    expect(put.status).to.equal(200);

    const run = await h.run({ entities: 'subscriptions' });
    expect(run.counts.subscriptions).to.include({ updated: 2, deactivated: 1, created: 0 });
    const pax8Day = h.sandbox.data.clock.nowIso().slice(0, 10);

    const sa = await sub(a!.id);
    expect(sa.quantity.toFixed()).to.equal(String(a!.quantity));
    const ha = await changes(sa);
    expect(ha).to.have.length(2);
    expect(ha[1]).to.include({ fields: 'quantity', effectiveDate: pax8Day, importRunId: run.id });
    expect(ha[1]!.quantity.toFixed()).to.equal(String(a!.quantity));

    const hb = await changes(await sub(b!.id));
    expect(hb[1]!.fields).to.equal('price');
    expect(hb[1]!.price!.toFixed()).to.equal('99.5');

    const sc = await sub(c!.id);
    expect(sc).to.include({ status: 'Cancelled', active: false });
    expect((await changes(sc))[1]).to.include({ fields: 'status,active', active: false });
  });

  for (const deactivate of [true, false]) {
    it(`marks subscriptions deleted in Pax8 ${deactivate ? 'and deactivates them' : 'but keeps them active'} when deactivateDeletedSubscriptions is ${deactivate ? 'on' : 'off'}`, async () => {
      await h.settings({ deactivateDeletedSubscriptions: deactivate });
      await h.run({ entities: 'subscriptions' });
      const mapped = await mappedCompanies();
      const victim = h.sandbox.data.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active')!;
      await h.admin('DELETE', `/subscriptions/${victim.id}`);
      const run = await h.run({ entities: 'subscriptions' });
      const s = await sub(victim.id);
      expect(s.deletedInPax8).to.equal(true);
      expect(s.active).to.equal(!deactivate);
      expect(run.counts.subscriptions!.deactivated).to.equal(deactivate ? 1 : 0);
      const hist = await changes(s);
      expect(hist.map((c) => c.fields)).to.deep.equal(deactivate ? ['created', 'active'] : ['created']);
      // a further run changes nothing
      const before = await writeSnapshot(h.ds);
      await h.run({ entities: 'subscriptions' });
      expect(await writeSnapshot(h.ds)).to.deep.equal(before);
    });
  }

  it('takes a subscription listed twice (in two batches) as one, and still marks the one the listing left out', async () => {
    await h.run({ entities: 'subscriptions' });
    const mapped = await mappedCompanies();
    // Page 2 lists a mapped subscription of page 1 again in place of one of its own: as many records as stored rows.
    let first: unknown = null;
    let left: string | null = null;
    const twice: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input);
      if (!url.includes('/subscriptions?')) return res;
      const body = (await res.json()) as { content: Array<{ id: string; companyId: string }> };
      const page = Number(new URL(url).searchParams.get('page') ?? 0);
      if (page === 0) first = body.content.find((s) => mapped.has(s.companyId)) ?? null;
      const i = body.content.findIndex((s) => mapped.has(s.companyId));
      if (page === 1 && first && i >= 0) {
        left = body.content[i]!.id;
        body.content[i] = first as { id: string; companyId: string };
      }
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const run = await h.run({ entities: 'subscriptions', batchSize: 10, client: { fetch: twice, pageSize: 20, rateLimitPerMinute: null } });
    expect(left).to.not.equal(null);
    expect(run.status).to.equal('succeeded');
    expect(run.counts.subscriptions).to.include({ created: 0 });
    expect(run.counts.subscriptions!.updated + run.counts.subscriptions!.deactivated).to.equal(1);
    expect((await sub(left!)).deletedInPax8).to.equal(true);
    expect(await scope.repo(Subscription).count({ where: { deletedInPax8: true } })).to.equal(1);
  });

  it('imports only the chosen customers\' subscriptions', async () => {
    const mapping = (await scope.repo(CustomerMapping).find())[0]!;
    const run = await h.run({ entities: 'subscriptions', customers: [mapping.customerId] });
    const expected = h.sandbox.data.subscriptions.filter((s) => s.companyId === mapping.pax8CompanyId).length;
    expect(run.counts.subscriptions!.created).to.equal(expected);
    expect(await scope.repo(Subscription).count()).to.equal(expected);
    expect((await scope.repo(Subscription).find()).every((s) => s.customerId === mapping.customerId)).to.equal(true);
  });

  it('refuses a chosen customer without a mapping', async () => {
    const lonely = await scope.repo(Customer).save(scope.repo(Customer).create({
      id: '00000000-0000-4000-8000-000000000001', name: 'Lonely', topLevel: null, active: true, source: 'manual', siteStreet: null, siteStreet2: null, siteCity: null,
      siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
      createdAt: new Date(), updatedAt: new Date(),
    }));
    const run = await h.run({ entities: 'subscriptions', customers: [lonely.id] });
    expect(run.status).to.equal('failed');
    expect(run.details.error).to.include('without a Pax8 mapping');
  });

  it('imports own-company subscriptions only with includeOwnCompany', async () => {
    const own = h.sandbox.data.partnerCompanyId;
    const ownSubs = h.sandbox.data.subscriptions.filter((s) => s.companyId === own);
    expect(ownSubs.length).to.be.greaterThan(0);
    await h.run({ entities: 'subscriptions' });
    expect(await scope.repo(Subscription).count({ where: { pax8CompanyId: own } })).to.equal(0);
    await h.settings({ includeOwnCompany: true });
    await h.run({ entities: 'subscriptions' });
    expect(await scope.repo(Subscription).count({ where: { pax8CompanyId: own } })).to.equal(ownSubs.length);
  });

  it('keeps an admin\'s active flag across re-imports', async () => {
    await h.run({ entities: 'subscriptions' });
    const mapped = await mappedCompanies();
    const src = h.sandbox.data.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active')!;
    const s = await sub(src.id);
    await setSubscriptionActive({ ds: h.ds, secrets: h.secrets }, { tenantId: h.tenant.id, subscriptionId: s.id, active: false, by: 'admin' });
    await h.admin('POST', `/subscriptions/${src.id}/quantity`, { quantity: src.quantity + 1 });
    await h.run({ entities: 'subscriptions' });
    const after = await sub(src.id);
    expect(after).to.include({ active: false, activeOverride: false });
    expect(after.quantity.toFixed()).to.equal(String(src.quantity));
    const hist = await changes(after);
    expect(hist.map((c) => [c.fields, c.source])).to.deep.equal([['created', 'import'], ['active', 'manual'], ['quantity', 'import']]);
    expect(hist[2]!.active).to.equal(false);
  });
});
