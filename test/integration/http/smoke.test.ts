import { expect } from 'chai';
import { addUser, call, startApp, type TestApp } from './support.js';

describe('http: smoke', () => {
  let app: TestApp;
  before(async () => { app = await startApp(); });
  after(async () => { await app?.close(); });

  it('serves the OpenAPI document and needs auth for the API', async () => {
    const doc = await call(app, 'get', '/api/openapi.json');
    expect(doc.status).to.equal(200);
    expect(doc.body.openapi).to.equal('3.1.0');
    const r = await call(app, 'get', '/api/v1/tenants');
    expect(r.status).to.equal(401);
    expect(r.body.error.code).to.equal('unauthenticated');
    const admin = await addUser(app, 'admin');
    const ok = await call(app, 'get', '/api/v1/tenants', { token: admin.token });
    expect(ok.status).to.equal(200);
  });
});
