import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Product } from '../../../src/db/entities/index.js';
import { bulkInsert } from '../../../src/db/bulk-insert.js';
import { TenantIsolationError, TenantScope } from '../../../src/db/tenant-scope.js';
import { insertTenant } from '../../support/database.js';
import { useFreshDatabase } from '../../support/fixtures.js';

/** bulkInsert binds most values itself (text, integers, decimals): what it stores must read back as the ORM wrote it. */
describe('bulkInsert', () => {
  const db = useFreshDatabase({ per: 'suite' });
  let scope: TenantScope;
  let other: TenantScope;

  before(async () => {
    scope = new TenantScope(db.ds.manager, (await insertTenant(db.ds, 'acme')).id);
    other = new TenantScope(db.ds.manager, (await insertTenant(db.ds, 'globex')).id);
  });

  const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => null, (err: unknown) => err);

  const product = (over: Partial<Product> = {}): Partial<Product> => {
    const id = randomUUID();
    const now = new Date('2026-11-30T23:59:58.123Z');
    return {
      id, sku: `SKU-${id}`, name: 'Microsoft 365 "Business" Premium, €', vendorName: null, category: 'Licences', pax8ProductId: null,
      pax8Sku: null, vendorSku: null, productGroup: null, retailPrice: new Decimal('1234567.000001'), visible: false, featured: true,
      createdAt: now, updatedAt: now, ...over,
    };
  };

  it('stores text, decimals, booleans, nulls and instants as a single ORM insert does, for rows of every statement size', async () => {
    // 300 rows: a 256-row statement, then 32, 8 and 4 (each statement size binds its own parameters).
    const rows = Array.from({ length: 300 }, (_, i) => product({ retailPrice: i % 3 === 0 ? null : new Decimal(i).div(1000), sku: `bulk-${i}` }));
    await scope.transaction((tx) => bulkInsert(tx, Product, rows));
    const viaOrm = product({ sku: 'orm-0' });
    await scope.repo(Product).insert([viaOrm]);

    const stored = await scope.repo(Product).find();
    expect(stored).to.have.length(301);
    const bySku = new Map(stored.map((p) => [p.sku, p]));
    for (let i = 0; i < 300; i++) {
      const p = bySku.get(`bulk-${i}`)!;
      if (i % 3 === 0) expect(p.retailPrice).to.equal(null);
      else expect(p.retailPrice!.equals(new Decimal(i).div(1000)), `${p.retailPrice} for ${i}`).to.equal(true);
      expect(p.tenantId).to.equal(scope.tenantId);
    }
    const bulk = bySku.get('bulk-1')!;
    const orm = bySku.get('orm-0')!;
    for (const field of ['name', 'category', 'vendorName', 'visible', 'featured'] as const) expect(bulk[field], field).to.deep.equal(orm[field]);
    expect(bulk.createdAt.toISOString()).to.equal(orm.createdAt.toISOString());
    expect(bulk.createdAt.toISOString()).to.equal('2026-11-30T23:59:58.123Z');
  });

  it('still refuses a decimal the column cannot hold exactly, and writes nothing of the statement', async () => {
    const before = await scope.repo(Product).count();
    const rows = [product({ sku: 'ok' }), product({ sku: 'too-precise', retailPrice: new Decimal('0.0000001') })];
    const error = await failure(scope.transaction((tx) => bulkInsert(tx, Product, rows)));
    expect(error).to.be.instanceOf(RangeError);
    expect((error as Error).message).to.match(/more than 6 decimal places/);
    expect(await scope.repo(Product).count()).to.equal(before);
  });

  it('stamps the scope\'s tenant, refuses a row of another tenant, and names a missing required value', async () => {
    expect(await failure(scope.transaction((tx) => bulkInsert(tx, Product, [product({ tenantId: other.tenantId })]))))
      .to.be.instanceOf(TenantIsolationError);
    const { name: _name, ...nameless } = product();
    expect(String(await failure(scope.transaction((tx) => bulkInsert(tx, Product, [nameless]))))).to.match(/no value for name/);
    expect(await other.repo(Product).count()).to.equal(0);
  });
});
