import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { allRoutes, type RouteDef } from '../../src/http/api/route.js';
import '../../src/http/api/index.js';
import { seedTenant, type SeededTenant } from '../integration/http/fixtures.js';
import { addUser, startApp, type TestApp, type TestUser } from '../integration/http/support.js';
import { count, runsFor } from './support/figures.js';
import { hostileJson, hostileScalar, mutatedExample } from './support/hostile-values.js';

/** Tables a refused request may still write: security bookkeeping, not data. */
const BOOKKEEPING = new Set(['audit_events', 'sessions', 'login_attempts', 'api_tokens', 'users', 'migrations']);

async function rowCounts(ds: DataSource): Promise<Record<string, number>> {
  const tables: Array<{ name: string }> = ds.options.type === 'mysql'
    ? await ds.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')
    : await ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    if (BOOKKEEPING.has(name)) continue;
    const q = ds.options.type === 'mysql' ? `SELECT COUNT(*) AS n FROM \`${name}\`` : `SELECT COUNT(*) AS n FROM "${name}"`;
    out[name] = Number((await ds.query(q))[0].n);
  }
  return out;
}

function queryKeys(def: RouteDef): string[] {
  const shape = (def.query as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

describe('Hostile API requests: never a 500, always a clear error, nothing written when refused', function () {
  this.timeout(0);
  const perRoute = runsFor(60, 6);
  const seed = Number(process.env.RELIABILITY_SEED ?? 20261122);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'fuzz-a');
    await seedTenant(app.ds, 'fuzz-b');
    admin = await addUser(app, 'admin');
  });
  after(() => app?.close());

  /** Path parameters of this tenant's seeded objects; a DELETE targets an id that does not exist, so the fixtures survive. */
  async function pathFor(def: RouteDef): Promise<string> {
    return '/api/v1' + def.path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => {
      // Deletes aim at ids that do not exist (the tenant itself too, when it is what the route deletes).
      if (def.method === 'delete') return n === 'tenantId' && !def.path.endsWith(':tenantId') ? A.tenant.id : randomUUID();
      if (n === 'tokenId' || n === 'userId') return randomUUID();
      return encodeURIComponent(A.ids[n] ?? randomUUID());
    });
  }

  it('fuzzes every registered route', async () => {
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    const routes = [...allRoutes()].filter((d) => !['logout', 'login', 'changePassword'].includes(d.id));
    expect(routes.length).to.be.greaterThan(40);
    for (const def of routes) {
      const path = await pathFor(def);
      const body = def.body === undefined ? fc.constant(undefined)
        : fc.oneof(hostileJson, def.example && typeof def.example === 'object' ? mutatedExample(def.example as Record<string, unknown>) : hostileJson);
      const keys = [...queryKeys(def), 'page', 'size', 'sort', 'q'];
      const query = fc.dictionary(fc.constantFrom(...keys), fc.oneof(hostileScalar.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))), fc.string({ maxLength: 30 })), { maxKeys: 3 });
      await fc.assert(
        fc.asyncProperty(body, query, async (b, q) => {
          count('hostileInputsTried');
          const before = await rowCounts(app.ds);
          const qs = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString();
          const res = await fetch(`${app.url}${path}${qs ? `?${qs}` : ''}`, {
            method: def.method.toUpperCase(),
            headers: { authorization: `Bearer ${admin.token}`, ...(b === undefined ? {} : { 'content-type': 'application/json' }) },
            body: b === undefined ? undefined : JSON.stringify(b),
          });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const where = `${def.method.toUpperCase()} ${def.path} body=${JSON.stringify(b)?.slice(0, 200)} query=${qs.slice(0, 200)}`;
          if (res.status === 500) {
            problems.push(`${where}: 500 ${text.slice(0, 200)}`);
            return;
          }
          if (res.status >= 400) {
            let parsed: { error?: { code?: string; message?: string } } = {};
            try {
              parsed = JSON.parse(text);
            } catch {
              problems.push(`${where}: ${res.status} without a JSON error body`);
              return;
            }
            if (!parsed.error?.code || !parsed.error?.message) problems.push(`${where}: ${res.status} error without code and message: ${text.slice(0, 200)}`);
            if (res.status < 500) {
              const after = await rowCounts(app.ds);
              for (const [t, n] of Object.entries(after)) {
                if (before[t] !== n) problems.push(`${where}: refused with ${res.status} but ${t} went from ${before[t]} to ${n} rows`);
              }
            }
          }
        }),
        { numRuns: perRoute, seed, endOnFailure: true },
      );
    }
    expect(problems, problems.slice(0, 20).join('\n')).to.deep.equal([]);
    // The fuzzer must reach validation (400s) and get past it too, not just bounce off auth or routing.
    expect(statuses.get(400) ?? 0, JSON.stringify([...statuses])).to.be.greaterThan(routes.length / 2);
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300), JSON.stringify([...statuses])).to.equal(true);
  });
});
