import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { LicensingNotice } from '../../../src/db/entities/index.js';
import { seedTenant, type SeededTenant } from '../http/fixtures.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../http/support.js';

/** A tiny browser keeping the session cookie (as in the web pages test). */
class Browser {
  private readonly jar = new Map<string, string>();
  constructor(private readonly app: TestApp) {}
  private get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  }
  async get(path: string) {
    const res = await fetch(this.app.url + path, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
  async post(path: string, form: Record<string, string>) {
    const res = await fetch(this.app.url + path, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(form).toString(),
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', referer: this.app.url + path },
    });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
}

describe('in-app notices: admins mark their own notices read (API and web page)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let B: SeededTenant;
  let me: TestUser;
  let colleague: TestUser;
  let strangerAdmin: TestUser;
  const ids: Record<string, string> = {};

  const notice = async (tenantId: string, userId: string | null, customerId: string | null, kind: string, message: string, ageMin: number) => {
    const at = new Date(Date.now() - ageMin * 60_000);
    const id = randomUUID();
    await app.ds.manager.insert(LicensingNotice, {
      id, tenantId, userId, customerId, requestId: null, kind, message, readAt: null, createdAt: at, updatedAt: at,
    });
    return id;
  };
  const readAt = async (id: string) => (await app.ds.manager.findOneByOrFail(LicensingNotice, { id })).readAt;

  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'inapp-a');
    B = await seedTenant(app.ds, 'inapp-b');
    me = await addUser(app, 'admin');
    colleague = await addUser(app, 'admin', { tenant: A.tenant });
    strangerAdmin = await addUser(app, 'admin', { tenant: B.tenant });
    const client = await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId });
    ids.seats = await notice(A.tenant.id, me.id, null, 'change_seats_added', 'Seats added: 5 → 8 for Contoso', 3);
    ids.leak = await notice(A.tenant.id, me.id, null, 'leakage_threshold', 'Leakage for inapp-a in 2026-11 above the threshold', 2);
    ids.cancel = await notice(A.tenant.id, me.id, null, 'change_cancelled', 'Cancelled <b>Dropbox</b>', 1);
    ids.colleague = await notice(A.tenant.id, colleague.id, null, 'change_seats_added', 'for the colleague', 1);
    ids.client = await notice(A.tenant.id, client.id, A.ids.customerId!, 'request_applied', 'for the client', 1);
    ids.mineInB = await notice(B.tenant.id, me.id, null, 'change_seats_removed', 'in tenant B', 1);
  });
  after(async () => { await app?.close(); });

  const path = (tenantId: string, rest = '') => `/api/v1/tenants/${tenantId}/change-notices/in-app${rest}`;

  it('API: one read, only my own notices, read-all in one tenant, tenant isolation', async () => {
    const list = await call(app, 'get', path(A.tenant.id), { token: me.token });
    expect(list.status).to.equal(200);
    expect(list.body.unread).to.equal(3);
    expect(list.body.items.map((n: { id: string }) => n.id)).to.deep.equal([ids.cancel, ids.leak, ids.seats]);

    const r = await call(app, 'post', path(A.tenant.id, `/${ids.seats}/read`), { token: me.token });
    expect(r.status, r.text).to.equal(200);
    const first = await readAt(ids.seats);
    expect(first).to.be.instanceOf(Date);
    expect((await call(app, 'post', path(A.tenant.id, `/${ids.seats}/read`), { token: me.token })).status).to.equal(200);
    expect((await readAt(ids.seats))!.getTime()).to.equal(first!.getTime()); // read once, not re-dated
    expect((await call(app, 'get', path(A.tenant.id), { token: me.token })).body.unread).to.equal(2);
    const unreadOnly = await call(app, 'get', `${path(A.tenant.id)}?unread=true`, { token: me.token });
    expect(unreadOnly.body.items.map((n: { id: string }) => n.id)).to.deep.equal([ids.cancel, ids.leak]);

    // Someone else's notice, a client's, another tenant's (under my tenant's path), or the other way round: 404, nothing marked.
    for (const [who, tenant, id] of [[me, A, ids.colleague], [me, A, ids.client], [me, A, ids.mineInB], [colleague, A, ids.cancel], [strangerAdmin, B, ids.mineInB]] as const) {
      const x = await call(app, 'post', path(tenant.tenant.id, `/${id}/read`), { token: who.token });
      expect(x.status, `${who.email} ${id}`).to.equal(404);
    }
    // A user bound to tenant B naming tenant A: 404 for the tenant.
    expect((await call(app, 'post', path(A.tenant.id, '/read-all'), { token: strangerAdmin.token, body: {} })).status).to.equal(404);
    for (const id of [ids.colleague, ids.client, ids.mineInB, ids.cancel]) expect(await readAt(id)).to.equal(null);

    const all = await call(app, 'post', path(A.tenant.id, '/read-all'), { token: me.token, body: {} });
    expect(all.status, all.text).to.equal(200);
    expect(all.body).to.deep.equal({ marked: 2 });
    expect(await readAt(ids.cancel)).to.not.equal(null);
    expect(await readAt(ids.leak)).to.not.equal(null);
    // Only mine, only in tenant A.
    expect(await readAt(ids.colleague)).to.equal(null);
    expect(await readAt(ids.client)).to.equal(null);
    expect(await readAt(ids.mineInB)).to.equal(null);
    expect((await call(app, 'post', path(A.tenant.id, '/read-all'), { token: me.token, body: {} })).body).to.deep.equal({ marked: 0 });
    // Clients and other roles may not.
    const finance = await addUser(app, 'finance', { tenant: A.tenant });
    expect((await call(app, 'post', path(A.tenant.id, '/read-all'), { token: finance.token, body: {} })).status).to.equal(403);
  });

  it('web page: lists my notices, Mark read and Mark all read are CSRF-protected forms', async () => {
    const colleagueN1 = await notice(A.tenant.id, colleague.id, null, 'change_plan_upgraded', 'Upgraded <i>Business Basic</i> → Premium', 2);
    const b = new Browser(app);
    expect((await b.post('/login', { email: colleague.email, password: colleague.password, next: '/' })).status).to.equal(303);
    const page = await b.get(`/t/${A.tenant.id}/licences/notices`);
    expect(page.status, page.html.slice(0, 300)).to.equal(200);
    expect(page.html).to.include('2 unread');
    expect(page.html).to.include('&lt;i&gt;Business Basic&lt;/i&gt;');
    expect(page.html).to.not.include('for the client');
    expect(page.html).to.include(`action="/t/${A.tenant.id}/licences/notices/${ids.colleague}/read"`);
    expect(page.html).to.include(`action="/t/${A.tenant.id}/licences/notices/read-all"`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

    // Without the form's token: refused, nothing marked.
    expect((await b.post(`/t/${A.tenant.id}/licences/notices/${ids.colleague}/read`, {})).status).to.equal(403);
    expect(await readAt(ids.colleague)).to.equal(null);
    const one = await b.post(`/t/${A.tenant.id}/licences/notices/${ids.colleague}/read`, { _csrf: csrf });
    expect([one.status, one.location]).to.deep.equal([303, `/t/${A.tenant.id}/licences/notices`]);
    expect(await readAt(ids.colleague)).to.not.equal(null);
    // Another user's notice through the page: not found.
    expect((await b.post(`/t/${A.tenant.id}/licences/notices/${ids.cancel}/read`, { _csrf: csrf })).status).to.equal(404);

    const all = await b.post(`/t/${A.tenant.id}/licences/notices/read-all`, { _csrf: csrf });
    expect(all.status).to.equal(303);
    expect(new URL(all.location!, app.url).searchParams.get('notice')).to.equal('1 notice marked read');
    expect(await readAt(colleagueN1)).to.not.equal(null);
    const after = await b.get(`/t/${A.tenant.id}/licences/notices`);
    expect(after.html).to.include('0 unread').and.not.include('read-all-form');
  });
});
