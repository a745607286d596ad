import { expect } from 'chai';
import { Customer, CustomerMapping, ImportRun, UsageSummary } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { setMapping } from '../../../src/mapping/service.js';
import { createCustomer } from '../../../src/customers/service.js';
import { pax8ClientFor } from '../../../src/tenants/pax8-client.js';
import { partnerCompanyCandidates, setPartnerCompany, tenantPartnerCompany } from '../../../src/tenants/partner-company.js';
import { PARTNER_COMPANY_NAME } from '../../../src/pax8/sandbox/generator/companies.js';
import { harness, type Harness } from './harness.js';

/** Issue 22, point 7: the partner's own company is chosen (or declined) before any import, and is never a customer. */
describe('the partner\'s own company', function () {
  this.timeout(90_000);
  let h: Harness;
  let scope: TenantScope;
  const now = new Date('2026-11-22T10:00:00Z');
  beforeEach(async () => {
    // A freshly connected tenant: nothing chosen yet.
    h = await harness({ companies: 30, subscriptions: 90, usageSummaries: 16, now: now.toISOString() }, { ownCompanyPax8Id: null, productImportMode: 'none', includeOwnCompany: true });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
  });
  afterEach(async () => h.close());

  const own = () => h.sandbox.data.partnerCompanyId;
  const ownCustomer = async () => {
    const m = await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: own() });
    return m ? scope.repo(Customer).findOneBy({ id: m.customerId }) : null;
  };

  it('refuses every import, first and later, dry runs too, until it is chosen or declined, saying how to set it', async () => {
    expect(tenantPartnerCompany(h.tenant)).to.deep.equal({ state: 'not_chosen' });
    for (const opts of [{}, { entities: 'customers' }, { entities: 'subscriptions,usage' }, { dryRun: true }]) {
      const run = await h.run({ ...opts, now });
      expect(run.status).to.equal('failed');
      expect(run.details.error).to.match(/partner's own Pax8 company is not chosen/);
      expect(run.details.error).to.include('recurra tenants partner-company acme --set').and.include('--none');
    }
    expect(await scope.repo(ImportRun).count()).to.equal(4);
    expect(await scope.repo(Customer).count()).to.equal(0);
    expect(await scope.repo(UsageSummary).count()).to.equal(0);
  });

  it('chosen: the import creates no customer for it and bills its usage to no customer (listed as the partner\'s own usage)', async () => {
    expect(await setPartnerCompany(h.tenants, h.tenant.id, own())).to.deep.equal({ state: 'chosen', pax8CompanyId: own() });
    const run = await h.run({ now });
    expect(run.status).to.equal('succeeded');
    expect(await ownCustomer()).to.equal(null);
    expect(await scope.repo(Customer).count({ where: { name: PARTNER_COMPANY_NAME } })).to.equal(0);

    // Even a customer an admin maps to the own company is never billed the partner's usage.
    const mine = await createCustomer(scope, { name: 'Our own books' });
    await setMapping(scope, { pax8CompanyId: own(), customerId: mine.id });
    const again = await h.run({ entities: 'subscriptions,usage', now });
    const atOwn = h.sandbox.data.usageSummaries.filter((u) => h.sandbox.data.subscriptionById.get(u.subscriptionId)!.companyId === own() && (!u.companyId || u.companyId === own()));
    expect(atOwn.length).to.be.greaterThan(0);
    const billedToMine = await scope.repo(UsageSummary).count({ where: { customerId: mine.id } });
    expect(billedToMine).to.equal(0);
    const listed = again.details.unmappedUsage!.filter((x) => /partner's own usage/.test(x.reason)).map((x) => x.usageSummaryId);
    // Those whose resource group is mapped to a real customer go to that customer; the others are the partner's own.
    const rgMapped = new Set((await scope.repo(CustomerMapping).find()).map((m) => m.resourceGroup).filter(Boolean));
    expect(listed.sort()).to.deep.equal(atOwn.filter((u) => !u.resourceGroup || !rgMapped.has(u.resourceGroup)).map((u) => u.id).sort());
  });

  it('declined: the import proceeds and every company, the partner\'s included, is a customer (the admin said there is none)', async () => {
    expect(await setPartnerCompany(h.tenants, h.tenant.id, null)).to.deep.equal({ state: 'declined' });
    const run = await h.run({ entities: 'customers', now });
    expect(run.status).to.equal('succeeded');
    expect(await ownCustomer()).to.not.equal(null);
    // Choosing it later ends the declined state.
    expect(await setPartnerCompany(h.tenants, h.tenant.id, own())).to.deep.equal({ state: 'chosen', pax8CompanyId: own() });
  });

  it('offers the companies whose names share a word with the tenant\'s names, read from Pax8', async () => {
    await h.tenants.updateConnection(h.tenant.id, { displayName: 'Northwind Managed' });
    const t = await h.tenants.byId(h.tenant.id);
    const client = pax8ClientFor(h.tenants, t, { rateLimitPerMinute: null });
    const found = await partnerCompanyCandidates(client, t);
    expect(found[0]).to.deep.include({ pax8CompanyId: own(), name: PARTNER_COMPANY_NAME });
    expect(found.every((c) => /northwind|managed|acme/i.test(c.name))).to.equal(true);
    expect(await partnerCompanyCandidates(client, { name: 'zz', displayName: 'Nothing Alike Qqq' })).to.deep.equal([]);
  });
});
