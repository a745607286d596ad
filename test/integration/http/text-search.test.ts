import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Customer, EventLogEntry, Pax8Company, Product, Subscription, type Tenant } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { insertTenant, onMariaDb } from '../../support/database.js';
import { LIKE_PROBE_CASES, LIKE_PROBE_NAMES } from '../../support/like-probe.js';
import { addUser, call, startApp, type TestApp, type TestUser } from './support.js';

/**
 * Every text search the API offers matches what the user typed literally (`%`, `_`, `!` and `\` are characters, not
 * wildcards or escapes) and case-insensitively, on SQLite and MariaDB: each search runs over rows named after
 * LIKE_PROBE_NAMES in the searched column and must find exactly the expected ones.
 */
describe(`text search over HTTP is literal and case-insensitive (${onMariaDb() ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(60_000);
  let app: TestApp;
  let tenant: Tenant;
  let admin: TestUser;
  let client: TestUser;
  const now = new Date();
  const base = () => ({ id: randomUUID(), createdAt: now, updatedAt: now });
  const customer = (name: string) => ({
    ...base(), name, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: null, siteStateOrProvince: null,
    sitePostalCode: null, siteCountry: null, source: 'manual', monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false,
  });

  before(async () => {
    app = await startApp();
    tenant = await insertTenant(app.ds, 'search-msp');
    const scope = new TenantScope(app.ds.manager, tenant.id);
    // The owner of the probe subscriptions; its name and the vendor match none of the searches.
    const owner = customer('Client Co');
    await scope.repo(Customer).insert([owner, ...LIKE_PROBE_NAMES.map(customer)]);
    await scope.repo(Product).insert(LIKE_PROBE_NAMES.map((name) => ({
      ...base(), sku: `SKU-${randomUUID().slice(0, 8)}`, name, vendorName: 'Vendor', category: null, pax8ProductId: null, pax8Sku: null, vendorSku: null,
      productGroup: 'Pax8', retailPrice: null, visible: true, featured: false,
    })));
    await scope.repo(Subscription).insert(LIKE_PROBE_NAMES.map((name) => ({
      ...base(), kind: 'license', pax8Id: randomUUID(), pax8CompanyId: randomUUID(), customerId: owner.id, pax8ProductId: randomUUID(), productId: null,
      name, vendorName: 'Vendor', quantity: new Decimal(1), status: 'Active', active: true, activeOverride: null, billingTerm: 'Monthly',
      commitmentTerm: null, commitmentEndDate: null, startDate: null, endDate: null, price: null, cost: null, currency: 'USD', usageSummaryId: null,
      deletedInPax8: false, contentHash: 'x', pax8UpdatedAt: null,
    }) as Partial<Subscription>));
    await scope.repo(Pax8Company).insert(LIKE_PROBE_NAMES.map((name) => ({
      ...base(), pax8Id: randomUUID(), name, status: 'Active', street: null, street2: null, city: null, stateOrProvince: null, postalCode: null,
      country: null, externalId: null, isPartnerOwn: false, contentHash: 'x', pax8UpdatedAt: null,
    })));
    await scope.repo(EventLogEntry).insert(LIKE_PROBE_NAMES.map((name) => ({
      ...base(), occurredAt: now, type: 'probe', source: 'Vendor', target: name, licenceCount: null, initiatedBy: 'system',
      subscriptionId: null, customerId: null, refKind: 'probe', refId: randomUUID(), detail: null,
    }) as Partial<EventLogEntry>));
    admin = await addUser(app, 'admin', { tenant });
    client = await addUser(app, 'client', { tenant, customerId: owner.id });
  });
  after(() => app?.close());

  const searches: Array<{ what: string; path: (q: string) => string; who: () => TestUser; names: (body: any) => string[] }> = [
    { what: 'customers', path: (q) => `customers?size=100&q=${q}`, who: () => admin, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'Pax8 companies', path: (q) => `pax8-companies?size=100&q=${q}`, who: () => admin, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'products', path: (q) => `products?size=100&q=${q}`, who: () => admin, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'subscriptions', path: (q) => `subscriptions?size=100&q=${q}`, who: () => admin, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'licensing catalog', path: (q) => `licensing/catalog?size=100&q=${q}`, who: () => admin, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'licensing subscriptions', path: (q) => `licensing/subscriptions?size=100&q=${q}`, who: () => admin, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'my licensing subscriptions', path: (q) => `licensing/my/subscriptions?size=100&q=${q}`, who: () => client, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'my licensing catalog', path: (q) => `licensing/my/catalog?size=100&q=${q}`, who: () => client, names: (b) => b.items.map((i: any) => i.name) },
    { what: 'event log', path: (q) => `events?size=100&columns=target&search=${q}`, who: () => admin, names: (b) => b.rows.map((r: any) => r.target) },
  ];

  for (const s of searches) {
    it(`${s.what}: finds exactly the rows containing what was typed`, async () => {
      const found: Record<string, string[]> = {};
      const wanted: Record<string, string[]> = {};
      for (const [text, expected] of LIKE_PROBE_CASES) {
        const res = await call(app, 'get', `/api/v1/tenants/${tenant.id}/${s.path(encodeURIComponent(text))}`, { token: s.who().token });
        expect(res.status, `${text}: ${res.text}`).to.equal(200);
        found[text] = s.names(res.body).sort();
        wanted[text] = [...expected].sort();
      }
      expect(found).to.deep.equal(wanted);
    });
  }
});
