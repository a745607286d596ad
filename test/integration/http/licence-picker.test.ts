import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Customer, Subscription } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, webSessionCookie, type TestApp } from './support.js';

/** Licence management's subscription choices scale (issue 24): at most 200 listed, any other found by customer or product name. */
describe('http: the licence management subscription picker', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let cookie: string;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'licence-picker', 'Contoso Ltd');
    const m = app.ds.manager;
    const seeded = await m.findOneByOrFail(Subscription, { id: A.ids.subscriptionId! });
    const bulk = await m.findOneByOrFail(Customer, { id: A.otherCustomer.customerId! });
    await m.update(Customer, { id: bulk.id }, { name: 'Bulk 100% Holdings' });
    await m.insert(Subscription, Array.from({ length: 250 }, (_, i) => ({
      ...seeded, id: randomUUID(), pax8Id: randomUUID(), customerId: bulk.id, name: `Seat Pack ${String(i).padStart(3, '0')}`,
    })));
    cookie = await webSessionCookie(app.url, await addUser(app, 'admin', { tenant: A.tenant }));
  });
  after(async () => { await app?.close(); });

  const choices = async (query: string) => {
    const res = await fetch(`${app.url}/t/${A.tenant.id}/licences?${query}`, { headers: { cookie } });
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).to.equal(200);
    const select = html.split('id="purchase-form"')[1]!.split('</select>')[0]!;
    return { html, options: [...select.matchAll(/<option value="[^"]+">([^<]+)<\/option>/g)].map((o) => o[1]!) };
  };

  it('lists at most 200 and says how many there are', async () => {
    const { html, options } = await choices('');
    expect(options).to.have.length(200);
    expect(html).to.include('200 of 252 subscriptions listed: type part of a customer or product name to narrow.');
  });

  it('finds any subscription by part of its customer\'s or product\'s name, literally', async () => {
    const byProduct = await choices('find=pack+249');
    expect(byProduct.options).to.deep.equal(['Bulk 100% Holdings — Seat Pack 249 (monthly, qty 5)']);
    expect(byProduct.html).to.include('name="find" value="pack 249"').and.include('1 subscription match “pack 249”.');
    const byCustomer = await choices('find=contoso');
    expect(byCustomer.options).to.deep.equal(['Contoso Ltd — Microsoft 365 Business Premium (monthly, qty 5)']);
    expect((await choices(`find=${encodeURIComponent('100%')}`)).options).to.have.length(200);
    expect((await choices(`find=${encodeURIComponent('0% H')}`)).options, 'the % is no wildcard').to.have.length(200);
    expect((await choices(`find=${encodeURIComponent('1_0')}`)).options).to.deep.equal([]);
  });
});
