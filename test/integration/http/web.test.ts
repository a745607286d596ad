import { expect } from 'chai';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, type TestApp, type TestUser } from './support.js';
import { Tenant } from '../../../src/db/entities/index.js';
import { clockFrom } from '../../../src/common/clock.js';

/** A tiny browser: keeps the session cookie, follows nothing by itself. */
class Browser {
  private readonly jar = new Map<string, string>();
  constructor(private readonly app: TestApp) {}
  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
  async get(path: string) {
    const res = await fetch(this.app.url + path, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await fetch(this.app.url + path, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(form).toString(),
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', referer: this.app.url + path, ...headers },
    });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
  csrf(html: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  }
}

describe('http: web pages', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let client: TestUser;
  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'web-a', '<script>alert(1)</script> & Co');
    admin = await addUser(app, 'admin');
    client = await addUser(app, 'client', { tenant: A.tenant, customerId: A.ids.customerId });
  });
  after(async () => { await app?.close(); });

  it('sends visitors to the sign-in page and back where they were going', async () => {
    const b = new Browser(app);
    const r = await b.get(`/t/${A.tenant.id}/customers`);
    expect(r.status).to.equal(303);
    expect(r.location).to.equal(`/login?next=%2Ft%2F${A.tenant.id}%2Fcustomers`);
    const bad = await b.post('/login', { email: admin.email, password: 'nope', next: '/' });
    expect(bad.status).to.equal(401);
    expect(bad.html).to.include('Wrong e-mail or password.');
    const ok = await b.post('/login', { email: admin.email, password: admin.password, next: `/t/${A.tenant.id}/customers` });
    expect(ok.status).to.equal(303);
    expect(ok.location).to.equal(`/t/${A.tenant.id}/customers`);
    const evil = await new Browser(app).post('/login', { email: admin.email, password: admin.password, next: '//evil.example/x' });
    expect(evil.location).to.equal('/');
  });

  it('renders every page for an admin, escaping what came from Pax8', async () => {
    const b = new Browser(app);
    await b.post('/login', { email: admin.email, password: admin.password, next: '/' });
    const t = A.tenant.id;
    const pages = ['/', '/integrations', `/t/${t}/integration`, `/t/${t}/imports/${A.ids.runId}`, `/t/${t}/customers`, `/t/${t}/subscriptions?q=microsoft`,
      `/t/${t}/products`, `/t/${t}/recurring-invoices`, `/t/${t}/recurring-invoices/${A.ids.recurringInvoiceId}`, `/t/${t}/invoices`,
      `/t/${t}/invoices/${A.ids.invoiceId}`, `/t/${t}/usage`, `/t/${t}/usage/${A.ids.summaryId}`, '/account/tokens'];
    for (const p of pages) {
      const r = await b.get(p);
      expect(r.status, `${p}: ${r.html.slice(0, 300)}`).to.equal(200);
      expect(r.html, p).to.not.include('<script>alert(1)</script>');
      expect(r.html, p).to.not.include('<b>');
    }
    // The menu of a user of all tenants links to a tenant even on the dashboard.
    expect((await new Browser(app).get('/')).status).to.equal(303);
    expect((await b.get('/')).html).to.include(`href="/t/${t}/recurring-invoices"`);
    const customers = await b.get(`/t/${t}/customers`);
    expect(customers.html).to.include('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    const run = await b.get(`/t/${t}/imports/${A.ids.runId}`);
    expect(run.html).to.include('bad &lt;quantity&gt;');
    // Usage that maps to no customer, with its amount (issue 22, point 4), escaped.
    expect(run.html).to.include('Usage without a customer').and.include('GBP 12.35').and.include('rg &lt;b&gt;').and.include('Wasabi Hot Cloud Storage');
  });

  it('refuses a form post without the session\'s CSRF token, and accepts it with', async () => {
    const b = new Browser(app);
    await b.post('/login', { email: admin.email, password: admin.password, next: '/' });
    const t = A.tenant.id;
    const forged = await b.post(`/t/${t}/integration/connection`, { displayName: 'Forged' });
    expect(forged.status).to.equal(403);
    const pageHtml = (await b.get(`/t/${t}/integration`)).html;
    const ok = await b.post(`/t/${t}/integration/connection`, { _csrf: b.csrf(pageHtml), displayName: 'Renamed <i>' });
    expect(ok.status).to.equal(303);
    const after = await b.get(`/t/${t}/integration`);
    expect(after.html).to.include('Renamed &lt;i&gt;');
  });

  it('Sync now queues the syncs through the scheduler, shows them in the Jobs table, and refuses a second one', async () => {
    const b = new Browser(app);
    await b.post('/login', { email: admin.email, password: admin.password, next: '/' });
    const t = A.tenant.id;
    const pageHtml = (await b.get(`/t/${t}/integration`)).html;
    expect(pageHtml).to.include('id="sync-now"').and.include('id="preview-import"');
    const queued = await b.post(`/t/${t}/integration/sync`, { _csrf: b.csrf(pageHtml) });
    expect(queued.status).to.equal(303);
    expect(queued.location).to.match(new RegExp(`^/t/${t}/integration\\?notice=Sync%20queued%20\\(customers%2C%20products%2C%20subscriptions%2C%20usage\\).*#progress$`));
    const shown = await b.get(queued.location!.replace(/#.*/, ''));
    expect(shown.html).to.include('Sync queued (customers, products, subscriptions, usage)');
    const jobs = /<table id="jobs">([\s\S]*?)<\/table>/.exec(shown.html)![1]!;
    for (const entity of ['customers', 'products', 'subscriptions', 'usage']) expect(jobs).to.match(new RegExp(`<span title="sync:${entity}">Sync of ${entity}</span> <span class="muted">\\(from the web or API, ${admin.email}\\)`));
    expect(jobs).to.include('queued');
    // The progress panel at the top shows them waiting, read from the job rows (so a reload shows them too).
    const panel = /<section id="progress"[\s\S]*?<\/section>/.exec(shown.html)![0];
    expect(panel).to.include('data-active="true"').and.include('Sync of subscriptions').and.include('waiting for the scheduler to start it');
    // Nothing runs in this process: a second click is refused while they wait.
    const again = await b.post(`/t/${t}/integration/sync`, { _csrf: b.csrf(shown.html) });
    expect(again.status).to.equal(303);
    expect(again.location).to.match(new RegExp(`^/t/${t}/integration\\?error=Not%20queued`));
    expect((await b.get(again.location!.replace(/#.*/, ''))).html).to.include('is already running or queued; please try again when it has finished');
    // A preview runs at once; this tenant has no Pax8 credentials, which the page says.
    const preview = await b.post(`/t/${t}/integration/preview`, { _csrf: b.csrf(shown.html) }, { referer: `${app.url}/t/${t}/integration` });
    expect(preview.status).to.equal(303);
    expect(preview.location!).to.match(/[?&]form=/);
    expect((await b.get(preview.location!.replace(/#.*/, ''))).html).to.match(/class="flash err error-summary"[^>]*><p>[^<]*credentials/);
  });

  it('lets a reviewer approve a draft from the usage review of its customer', async () => {
    const reviewer = await addUser(app, 'reviewer', { tenant: A.tenant });
    const b = new Browser(app);
    await b.post('/login', { email: reviewer.email, password: reviewer.password, next: '/' });
    const t = A.tenant.id;
    const usagePath = `/t/${t}/usage/${A.ids.summaryId}`;
    const pageHtml = (await b.get(usagePath)).html;
    expect(pageHtml).to.include(`/t/${t}/invoices/${A.ids.invoiceId}/approve`);
    expect(pageHtml).to.include('usage line needs review');
    const r = await b.post(`/t/${t}/invoices/${A.ids.invoiceId}/approve`, { _csrf: b.csrf(pageHtml), back: usagePath });
    expect(r.status).to.equal(303);
    expect(r.location).to.match(new RegExp(`^${usagePath}\\?notice=Approved`));
    const inv = await b.get(`/t/${t}/invoices/${A.ids.invoiceId}`);
    expect(inv.html).to.match(/INV-\d{6}/);
  });

  it('shows a client only its own customer, and 404 for other tenants', async () => {
    const b = new Browser(app);
    await b.post('/login', { email: client.email, password: client.password, next: '/' });
    const t = A.tenant.id;
    const home = await b.get('/');
    expect(home.location).to.equal(`/t/${t}/subscriptions`);
    expect((await b.get(`/t/${t}/subscriptions`)).status).to.equal(200);
    expect((await b.get(`/t/${t}/invoices/${A.otherCustomer.invoiceId}`)).status).to.equal(404);
    expect((await b.get(`/t/${t}/customers`)).status).to.equal(403);
    const other = await seedTenant(app.ds, 'web-b');
    expect((await b.get(`/t/${other.tenant.id}/subscriptions`)).status).to.equal(404);
  });
});

describe('http: web pages date by the tenant\'s calendar', function () {
  this.timeout(60_000);
  // 13:00 UTC on 30 June is already 1 July in Auckland (UTC+12).
  const clock = clockFrom('2027-06-30T13:00:00Z');
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  before(async () => {
    app = await startApp({}, { clock });
    A = await seedTenant(app.ds, 'web-nz');
    await app.ds.manager.update(Tenant, { id: A.tenant.id }, { timeZone: 'Pacific/Auckland' });
    admin = await addUser(app, 'admin');
  });
  after(async () => { await app?.close(); });

  it('offers the tenant\'s today as a new recurring invoice\'s first date, not the server\'s UTC date', async () => {
    const b = new Browser(app);
    await b.post('/login', { email: admin.email, password: admin.password, next: '/' });
    const r = await b.get(`/t/${A.tenant.id}/recurring-invoices`);
    expect(r.status).to.equal(200);
    expect(r.html).to.match(/name="startDate"[^>]*value="2027-07-01"/);
  });
});
