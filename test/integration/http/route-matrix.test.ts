import { expect } from 'chai';
import { allRoutes, isTenantRoute, type RouteDef } from '../../../src/http/api/route.js';
import '../../../src/http/api/index.js';
import { openApiPath } from '../../../src/http/api/openapi.js';
import { insertTenant } from '../../support/database.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, OpenApiValidator, startApp, type Reply, type TestApp, type TestUser } from './support.js';

/**
 * Walks EVERY registered route (the registry, so a new route is covered without editing this file)
 * with every role and with a foreign tenant's objects, over real HTTP and the real database, and
 * checks every answer against the served OpenAPI document.
 */
/**
 * The exact answer of every write route to each persona allowed to call it, with the route's example body on the seed
 * (tenant A has no Pax8 credentials and the default settings). A persona not named gets `*` when given; a route or
 * persona missing from the table fails the walk (the message names what to add). Print the answers seen with
 * MATRIX_PRINT=1. Routes run in registry order (deletes last), each persona in the order of `personas`, so a write
 * the admin already made can answer 409 or 404 to the next persona; each such entry says why. The subscription quantity
 * route answers 409 to admins because the tenant's imports.allowQuantityIncrease is off (the change itself, and the
 * client's 403: test/integration/licensing/staff-quantity.test.ts).
 */
type Persona = 'admin' | 'tenantAdmin' | 'finance' | 'reviewer' | 'client';
type Expected = Partial<Record<Persona | '*', number>>;
const WRITE_STATUS: Record<string, Expected> = {
  logout: { admin: 200, tenantAdmin: 200, finance: 200, reviewer: 200, client: 200 },
  changePassword: { admin: 400, tenantAdmin: 400, finance: 400, reviewer: 400, client: 400 }, // the example's current password is not the persona's
  createToken: { admin: 201, tenantAdmin: 201, finance: 201, reviewer: 201, client: 201 },
  createUser: { admin: 201 },
  updateUser: { admin: 200 },
  createTenant: { admin: 201 },
  updateTenantSettings: { admin: 200, tenantAdmin: 200 },
  updateTenantConnection: { admin: 200, tenantAdmin: 200 },
  testTenantConnection: { admin: 200, tenantAdmin: 200 },
  setTenantPartnerCompany: { admin: 200, tenantAdmin: 200 },
  decideUsageReview: { admin: 200, tenantAdmin: 200, reviewer: 200 },
  setUsageSpikePercent: { admin: 200, tenantAdmin: 200 },
  updateLicensingApproval: { admin: 200, tenantAdmin: 200 },
  updateLicensingSelfService: { admin: 200, tenantAdmin: 200 },
  updateLicensingCatalog: { admin: 200, tenantAdmin: 200 },
  setLicensingRule: { admin: 200, tenantAdmin: 200 },
  approveLicensingRequest: { admin: 200, tenantAdmin: 409 }, // decided by the admin before (without credentials the request ends failed, answered 200)
  rejectLicensingRequest: { admin: 409, tenantAdmin: 409 }, // approved just before
  syncLicensing: { admin: 409, tenantAdmin: 409 }, // tenant A has no Pax8 credentials
  requestLicensingChange: { client: 201 },
  readMyLicensingNotice: { client: 200 },
  previewImport: { admin: 409, tenantAdmin: 409 }, // no Pax8 credentials
  setMapping: { admin: 200, tenantAdmin: 200 },
  generateMappings: { admin: 200, tenantAdmin: 200 },
  setSubscriptionQuantity: { admin: 409, tenantAdmin: 409 }, // imports.allowQuantityIncrease is off
  setSubscriptionActive: { admin: 200, tenantAdmin: 200 },
  createCustomer: { admin: 201, tenantAdmin: 201 },
  updateCustomer: { admin: 200, tenantAdmin: 200, finance: 200 },
  createTaxCode: { admin: 201, tenantAdmin: 409, finance: 409 }, // the admin's GST exists then
  updateTaxCode: { admin: 200, tenantAdmin: 200, finance: 200 },
  setProductGroupTaxCode: { admin: 200, tenantAdmin: 200, finance: 200 },
  deleteTaxCode: { admin: 200, tenantAdmin: 404, finance: 404 }, // removed by the admin before
  saveAccountingApp: { admin: 200, tenantAdmin: 200 },
  startAccountingConnect: { admin: 200, tenantAdmin: 200 }, // the app credentials saved just before
  completeAccountingConnect: { admin: 400, tenantAdmin: 400 }, // the example's state is no state Recurra started
  chooseAccountingOrganisation: { admin: 409, tenantAdmin: 409 }, // not connected: nothing to choose
  disconnectAccounting: { admin: 200, tenantAdmin: 200 },
  matchAccountingContacts: { admin: 409, tenantAdmin: 409, finance: 409 }, // tenant A has not connected Xero
  linkAccountingContact: { admin: 409, tenantAdmin: 409, finance: 409 }, // not connected
  createAccountingContacts: { admin: 409, tenantAdmin: 409, finance: 409 }, // not connected
  setAccountingMapping: { admin: 409, tenantAdmin: 409, finance: 409 }, // not connected
  pushInvoices: { admin: 202, tenantAdmin: 202, finance: 202 }, // the example's invoice id is no invoice: each answer lists it not_found
  refreshAccountingPayments: { admin: 200, tenantAdmin: 200, finance: 200 }, // nothing pushed: nothing to read
  unlinkAccountingContact: { admin: 200, tenantAdmin: 200, finance: 200 },
  runInvoices: { admin: 200, tenantAdmin: 200, finance: 200 },
  queueInvoiceRun: { admin: 202, tenantAdmin: 409, finance: 409 }, // the admin's run is still queued (nothing runs the scheduler here)
  setBillingContacts: { admin: 200, tenantAdmin: 200, finance: 200 },
  sendInvoices: { admin: 202, tenantAdmin: 202, finance: 202 }, // the example's invoice id is no invoice: each answer lists it not_found
  approveInvoice: { admin: 200, tenantAdmin: 409, finance: 409, reviewer: 409 }, // issued by the admin before
  createRecurringInvoice: { admin: 201, tenantAdmin: 201, finance: 201 },
  updateRecurringInvoice: { admin: 200, tenantAdmin: 200, finance: 200 },
  addRecurringInvoiceLine: { admin: 201, tenantAdmin: 201, finance: 201 },
  updateRecurringInvoiceLine: { admin: 200, tenantAdmin: 200, finance: 200 },
  linkSubscription: { admin: 200, tenantAdmin: 200, finance: 200 },
  syncNow: { admin: 202, tenantAdmin: 409 }, // the admin's sync is still queued
  runReconciliation: { admin: 200, tenantAdmin: 200, finance: 200 },
  fixReconciliationFinding: { admin: 404, tenantAdmin: 404 }, // no such finding
  importPax8Billing: { admin: 409, tenantAdmin: 409 }, // no Pax8 credentials
  previewPurchase: { admin: 200, tenantAdmin: 200 },
  completePurchase: { admin: 409, tenantAdmin: 409 }, // no Pax8 connection to send it to
  previewDecrease: { admin: 200, tenantAdmin: 200 },
  completeDecrease: { admin: 409, tenantAdmin: 409 }, // no Pax8 connection
  previewTransfer: { admin: 200, tenantAdmin: 200 },
  completeTransfer: { admin: 409, tenantAdmin: 409 }, // no Pax8 connection
  setLicencesInUse: { admin: 200, tenantAdmin: 200 },
  registerPax8WebhookEndpoint: { admin: 409, tenantAdmin: 409 }, // no Pax8 credentials
  processPax8WebhookQueue: { admin: 200, tenantAdmin: 200 },
  readMyChangeNotice: { admin: 404, tenantAdmin: 404 }, // no such change notice
  readAllMyChangeNotices: { admin: 200, tenantAdmin: 200 },
  setSmtpPassword: { admin: 200, tenantAdmin: 200 },
  detectChanges: { admin: 200, tenantAdmin: 200 },
  revokeToken: { admin: 200, tenantAdmin: 200, finance: 200, reviewer: 200, client: 200 },
  deleteTenant: { admin: 200 },
  clearLicensingRule: { admin: 200, tenantAdmin: 200 },
  unsetMapping: { admin: 200, tenantAdmin: 404 }, // removed by the admin before
  deleteRecurringInvoiceLine: { admin: 200, tenantAdmin: 404, finance: 404 }, // removed by the admin before
  unregisterPax8WebhookEndpoint: { admin: 404, tenantAdmin: 404 }, // none registered
};

/** Bodies naming the seed's objects, for routes whose documented example names objects that do not exist here. */
const SEED_BODY: Record<string, (ids: Record<string, string>, other: Record<string, string>) => unknown> = {
  createRecurringInvoice: (ids) => ({ customerId: ids.customerId, name: 'Monthly licences', frequency: 'monthly', startDate: '2026-12-01', currency: 'GBP', taxRate: '0.2' }),
  linkSubscription: (ids) => ({ subscriptionId: ids.subscriptionId, freeQuantity: '1', minimumQuantity: '5' }),
  updateLicensingCatalog: (ids) => ({ action: 'feature', productIds: [ids.productId] }),
  setMapping: (ids) => ({ pax8CompanyId: ids.pax8CompanyId, customerId: ids.customerId }),
  previewPurchase: (ids) => ({ subscriptionId: ids.subscriptionId, add: 5 }),
  completePurchase: (ids) => ({ subscriptionId: ids.subscriptionId, add: 5 }),
  previewDecrease: (ids) => ({ subscriptionId: ids.subscriptionId, remove: 2 }),
  completeDecrease: (ids) => ({ subscriptionId: ids.subscriptionId, remove: 2 }),
  previewTransfer: (ids, other) => ({ fromSubscriptionId: ids.subscriptionId, toSubscriptionId: other.subscriptionId, quantity: 3 }),
  completeTransfer: (ids, other) => ({ fromSubscriptionId: ids.subscriptionId, toSubscriptionId: other.subscriptionId, quantity: 3, confirmCrossCustomer: true }),
};

describe('http: route × role × tenant matrix', function () {
  this.timeout(600_000);
  let app: TestApp;
  let A: SeededTenant;
  let B: SeededTenant;
  let doc: OpenApiValidator;
  const personas: Record<string, TestUser | null> = {};
  const problems: string[] = [];
  let stranger: TestUser;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'tenant-a');
    B = await seedTenant(app.ds, 'tenant-b');
    personas.anonymous = null;
    personas.admin = await addUser(app, 'admin');
    personas.tenantAdmin = await addUser(app, 'admin', { tenant: A.tenant, label: 'tenant-admin' });
    personas.finance = await addUser(app, 'finance', { tenant: A.tenant });
    personas.reviewer = await addUser(app, 'reviewer', { tenant: A.tenant });
    personas.client = await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId });
    stranger = await addUser(app, 'finance', { tenant: B.tenant, label: 'stranger' });
    doc = new OpenApiValidator((await call(app, 'get', '/api/openapi.json')).body);
  });
  after(async () => { await app?.close(); });

  function paramNames(def: RouteDef): string[] {
    return [...def.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  }

  async function ownParam(def: RouteDef, name: string, user: TestUser | null): Promise<string> {
    if (name === 'tenantId' && def.method === 'delete' && def.path.endsWith(':tenantId')) return (await insertTenant(app.ds, `gone-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`)).id;
    if (name === 'tokenId') return user ? (await app.users.createToken(user.id, 'matrix')).record.id : personas.admin!.id;
    if (name === 'userId') return (await addUser(app, 'reviewer', { label: 'target' })).id;
    if (user?.role === 'client' && A.otherCustomer[name] && name === 'customerId') return user.customerId!;
    const v = A.ids[name];
    if (!v) throw new Error(`route ${def.id}: no fixture for path parameter "${name}": add one to test/integration/http/fixtures.ts`);
    return v;
  }

  async function foreignParam(def: RouteDef, name: string): Promise<string | null> {
    if (name === 'tokenId') return (await app.users.createToken(stranger.id, 'someone else')).record.id;
    if (name === 'userId') return null;
    if (name === 'vendor') return null; // a vendor name (xero), not an object of a tenant
    return B.ids[name] ?? null;
  }

  function fill(path: string, values: Record<string, string>): string {
    return '/api/v1' + path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => encodeURIComponent(values[n]!));
  }

  async function send(def: RouteDef, user: TestUser | null, path: string): Promise<Reply> {
    const seeded = SEED_BODY[def.id];
    const r = await call(app, def.method, path, { token: user?.token, body: def.body ? (seeded ? seeded(A.ids, A.otherCustomer) : def.example ?? {}) : undefined });
    problems.push(...doc.check(def.method, openApiPath(def.path), r.status, r.body, r.headers.get('content-type')).map((p) => `${def.id} as ${user?.role ?? 'anonymous'}: ${p}`));
    return r;
  }

  const ordered = () => [...allRoutes()].sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));

  it('covers at least the known routes', () => {
    const ids = allRoutes().map((r) => r.id);
    for (const id of ['login', 'me', 'listTenants', 'getTenant', 'testTenantConnection', 'listCustomers', 'listSubscriptions', 'listUsageLines']) {
      expect(ids).to.include(id);
    }
  });

  it('every route answers every role as declared, and foreign tenants and objects with 404', async () => {
    const failures: string[] = [];
    const seen: Record<string, Record<string, number>> = {};
    const expectStatus = (what: string, r: Reply, ok: (s: number) => boolean, wanted: string) => {
      if (!ok(r.status)) failures.push(`${what}: got ${r.status} ${r.text.slice(0, 160)}, wanted ${wanted}`);
    };
    for (const def of ordered()) {
      const names = paramNames(def);
      for (const [persona, user] of Object.entries(personas)) {
        const label = `${def.method.toUpperCase()} ${def.path} as ${persona}`;
        const own: Record<string, string> = {};
        for (const n of names) own[n] = await ownParam(def, n, user);
        const r = await send(def, user, fill(def.path, own));
        if (def.public) {
          expectStatus(label, r, (s) => s !== 403 && s < 500, 'any answer but 403/5xx');
          continue;
        }
        if (!user) { expectStatus(label, r, (s) => s === 401, '401'); continue; }
        if (def.method !== 'get') (seen[def.id] ??= {})[persona] = r.status;
        // Writes: the table is the expectation, whatever the route declares (a persona it does not name gets 403).
        const table = def.method === 'get' ? undefined : WRITE_STATUS[def.id];
        if (def.method !== 'get' && !table) {
          failures.push(`${label}: got ${r.status}; no expected status for route ${def.id}: add it to WRITE_STATUS`);
          continue;
        }
        const exact = table ? table[persona as Persona] ?? table['*'] ?? 403 : undefined;
        const allowed = def.roles.includes(user.role) && !(def.globalOnly && user.tenantId);
        if (exact === 403 || (exact === undefined && !allowed)) {
          expectStatus(label, r, (s) => s === 403 && r.body?.error?.code === 'forbidden', '403 forbidden');
          continue;
        }
        if (!allowed) { expectStatus(label, r, () => false, `${exact} (the route does not allow ${persona})`); continue; }
        if (def.method === 'get') expectStatus(label, r, (s) => s === 200, '200');
        // (A 404 is for an object the body names or one already removed, never for the tenant.)
        else expectStatus(label, r, (s) => s === exact && !(s === 404 && r.body?.error?.message === 'tenant not found'), String(exact));
        // Without an example body, validation answers first (400), which reveals nothing either.
        const notFoundOr400 = (s: number) => s === 404 || (def.body !== undefined && def.example === undefined && s === 400);
        if (r.status === 200 && user.role === 'client' && Array.isArray(r.body?.items)) {
          for (const item of r.body.items as Array<{ id: string; customerId?: string | null }>) {
            const owner = 'customerId' in item ? item.customerId : def.path.endsWith('/customers') ? item.id : user.customerId;
            if (owner !== user.customerId) failures.push(`${label}: a client sees another customer's row ${JSON.stringify(item).slice(0, 120)}`);
          }
        }

        // Another tenant: a tenant-bound user naming tenant B (and B's objects) gets 404.
        if (isTenantRoute(def) && user.tenantId) {
          const foreign: Record<string, string> = { ...own, tenantId: B.tenant.id };
          for (const n of names) if (n !== 'tenantId') { const f = await foreignParam(def, n); if (f) foreign[n] = f; }
          const fr = await send(def, user, fill(def.path, foreign));
          expectStatus(`${label} on a foreign tenant`, fr, (s) => s === 404, '404');
        }
        // Another tenant's object under my tenant: 404 for everyone, including admins of all tenants.
        const objectNames = names.filter((n) => n !== 'tenantId');
        for (const n of objectNames) {
          const f = await foreignParam(def, n);
          if (!f) continue;
          const fr = await send(def, user, fill(def.path, { ...own, [n]: f }));
          expectStatus(`${label} with another tenant's ${n}`, fr, notFoundOr400, '404');
        }
        // A client naming another customer's object in its own tenant: 404.
        if (user.role === 'client') {
          for (const n of objectNames) {
            const other = A.otherCustomer[n];
            if (!other) continue;
            const fr = await send(def, user, fill(def.path, { ...own, [n]: other }));
            expectStatus(`${label} with another customer's ${n}`, fr, notFoundOr400, '404');
          }
        }
      }
    }
    if (process.env.MATRIX_PRINT) console.log(JSON.stringify(seen, null, 1));
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('every answer of the walk matched the OpenAPI document', () => {
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
