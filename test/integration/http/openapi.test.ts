import { expect } from 'chai';
import { allRoutes } from '../../../src/http/api/route.js';
import '../../../src/http/api/index.js';
import { openApiPath } from '../../../src/http/api/openapi.js';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, call, OpenApiValidator, startApp, type TestApp, type TestUser } from './support.js';

describe('http: OpenAPI conformance', () => {
  let app: TestApp;
  let doc: any;
  let v: OpenApiValidator;
  let admin: TestUser;
  let A: SeededTenant;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'conf-a');
    admin = await addUser(app, 'admin');
    doc = (await call(app, 'get', '/api/openapi.json')).body;
    v = new OpenApiValidator(doc);
  });
  after(async () => { await app?.close(); });

  it('is an OpenAPI 3.1 document with every registered route, and nothing else', () => {
    expect(doc.openapi).to.equal('3.1.0');
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const method of Object.keys(item)) documented.add(`${method} ${path}`);
    }
    const registered = allRoutes().map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(registered.length).to.be.greaterThan(15);
    expect([...documented].sort()).to.deep.equal([...registered].sort());
    const ids = allRoutes().map((r) => r.id);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('declares every path parameter, and every schema compiles', () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters as Array<{ in: string; name: string }>).filter((p) => p.in === 'path').map((p) => p.name).sort();
        expect(declared, `${method} ${path}`).to.deep.equal(inPath);
        for (const [status, resp] of Object.entries(op.responses as Record<string, any>)) {
          const schema = resp.content?.['application/json']?.schema;
          if (schema) expect(v.check(method, path, Number(status), undefined, null).join()).to.not.match(/not in the document|not documented/);
        }
      }
    }
  });

  it('list answers (with paging, sorting and filters) validate against the document', async () => {
    const t = A.tenant.id;
    const paths = [
      `/api/v1/tenants/${t}/customers?page=0&size=1&sort=name,desc`,
      `/api/v1/tenants/${t}/customers?q=contoso&active=true`,
      `/api/v1/tenants/${t}/subscriptions?status=Active&sort=startDate,asc`,
      `/api/v1/tenants/${t}/products?q=premium`,
      `/api/v1/tenants/${t}/usage-summaries?unmapped=false`,
      `/api/v1/tenants/${t}/usage-summaries/${A.ids.summaryId}/lines?month=2026-11`,
      `/api/v1/tenants/${t}/import-runs/${A.ids.runId}`,
      `/api/v1/tenants/${t}/pax8-companies?mapped=true`,
    ];
    for (const p of paths) {
      const r = await call(app, 'get', p, { token: admin.token });
      expect(r.status, p).to.equal(200);
      const def = allRoutes().find((d) => d.method === 'get' && new RegExp(`^/api/v1${d.path.replace(/:\w+/g, '[^/]+')}$`).test(p.split('?')[0]!))!;
      expect(v.check('get', openApiPath(def.path), 200, r.body, r.headers.get('content-type'))).to.deep.equal([]);
    }
    const one = await call(app, 'get', `/api/v1/tenants/${t}/customers?page=0&size=1&sort=name,desc`, { token: admin.token });
    expect(one.body.page).to.deep.equal({ number: 0, size: 1, totalElements: 2, totalPages: 2 });
    expect(one.body.items).to.have.length(1);
  });

  it('rejects bad queries and bodies with field-level errors in the one error shape', async () => {
    const t = A.tenant.id;
    const q = await call(app, 'get', `/api/v1/tenants/${t}/customers?size=0&sort=secret,asc&bogus=1`, { token: admin.token });
    expect(q.status).to.equal(400);
    expect(q.body.error.code).to.equal('validation_failed');
    const fields = (q.body.error.fields as Array<{ path: string }>).map((f) => f.path);
    expect(fields).to.include.members(['query.size', 'query.sort']);
    expect(q.body.error.requestId).to.be.a('string');
    expect(v.check('get', '/tenants/{tenantId}/customers', 400, q.body, q.headers.get('content-type'))).to.deep.equal([]);

    const b = await call(app, 'post', '/api/v1/tenants', { token: admin.token, body: { name: 'Bad Name!', clientId: '' } });
    expect(b.status).to.equal(400);
    expect((b.body.error.fields as Array<{ path: string }>).map((f) => f.path)).to.include.members(['body.clientId', 'body.clientSecret']);

    const bad = await fetch(`${app.url}/api/v1/tenants`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as any).error.code).to.equal('invalid_json');
  });

  it('never answers a tenant\'s client secret', async () => {
    const r = await call(app, 'post', '/api/v1/tenants', {
      token: admin.token, body: { name: 'with-secret', clientId: 'cid', clientSecret: 'very-secret-value' },
    });
    expect(r.status).to.equal(201);
    expect(r.body.hasClientSecret).to.equal(true);
    expect(r.text).to.not.include('very-secret-value');
    expect(v.check('post', '/tenants', 201, r.body, r.headers.get('content-type'))).to.deep.equal([]);
    const list = await call(app, 'get', '/api/v1/tenants', { token: admin.token });
    expect(list.text).to.not.include('very-secret-value');
  });

  it('serves a docs page without external resources', async () => {
    const r = await call(app, 'get', '/api/docs');
    expect(r.status).to.equal(200);
    expect(r.text).to.include('/api/openapi.json');
    expect(r.text).to.not.match(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});
