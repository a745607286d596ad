import { expect } from 'chai';
import { Customer, CustomerMapping, Pax8Company } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { createCustomer, listCustomers } from '../../../src/customers/service.js';
import { harness, type Harness } from './harness.js';

const PORTAL = 'https://app.pax8.com/companies/{companyId}';

describe('import customers', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;
  beforeEach(async () => {
    h = await harness({ companies: 40, subscriptions: 40, usageSummaries: 0 }, { topLevelForNewCustomers: 'Pax8 customers' });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
  });
  afterEach(async () => h.close());

  const customerOf = async (pax8CompanyId: string) => {
    const m = await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId });
    return m ? scope.repo(Customer).findOneBy({ id: m.customerId }) : null;
  };

  it('creates active companies as customers under the top level, mapped at once, with the main site address and a Pax8 link', async () => {
    const run = await h.run({ entities: 'customers' });
    expect(run.status).to.equal('succeeded');
    const active = h.sandbox.data.companies.filter((c) => c.status === 'Active' && !c.isPartner);
    const inactive = h.sandbox.data.companies.filter((c) => c.status !== 'Active');
    expect(inactive.length).to.be.greaterThan(0);
    expect(run.counts.customers).to.include({ created: active.length, skipped: inactive.length + 1, errors: 0 });
    const sample = active[3]!;
    const c = (await customerOf(sample.id))!;
    expect(c).to.include({ name: sample.name, topLevel: 'Pax8 customers', active: true, source: 'pax8_import', siteCity: sample.address.city, sitePostalCode: sample.address.postalCode });
    for (const gone of inactive) expect(await customerOf(gone.id)).to.equal(null);
    // every company is known for mapping screens, including skipped ones
    expect(await scope.repo(Pax8Company).count()).to.equal(h.sandbox.data.companies.length);
    const listed = await listCustomers(scope, PORTAL);
    expect(listed.find((l) => l.id === c.id)!.pax8PortalUrl).to.equal(`https://app.pax8.com/companies/${sample.id}`);
  });

  it('imports inactive and deleted companies as inactive customers only when the setting is on, and deactivates mapped ones', async () => {
    await h.settings({ importInactiveCompanies: true });
    const run = await h.run({ entities: 'customers' });
    const inactive = h.sandbox.data.companies.filter((c) => c.status !== 'Active');
    expect(run.counts.customers!.created).to.equal(h.sandbox.data.companies.length - 1);
    for (const gone of inactive) expect((await customerOf(gone.id))!.active).to.equal(false);

    const victim = h.sandbox.data.companies.find((c) => c.status === 'Active' && !c.isPartner)!;
    await h.admin('POST', `/companies/${victim.id}/status`, { status: 'Deleted' });
    const again = await h.run({ entities: 'customers' });
    expect(again.counts.customers).to.include({ deactivated: 1, created: 0 });
    expect((await customerOf(victim.id))!.active).to.equal(false);
  });

  it('leaves customers of inactive companies alone when importing inactive companies is off', async () => {
    await h.run({ entities: 'customers' });
    const victim = h.sandbox.data.companies.find((c) => c.status === 'Active' && !c.isPartner)!;
    await h.admin('POST', `/companies/${victim.id}/status`, { status: 'Inactive' });
    const again = await h.run({ entities: 'customers' });
    expect(again.counts.customers!.deactivated).to.equal(0);
    expect((await customerOf(victim.id))!.active).to.equal(true);
  });

  it('updates the main site address of existing customers only when the setting is on', async () => {
    await h.run({ entities: 'customers' });
    const company = h.sandbox.data.companies.find((c) => c.status === 'Active' && !c.isPartner)!;
    const c = (await customerOf(company.id))!;
    await scope.repo(Customer).update({ id: c.id }, { siteCity: 'Local City' });

    await h.settings({ updateSiteAddress: false });
    const off = await h.run({ entities: 'customers' });
    expect(off.counts.customers!.updated).to.equal(0);
    expect((await customerOf(company.id))!.siteCity).to.equal('Local City');

    await h.settings({ updateSiteAddress: true });
    const on = await h.run({ entities: 'customers' });
    expect(on.counts.customers!.updated).to.equal(1);
    expect((await customerOf(company.id))!.siteCity).to.equal(company.address.city);
  });

  it('never makes the partner\'s own company a customer, even with includeOwnCompany', async () => {
    const own = h.sandbox.data.partnerCompanyId;
    await h.run({ entities: 'customers' });
    expect(await customerOf(own)).to.equal(null);
    await h.settings({ includeOwnCompany: true });
    await h.run({ entities: 'customers' });
    expect(await customerOf(own)).to.equal(null);
    expect((await scope.repo(Pax8Company).findOneBy({ pax8Id: own }))!.isPartnerOwn).to.equal(true);
  });

  it('links an existing unmapped customer of exactly the same name instead of creating a duplicate', async () => {
    const company = h.sandbox.data.companies.find((c, i) => i > 0 && c.status === 'Active' && h.sandbox.data.companies.filter((o) => o.name === c.name).length === 1)!;
    const mine = await createCustomer(scope, { name: company.name });
    await h.run({ entities: 'customers' });
    expect((await customerOf(company.id))!.id).to.equal(mine.id);
    expect(await scope.repo(Customer).count({ where: { name: company.name } })).to.equal(1);
    expect((await scope.repo(CustomerMapping).findOneBy({ pax8CompanyId: company.id }))!.source).to.equal('generated');
  });

  it('links a customer whose name differs only by outer spaces, and none when two customers share the exact name', async () => {
    const [a, b] = h.sandbox.data.companies.filter((c, i) => i > 0 && c.status === 'Active' && h.sandbox.data.companies.filter((o) => o.name === c.name).length === 1);
    const padded = await createCustomer(scope, { name: `  ${a!.name} ` });
    const twins = [await createCustomer(scope, { name: b!.name }), await createCustomer(scope, { name: b!.name })];
    await h.run({ entities: 'customers' });
    expect((await customerOf(a!.id))!.id).to.equal(padded.id);
    const linked = (await customerOf(b!.id))!;
    expect(twins.map((t) => t.id)).not.to.include(linked.id);
    expect(await scope.repo(Customer).count({ where: { name: b!.name } })).to.equal(3);
  });
});
