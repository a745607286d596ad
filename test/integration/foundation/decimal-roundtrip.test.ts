import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Product } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { insertTenant } from '../../support/database.js';
import { useFreshDatabase } from '../../support/fixtures.js';

describe('Decimal columns round-trip exactly', () => {
  const db = useFreshDatabase({ per: 'suite' });
  let scope: TenantScope;

  before(async () => {
    scope = new TenantScope(db.ds.manager, (await insertTenant(db.ds, 'acme')).id);
  });

  for (const text of ['0.000001', '123456789012.123456', '-0.5', '0', '9999999999999.999999', '-1234567890123.000001']) {
    it(`stores and reads ${text} unchanged`, async () => {
      const repo = scope.repo(Product);
      const now = new Date();
      const id = randomUUID();
      await repo.save(repo.create({
        id, sku: `SKU-${id}`, name: 'p', vendorName: null, category: null, pax8ProductId: null, pax8Sku: null,
        vendorSku: null, productGroup: null, retailPrice: new Decimal(text), visible: true, featured: false,
        createdAt: now, updatedAt: now,
      }));
      const back = await repo.findOneBy({ id });
      expect(back?.retailPrice).to.be.instanceOf(Decimal);
      expect(back!.retailPrice!.equals(new Decimal(text)), `${back!.retailPrice} vs ${text}`).to.equal(true);
      expect(back!.retailPrice!.toFixed(6)).to.equal(new Decimal(text).toFixed(6));
    });
  }

  it('keeps null as null', async () => {
    const repo = scope.repo(Product);
    const now = new Date();
    const id = randomUUID();
    await repo.save(repo.create({
      id, sku: `SKU-${id}`, name: 'p', vendorName: null, category: null, pax8ProductId: null, pax8Sku: null,
      vendorSku: null, productGroup: null, retailPrice: null, visible: true, featured: false, createdAt: now, updatedAt: now,
    }));
    expect((await repo.findOneBy({ id }))!.retailPrice).to.equal(null);
  });
});
