import { expect } from 'chai';
import { CustomerMapping, Pax8Company } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { createCustomer } from '../../../src/customers/service.js';
import { generateMappings, listMappings, setMapping, unsetMapping } from '../../../src/mapping/service.js';
import { harness, type Harness } from './harness.js';

describe('mappings', function () {
  this.timeout(60_000);
  let h: Harness;
  let scope: TenantScope;
  let companies: Pax8Company[];
  beforeEach(async () => {
    h = await harness({ companies: 50, subscriptions: 50, usageSummaries: 0 });
    scope = new TenantScope(h.ds.manager, h.tenant.id);
    // Learn the Pax8 companies without creating customers: import, then forget the created customers' mappings.
    await h.run({ entities: 'customers' });
    await scope.repo(CustomerMapping).delete({});
    await h.ds.query('DELETE FROM customers');
    companies = await scope.repo(Pax8Company).find({ order: { name: 'ASC' } });
  });
  afterEach(async () => h.close());

  const unique = () => companies.filter((c) => companies.filter((o) => o.name === c.name).length === 1);

  it('links exact names, suggests normalised ones, and never links ambiguous ones', async () => {
    const [exact, variant, twice] = unique();
    const exactCustomer = await createCustomer(scope, { name: exact!.name });
    const variantCustomer = await createCustomer(scope, { name: `  ${variant!.name.toUpperCase().replace(/ (LLC|INC\.?|, INC\.?|LTD)$/i, '')}, Inc.` });
    await createCustomer(scope, { name: twice!.name });
    await createCustomer(scope, { name: twice!.name });

    const preview = await generateMappings(scope, { dryRun: true });
    expect(preview.linked).to.equal(0);
    expect(await scope.repo(CustomerMapping).count()).to.equal(0);

    const r = await generateMappings(scope);
    expect(r.exact.map((e) => [e.pax8CompanyId, e.customerId])).to.deep.equal([[exact!.pax8Id, exactCustomer.id]]);
    expect(r.suggestions.map((e) => [e.pax8CompanyId, e.customerId])).to.deep.equal([[variant!.pax8Id, variantCustomer.id]]);
    expect(r.ambiguous.map((a) => a.pax8CompanyId)).to.deep.equal([twice!.pax8Id]);
    const mappings = await scope.repo(CustomerMapping).find();
    expect(mappings.map((m) => [m.pax8CompanyId, m.customerId, m.source])).to.deep.equal([[exact!.pax8Id, exactCustomer.id, 'generated']]);
  });

  it('does not link a customer to two Pax8 companies of the same name', async () => {
    const dupName = companies.find((c) => companies.filter((o) => o.name === c.name).length > 1);
    expect(dupName, 'the sandbox repeats some company names').to.not.equal(undefined);
    await createCustomer(scope, { name: dupName!.name });
    const r = await generateMappings(scope);
    expect(r.linked).to.equal(0);
    expect(r.ambiguous.length).to.be.at.least(2);
  });

  it('sets and unsets mappings by hand, one to one, with an optional resource group', async () => {
    const [a, b] = unique();
    const c1 = await createCustomer(scope, { name: 'Local One' });
    const c2 = await createCustomer(scope, { name: 'Local Two' });
    await setMapping(scope, { pax8CompanyId: a!.pax8Id, customerId: c1.id, resourceGroup: 'rg-one' });
    try {
      await setMapping(scope, { pax8CompanyId: b!.pax8Id, customerId: c1.id });
      expect.fail('one customer, two companies');
    } catch (err) {
      expect((err as Error).message).to.include('already mapped');
    }
    try {
      await setMapping(scope, { pax8CompanyId: b!.pax8Id, customerId: c2.id, resourceGroup: 'rg-one' });
      expect.fail('resource group used twice');
    } catch (err) {
      expect((err as Error).message).to.include('rg-one');
    }
    const list = await listMappings(scope, 'https://portal.example/{companyId}');
    expect(list).to.have.length(1);
    expect(list[0]).to.include({ pax8CompanyId: a!.pax8Id, customerId: c1.id, resourceGroup: 'rg-one', source: 'manual', pax8PortalUrl: `https://portal.example/${a!.pax8Id}`, pax8Name: a!.name });
    expect(await unsetMapping(scope, { customerId: c1.id })).to.equal(1);
    await setMapping(scope, { pax8CompanyId: b!.pax8Id, customerId: c1.id });
    expect((await scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId)).to.deep.equal([b!.pax8Id]);
  });
});
