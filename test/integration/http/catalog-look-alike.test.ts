import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { Product } from '../../../src/db/entities/index.js';
import { skuTermWords } from '../../../src/http/web/look-alike.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp } from './support.js';

/** Catalog rows of one name are told apart by their term and billing, prices read as money (issue 24). */
describe('http: same-name catalog products told apart', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'catalog-twins');
    const product = (sku: string, price: string) => ({
      id: randomUUID(), tenantId: A.tenant.id, createdAt: new Date(), updatedAt: new Date(), sku, name: 'Adobe Acrobat Pro', vendorName: 'Adobe',
      category: 'Productivity', pax8ProductId: randomUUID(), pax8Sku: null, vendorSku: null, productGroup: 'Pax8', retailPrice: new Decimal(price),
      visible: true, featured: false,
    });
    await app.ds.manager.insert(Product, [product('65324058BA01A12-P1M-M', '19.99'), product('65324058BA01A12-P1Y-A', '227.89'), product('65324058BA01A12-P2Y-B', '1835')]);
  });
  after(async () => { await app?.close(); });

  const rows = (html: string, tableId: string) => [...html.split(`id="${tableId}"`)[1]!.split('</table>')[0]!.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)]
    .map((m) => m[1]!.replace(/<input[^>]*>|<button[\s\S]*?<\/button>/g, '').replace(/<[^>]+>/g, '|').split('|').map((c) => c.trim()).filter(Boolean))
    .filter((r) => r.includes('Adobe Acrobat Pro'));

  it('the admin\'s catalog tab shows each one\'s term and billing in words and its price as money', async () => {
    const cookie = await webSessionCookie(app.url, await addUser(app, 'admin', { tenant: A.tenant }));
    const html = await (await fetch(`${app.url}/t/${A.tenant.id}/licensing/settings?tab=catalog&q=acrobat`, { headers: { cookie } })).text();
    expect(rows(html, 'catalog-table').map((r) => r.slice(0, 5))).to.have.deep.members([
      ['Adobe Acrobat Pro', '1-month term, billed monthly', 'Adobe', 'Productivity', '19.99'],
      ['Adobe Acrobat Pro', '1-year term, billed annually', 'Adobe', 'Productivity', '227.89'],
      ['Adobe Acrobat Pro', '2-year term, billed every 2 years', 'Adobe', 'Productivity', '1,835.00'],
    ]);
  });

  it('a client\'s catalog tells them apart the same way; a product of its own name stays plain', async () => {
    const cookie = await webSessionCookie(app.url, await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId }));
    const html = await (await fetch(`${app.url}/t/${A.tenant.id}/licensing/my`, { headers: { cookie } })).text();
    const shown = rows(html, 'my-catalog');
    expect(shown.map((r) => r[1])).to.have.members(['1-month term, billed monthly', '1-year term, billed annually', '2-year term, billed every 2 years']);
    expect(html).to.include('<td>Microsoft 365 Business Premium</td>');
  });

  it('the Products page says each same-name product\'s term and billing, sorts by a chosen order and shows prices as money', async () => {
    const cookie = await webSessionCookie(app.url, await addUser(app, 'finance', { tenant: A.tenant }));
    const html = await (await fetch(`${app.url}/t/${A.tenant.id}/products?q=acrobat&sort=sku,asc`, { headers: { cookie } })).text();
    const shown = rows(html, 'products').map((r) => [r[1], r[2], r.at(-1)]);
    expect(shown).to.deep.equal([
      ['1-month term, billed monthly', '65324058BA01A12-P1M-M', '19.99'],
      ['1-year term, billed annually', '65324058BA01A12-P1Y-A', '227.89'],
      ['2-year term, billed every 2 years', '65324058BA01A12-P2Y-B', '1,835.00'],
    ]);
    expect(html).to.include('<option value="sku,asc" selected>SKU</option>');
  });

  it('reads the SKU\'s term and billing, and nothing from an SKU of another shape', () => {
    expect(skuTermWords('CFQ7TTC0LCHC-0002-P1Y-M')).to.equal('1-year term, billed monthly');
    expect(skuTermWords('X-P0D-OT')).to.equal('charged once');
    expect(skuTermWords('MS-365-BP-M')).to.equal('');
  });
});
