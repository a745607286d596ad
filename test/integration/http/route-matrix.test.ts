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
    return B.ids[name] ?? null;
  }

  function fill(path: string, values: Record<string, string>): string {
    return '/api/v1' + path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => encodeURIComponent(values[n]!));
  }

  async function send(def: RouteDef, user: TestUser | null, path: string): Promise<Reply> {
    const r = await call(app, def.method, path, { token: user?.token, body: def.body ? (def.example ?? {}) : undefined });
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
    const expectStatus = (what: string, r: Reply, ok: (s: number) => boolean, wanted: string) => {
      if (!ok(r.status)) failures.push(`${what}: got ${r.status} ${r.text.slice(0, 160)}, wanted ${wanted}`);
    };
    for (const def of ordered()) {
      const names = paramNames(def);
      let deleted = false;
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
        const allowed = def.roles.includes(user.role) && !(def.globalOnly && user.tenantId);
        if (!allowed) { expectStatus(label, r, (s) => s === 403 && r.body?.error?.code === 'forbidden', '403 forbidden'); continue; }
        if (def.method === 'get') expectStatus(label, r, (s) => s === 200, '200');
        // A DELETE already carried out by an earlier role finds nothing left to delete.
        else if (def.method === 'delete' && deleted) expectStatus(label, r, (s) => (s >= 200 && s < 300) || s === 404, '2xx or 404');
        // (404 only for an object the example body names, never for the tenant.)
        else expectStatus(label, r, (s) => (s >= 200 && s < 300) || s === 400 || s === 409 || (s === 404 && r.body?.error?.message !== 'tenant not found'), '2xx, 400 or 409');
        if (def.method === 'delete' && r.status < 300) deleted = true;
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
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('every answer of the walk matched the OpenAPI document', () => {
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
