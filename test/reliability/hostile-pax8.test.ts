import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { runImport } from '../../src/imports/run-import.js';
import { TenantService } from '../../src/tenants/service.js';
import { Customer, ImportError, Pax8Company, Subscription } from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { freshDatabase, testSecretBox } from '../support/database.js';
import { count } from './support/figures.js';
import { startHostilePax8, type HostilePax8 } from './support/hostile-pax8.js';

const C_GOOD = '11111111-1111-4111-8111-111111111111';
const C_ENUM = '22222222-2222-4222-8222-222222222222';
const C_DUP = '33333333-3333-4333-8333-333333333333';
const P_GOOD = '44444444-4444-4444-8444-444444444444';
const company = (id: string, name: string, status = 'Active') =>
  JSON.stringify({ id, name, status, address: { street: '1 Main St', city: 'Leeds', postalCode: 'LS1', country: 'GB' } });
const sub = (id: string, fields: Record<string, unknown> = {}) => JSON.stringify({
  id, companyId: C_GOOD, productId: P_GOOD, productName: 'Microsoft 365 Business Basic', quantity: 5, status: 'Active', price: 6.0,
  partnerCost: 4.8, currencyCode: 'USD', billingTerm: 'Monthly', startDate: '2026-01-01', commitment: { term: 'Monthly' }, ...fields,
});
const id = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Each hostile record, and whether a careful importer may still accept it. */
const COMPANIES: Array<{ raw: string; acceptable: boolean; what: string }> = [
  { raw: company(C_GOOD, 'Good Co'), acceptable: true, what: 'a good company' },
  { raw: company(C_ENUM, 'Odd Status Co', 'Hibernating'), acceptable: true, what: 'an unknown status (kept, not crashed on)' },
  { raw: JSON.stringify({ name: 'No Id Co', status: 'Active' }), acceptable: false, what: 'a missing id' },
  { raw: JSON.stringify({ id: 12345, name: ['not', 'a', 'name'], status: 'Active' }), acceptable: false, what: 'wrong types' },
  { raw: company('55555555-5555-4555-8555-555555555555', 'X'.repeat(100_000)), acceptable: false, what: 'a huge name' },
  { raw: company(C_DUP, 'Duplicate One'), acceptable: true, what: 'a duplicated id (first)' },
  { raw: company(C_DUP, 'Duplicate Two'), acceptable: true, what: 'a duplicated id (second)' },
];
const SUBSCRIPTIONS: Array<{ raw: string; acceptable: boolean; what: string }> = [
  { raw: sub(id(1)), acceptable: true, what: 'a good subscription' },
  { raw: sub(id(2), { status: 'Frozen' }), acceptable: true, what: 'an unknown status' },
  { raw: sub(id(3), { quantity: -3 }), acceptable: false, what: 'a negative quantity' },
  // Pax8 sends fractional quantities for some products (issue 22, point 6): imported as the exact decimal.
  { raw: sub(id(4), { quantity: 2.5 }), acceptable: true, what: 'a fractional quantity' },
  { raw: sub(id(5), { price: 'abc' }), acceptable: false, what: 'non-numeric money' },
  { raw: sub(id(6), { quantity: '1e400' }), acceptable: false, what: 'an absurd quantity' },
  { raw: sub(id(7), { companyId: undefined }), acceptable: false, what: 'a missing company' },
  { raw: sub(id(8), { productName: 'Y'.repeat(200_000) }), acceptable: false, what: 'a huge product name' },
  { raw: sub(id(9), { startDate: 'yesterday-ish' }), acceptable: false, what: 'an unreadable date' },
  { raw: sub(id(10)), acceptable: true, what: 'a duplicated id (first)' },
  { raw: sub(id(10), { quantity: 7 }), acceptable: true, what: 'a duplicated id (second)' },
];

describe('Hostile Pax8 payloads: never a crash, a clear per-record error, nothing written from a rejected record', function () {
  this.timeout(60000);
  let ds: DataSource;
  let pax8: HostilePax8;
  let scope: TenantScope;
  let run: Awaited<ReturnType<typeof runImport>>;

  before(async () => {
    ds = await freshDatabase();
    pax8 = await startHostilePax8({
      companies: COMPANIES.map((c) => c.raw),
      subscriptions: SUBSCRIPTIONS.map((s) => s.raw),
      products: { [P_GOOD]: JSON.stringify({ id: P_GOOD, name: 'Microsoft 365 Business Basic', vendorName: 'Microsoft', sku: 'MST-NCE-BB', vendorSku: 'CFQ7TTC0LH18:0001' }) },
    });
    const secrets = testSecretBox();
    const tenant = await new TenantService(ds, secrets).create({
      name: 'hostile', clientId: 'c', clientSecret: 's', apiUrl: pax8.baseUrl, tokenUrl: pax8.tokenUrl, settings: { imports: { importInactiveCompanies: true, ownCompanyDeclined: true } },
    });
    scope = new TenantScope(ds.manager, tenant.id);
    run = await runImport({ ds, secrets }, {
      tenantId: tenant.id, entities: ['customers', 'products', 'subscriptions'], trigger: 'cli', startedBy: 'reliability',
      client: { rateLimitPerMinute: null, maxRetries: 0 },
    });
    count('hostileInputsTried', COMPANIES.length + SUBSCRIPTIONS.length);
  });
  after(async () => {
    await pax8?.close();
    await ds?.destroy();
  });

  it('finishes the run (partial, not failed) and imports the good records', async () => {
    expect(run.status, JSON.stringify(run)).to.equal('partial');
    const names = (await scope.repo(Customer).find()).map((c) => c.name);
    expect(names).to.include.members(['Good Co', 'Odd Status Co']);
    const good = await scope.repo(Subscription).findOneBy({ pax8Id: id(1) });
    expect(good?.quantity.toFixed()).to.equal('5');
    expect((await scope.repo(Subscription).findOneBy({ pax8Id: id(2) }))?.status).to.equal('Frozen');
    expect((await scope.repo(Subscription).findOneBy({ pax8Id: id(4) }))?.quantity.toFixed()).to.equal('2.5');
  });

  it('writes nothing from a rejected record and records each with its raw payload', async () => {
    const errors = await scope.repo(ImportError).find();
    for (const s of SUBSCRIPTIONS.filter((x) => !x.acceptable)) {
      const pax8Id = JSON.parse(s.raw).id as string;
      expect(await scope.repo(Subscription).count({ where: { pax8Id } }), `${s.what} was written`).to.equal(0);
      expect(errors.some((e) => (e.rawPayload ?? '').includes(pax8Id) || e.pax8Id === pax8Id), `${s.what} has no recorded error`).to.equal(true);
    }
    for (const c of COMPANIES.filter((x) => !x.acceptable)) {
      expect(errors.some((e) => e.entity === 'customers' && (e.rawPayload ?? '').slice(0, 100) === c.raw.slice(0, 100)), `${c.what} has no recorded error with its raw payload`).to.equal(true);
    }
    expect(await scope.repo(Pax8Company).count({ where: { pax8Id: '55555555-5555-4555-8555-555555555555' } }), 'huge-name company').to.equal(0);
    for (const e of errors) expect(e.message.length, 'a clear message').to.be.greaterThan(5);
  });

  it('never writes one Pax8 id twice', async () => {
    expect(await scope.repo(Pax8Company).count({ where: { pax8Id: C_DUP } })).to.be.at.most(1);
    expect(await scope.repo(Subscription).count({ where: { pax8Id: id(10) } })).to.be.at.most(1);
    const customers = await scope.repo(Customer).find();
    expect(customers.filter((c) => c.name.startsWith('Duplicate')).length).to.be.at.most(1);
  });
});
