import { expect } from 'chai';
import express from 'express';
import { createHttpApp } from '../../../src/http/app.js';
import { listen } from '../../../src/http/server.js';
import { jobsRouter } from '../../../src/http/jobs-dashboard.js';
import { insertTenant } from '../../support/database.js';
import { addUser, call, startApp, webSessionCookie, type TestApp, type TestUser } from './support.js';

/** A browser gets an HTML error page with a way back; scripts keep the API's JSON error shape. */
describe('http: error pages for browsers', function () {
  this.timeout(60_000);
  let app: TestApp;
  let server: Awaited<ReturnType<typeof listen>>;
  let finance: TestUser;
  const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  before(async () => {
    app = await startApp({}, { scheduler: true });
    server = await listen(express().use(jobsRouter(app.rt, app.scheduler!), createHttpApp(app.rt, { scheduler: app.scheduler })), '127.0.0.1', 0);
    finance = await addUser(app, 'finance');
  });
  after(async () => {
    await server?.close();
    await app?.close();
  });

  it('answers an unknown address with a 404 page to a browser and JSON to a script', async () => {
    const page = await fetch(`${server.url}/no/such/page`, { headers: BROWSER });
    expect(page.status).to.equal(404);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    const html = await page.text();
    expect(html).to.include('There is no page at this address.');
    expect(html).to.include('href="/"');
    const json = await fetch(`${server.url}/no/such/page`);
    expect(json.status).to.equal(404);
    expect((await json.json()) as unknown).to.have.nested.property('error.code', 'not_found');
    const api = await fetch(`${server.url}/api/v1/no-such-route`, { headers: BROWSER });
    expect(api.status).to.equal(404);
    expect(api.headers.get('content-type')).to.match(/json/);
  });

  it('refuses the jobs dashboard to a finance user with a 403 page, and to a script with JSON', async () => {
    const cookie = await webSessionCookie(server.url, finance);
    const page = await fetch(`${server.url}/admin/jobs/`, { headers: { ...BROWSER, cookie } });
    expect(page.status).to.equal(403);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    const html = await page.text();
    expect(html).to.include('Only admins may do this.');
    expect(html).to.include('href="/"');
    const json = await fetch(`${server.url}/admin/jobs/api`, { headers: { cookie } });
    expect(json.status).to.equal(403);
    expect((await json.json()) as unknown).to.have.nested.property('error.code', 'forbidden');
  });

  it('says in words which roles may use a route when it refuses one', async () => {
    const tenant = await insertTenant(app.ds, 'refusals');
    const reviewer = await addUser(app, 'reviewer');
    const r = await call(app, 'GET', `/api/v1/tenants/${tenant.id}/events`, { token: reviewer.token });
    expect(r.status).to.equal(403);
    expect((r.body as { error: { message: string } }).error.message).to.equal('Only admin and finance users can use this: the licence event log. You are signed in as a reviewer.');
  });
});
