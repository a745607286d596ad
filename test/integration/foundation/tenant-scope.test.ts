import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Customer } from '../../../src/db/entities/index.js';
import { TenantIsolationError, TenantScope } from '../../../src/db/tenant-scope.js';
import { insertTenant } from '../../support/database.js';
import { useFreshDatabase } from '../../support/fixtures.js';

function customer(name: string): Partial<Customer> {
  const now = new Date();
  return {
    id: randomUUID(), name, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: null,
    siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, source: 'manual',
    monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
    createdAt: now, updatedAt: now,
  };
}

describe('Tenant scope isolates tenants', () => {
  const db = useFreshDatabase({ per: 'suite' });
  let a: TenantScope;
  let b: TenantScope;
  let bCustomerId: string;

  before(async () => {
    a = new TenantScope(db.ds.manager, (await insertTenant(db.ds, 'tenant-a')).id);
    b = new TenantScope(db.ds.manager, (await insertTenant(db.ds, 'tenant-b')).id);
    await a.repo(Customer).insert([customer('Alpha'), customer('Shared Name')]);
    const bRow = customer('Shared Name');
    bCustomerId = bRow.id!;
    await b.repo(Customer).insert([bRow, customer('Bravo')]);
  });

  it('lists only the own tenant rows, with or without conditions', async () => {
    expect((await a.repo(Customer).find()).map((c) => c.name).sort()).to.deep.equal(['Alpha', 'Shared Name']);
    expect(await a.repo(Customer).count({ where: { name: 'Shared Name' } })).to.equal(1);
    expect((await a.repo(Customer).findBy([{ name: 'Bravo' }, { name: 'Alpha' }])).map((c) => c.name)).to.deep.equal(['Alpha']);
  });

  it('cannot read another tenant row by id', async () => {
    expect(await a.repo(Customer).findOneBy({ id: bCustomerId })).to.equal(null);
    expect(await b.repo(Customer).findOneBy({ id: bCustomerId })).to.not.equal(null);
  });

  it('refuses a query that names another tenant', async () => {
    let err: unknown;
    try {
      await a.repo(Customer).find({ where: { tenantId: b.tenantId } });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TenantIsolationError);
  });

  it('cannot update or delete another tenant row', async () => {
    expect(await a.repo(Customer).update({ id: bCustomerId }, { name: 'hijacked' })).to.equal(0);
    expect(await a.repo(Customer).delete({ id: bCustomerId })).to.equal(0);
    expect((await b.repo(Customer).findOneBy({ id: bCustomerId }))!.name).to.equal('Shared Name');
  });

  it('refuses to save a row belonging to another tenant', async () => {
    const row = { ...customer('Intruder'), tenantId: b.tenantId } as Customer;
    let err: unknown;
    try {
      await a.repo(Customer).save(row);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TenantIsolationError);
    expect(await b.repo(Customer).count({ where: { name: 'Intruder' } })).to.equal(0);
  });

  it('scopes query builders', async () => {
    const names = (await a.repo(Customer).query('c').andWhere('c.name LIKE :n', { n: '%a%' }).getMany()).map((c) => c.name);
    expect(names.sort()).to.deep.equal(['Alpha', 'Shared Name']);
  });

  it('stamps the tenant on created rows', async () => {
    const row = a.repo(Customer).create(customer('Charlie'));
    expect(row.tenantId).to.equal(a.tenantId);
  });
});
