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

  it('answers a request Node refuses before the app (URL over 16 KiB) in the one error shape', async () => {
    const res = await fetch(`${app.url}/api/v1/tenants?q=${'x'.repeat(20_000)}`);
    expect(res.status).to.equal(431);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).to.include({ code: 'headers_too_large' });
    expect(body.error.message).to.match(/too large/);
    expect(res.headers.get('x-request-id')).to.equal(body.error.requestId);
  });
});
