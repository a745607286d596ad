import { expect } from 'chai';
import { seedTenant, type SeededTenant } from './fixtures.js';
import { addUser, startApp, type TestApp, type TestUser } from './support.js';
import { insertCustomer, scopeOf } from '../invoices/fixtures.js';

/** A tiny browser: keeps the session cookie, sends the page it is on as the referer, follows nothing by itself. */
class Browser {
  private readonly jar = new Map<string, string>();
  constructor(private readonly app: TestApp) {}
  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      if (/expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(pair!.slice(0, i));
      else this.jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  }
  private get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(path: string) {
    const res = await fetch(this.app.url + path, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
  /** Posts a form of the page `from` (its referer), with that page's CSRF token. */
  async post(from: { path: string; html: string }, action: string, form: Record<string, string | string[]>) {
    const body = new URLSearchParams();
    body.set('_csrf', /name="_csrf" value="([^"]+)"/.exec(from.html)![1]!);
    for (const [k, v] of Object.entries(form)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    const res = await fetch(this.app.url + action, {
      method: 'POST', redirect: 'manual', body: body.toString(),
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', referer: this.app.url + from.path },
    });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location') ?? '' };
  }
  async signIn(u: TestUser): Promise<void> {
    const res = await fetch(`${this.app.url}/login`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: u.email, password: u.password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.app.url },
    });
    this.keep(res);
  }
  async open(path: string) {
    const r = await this.get(path);
    expect(r.status, path).to.equal(200);
    return { path, html: r.html };
  }
}

/** The HTML of the first form posting to `action`. */
function formOf(html: string, action: string): string {
  const at = html.indexOf(`action="${action}"`);
  expect(at, `a form posting to ${action}`).to.be.greaterThan(-1);
  return html.slice(html.lastIndexOf('<form', at), html.indexOf('</form>', at));
}
const notice = (html: string) => /<p class="flash ok" role="status">([^<]*)<\/p>/.exec(html)?.[1]?.replace(/&quot;/g, '"').replace(/&#x27;/g, "'") ?? null;

describe('http: forms keep what was typed, say what is wrong next to the field, and confirm what changed', function () {
  this.timeout(60_000);
  let app: TestApp;
  let A: SeededTenant;
  let b: Browser;
  before(async () => {
    app = await startApp();
    A = await seedTenant(app.ds, 'forms-a', 'Forms Customer Ltd');
    b = new Browser(app);
    await b.signIn(await addUser(app, 'admin'));
  });
  after(async () => { await app?.close(); });

  const riPath = () => `/t/${A.tenant.id}/recurring-invoices/${A.ids.recurringInvoiceId}`;
  const linkAction = () => `${riPath()}/lines/${A.ids.lineId}/links`;

  it('a refused subscription link comes back with its values, the field\'s message in plain words and a summary, once', async () => {
    const page = await b.open(riPath());
    const r = await b.post(page, linkAction(), { subscriptionId: A.ids.subscriptionId, freeQuantity: '-1', minimumQuantity: '3' });
    expect(r.status).to.equal(303);
    const back = new URL(r.location, app.url);
    expect(back.pathname).to.equal(riPath());
    expect([...back.searchParams.keys()]).to.deep.equal(['form']);
    expect(r.location).not.to.include('freeQuantity');
    const again = await b.get(back.pathname + back.search);
    expect(again.status).to.equal(200);
    const form = formOf(again.html, linkAction());
    expect(form).to.match(new RegExp(`<option value="${A.ids.subscriptionId}" selected>`));
    expect(form).to.match(/name="minimumQuantity"[^>]*value="3"/);
    const input = /<input name="freeQuantity"[^>]*>/.exec(form)![0];
    expect(input).to.include('value="-1"').and.include('aria-invalid="true"');
    const describedBy = /aria-describedby="([^"]+)"/.exec(input)![1]!;
    expect(form).to.include(`id="${describedBy}">Free quantity must be a number of 0 or more with at most 6 decimal places</span>`);
    const summary = /<div class="flash err error-summary"[\s\S]*?<\/div>/.exec(again.html)![0];
    expect(summary).to.include('Free quantity must be a number of 0 or more').and.not.include('invalid request');
    // The API still answers its own words.
    const api = await fetch(`${app.url}/api/v1/tenants/${A.tenant.id}/recurring-invoices/${A.ids.recurringInvoiceId}/lines/${A.ids.lineId}/links`, {
      method: 'PUT', headers: { authorization: `Bearer ${(await addUser(app, 'finance', { tenant: A.tenant })).token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscriptionId: A.ids.subscriptionId, freeQuantity: '-1' }),
    });
    expect(((await api.json()) as { error: { message: string } }).error.message).to.include('body.freeQuantity: a non-negative decimal');
    // Shown once: a reload shows the page as it is.
    const reload = await b.get(back.pathname + back.search);
    expect(reload.html).not.to.include('field-error');
    expect(formOf(reload.html, linkAction())).to.match(/name="freeQuantity" value="0"/);
  });

  it('a saved link and a saved line say what changed', async () => {
    const page = await b.open(riPath());
    const r = await b.post(page, linkAction(), { subscriptionId: A.ids.subscriptionId, freeQuantity: '2', minimumQuantity: '0' });
    expect(r.status).to.equal(303);
    expect(notice((await b.get(r.location)).html)).to.equal('Link saved: Free quantity changed from 0 to 2.');
    const line = await b.post(page, `${riPath()}/lines/${A.ids.lineId}`, {
      description: 'Business Premium seats', priceMode: 'follow', costMode: 'own', prorata: 'increases_only',
    });
    expect(notice((await b.get(line.location)).html)).to.equal(
      'Line saved: Description changed from "Microsoft 365 Business Premium" to "Business Premium seats"; Pro-rata changed from "from change date" to "increases only".');
  });

  it('a refused new recurring invoice keeps the chosen customer and says the tax rate in plain words', async () => {
    const path = `/t/${A.tenant.id}/recurring-invoices`;
    const page = await b.open(path);
    const r = await b.post(page, path, { customerId: A.ids.customerId, name: 'Yearly', frequency: 'annual', startDate: '2026-12-01', currency: 'GBP', taxRate: '20' });
    expect(r.status).to.equal(303);
    const form = formOf((await b.get(r.location)).html, path);
    expect(form).to.match(new RegExp(`<option value="${A.ids.customerId}" selected>`));
    expect(form).to.match(/<option selected>annual<\/option>|<option value="annual" selected>/);
    expect(form).to.match(/name="name"[^>]*value="Yearly"/);
    expect(form).to.include('Tax rate must be a fraction from 0 to 1 (0.2 for 20 %)');
  });

  it('keeps the chosen customer even when the picker lists only the first hundred', async () => {
    const scope = scopeOf(app.ds, A.tenant.id);
    for (let i = 0; i < 105; i++) await insertCustomer(scope, `Aardvark ${String(i).padStart(3, '0')}`);
    const zed = await insertCustomer(scope, 'Zed Last Customer');
    const path = `/t/${A.tenant.id}/recurring-invoices`;
    const page = await b.open(path);
    expect(formOf(page.html, path)).not.to.include('Zed Last Customer');
    const r = await b.post(page, path, { customerId: zed.id, name: 'Zed yearly', frequency: 'annual', startDate: '2026-12-01', currency: 'GBP', taxRate: '20' });
    const form = formOf((await b.get(r.location)).html, path);
    expect(form).to.match(new RegExp(`<option value="${zed.id}" selected>Zed Last Customer</option>`));
  });

  it('customer settings: a wrong payment term is refused next to its field; a right one is confirmed with old and new values', async () => {
    const path = `/t/${A.tenant.id}/customers/${A.ids.customerId}`;
    const action = `${path}/settings`;
    const page = await b.open(path);
    const bad = await b.post(page, action, { paymentTermsDays: '400', noAutomaticInvoiceLines: 'on' });
    const form = formOf((await b.get(bad.location)).html, action);
    expect(form).to.match(/name="paymentTermsDays"[^>]*value="400"/);
    expect(form).to.match(/name="noAutomaticInvoiceLines" checked|type="checkbox" name="noAutomaticInvoiceLines"[^>]* checked/);
    expect(form).to.include('Payment terms in days must be 365 or less');
    const ok = await b.post(page, action, { paymentTermsDays: '30' });
    expect(notice((await b.get(ok.location)).html)).to.equal('Customer settings saved: Payment terms in days changed from none to 30.');
  });

  it('never puts a secret back into a refused form', async () => {
    const path = `/t/${A.tenant.id}/integration`;
    const action = `${path}/connection`;
    const page = await b.open(path);
    const r = await b.post(page, action, { displayName: 'Kept name', clientSecret: 'super-secret-value', apiUrl: 'not a url' });
    expect(r.status).to.equal(303);
    expect(r.location).not.to.include('secret');
    const html = (await b.get(r.location)).html;
    expect(html).not.to.include('super-secret-value');
    expect(formOf(html, action)).to.match(/name="displayName"[^>]*value="Kept name"/);
  });

  it('the password form says which field is wrong and never sends a password back', async () => {
    const page = await b.open('/account/password');
    const differ = await b.post(page, '/account/password', { currentPassword: 'wrong-old-pass', newPassword: 'plum-Orbit-93-kettle', repeatPassword: 'plum-Orbit-93-other' });
    expect(differ.status).to.equal(303);
    const shown = (await b.get(differ.location)).html;
    expect(formOf(shown, '/account/password')).to.include('The two new passwords differ.');
    expect(/<input type="password" name="repeatPassword"[^>]*>/.exec(shown)![0]).to.include('aria-invalid="true"');
    const wrong = await b.post(page, '/account/password', { currentPassword: 'wrong-old-pass', newPassword: 'plum-Orbit-93-kettle', repeatPassword: 'plum-Orbit-93-kettle' });
    const again = (await b.get(wrong.location)).html;
    expect(again).not.to.include('plum-Orbit').and.not.include('wrong-old-pass');
    expect(/<input type="password" name="currentPassword"[^>]*>/.exec(again)![0]).to.include('aria-invalid="true"');
  });

  it('the connection and a tax code say what changed when saved', async () => {
    const path = `/t/${A.tenant.id}/integration`;
    const page = await b.open(path);
    const r = await b.post(page, `${path}/connection`, { displayName: 'Renamed MSP', timeZone: 'Europe/London' });
    const said = notice((await b.get(r.location)).html);
    expect(said).to.match(/^Connection saved: Display name changed from "[^"]+" to "Renamed MSP"; Time zone changed from "UTC" to "Europe\/London"\.$/);
    const tax = await b.open(`/t/${A.tenant.id}/tax`);
    // The edit forms show the values themselves (not a formatting helper of the same name).
    expect(tax.html).to.match(/<input name="rate" value="0" size="8"/);
    expect(formOf((await b.open(riPath())).html, `${riPath()}/lines/${A.ids.lineId}`)).to.match(/<input name="unitPrice" value="" size="8">/);
    const action = /action="(\/t\/[^"]+\/tax\/codes\/[0-9a-f-]{36})"/.exec(tax.html)![1]!;
    const t = await b.post(tax, action, { code: 'Exempt', rate: '0', kind: 'reverse_charge' });
    expect(notice((await b.get(t.location)).html)).to.equal('Tax code "Exempt" saved: Kind changed from "exempt" to "reverse charge".');
    const customer = await b.open(`/t/${A.tenant.id}/customers/${A.ids.customerId}`);
    const set = await b.post(customer, `/t/${A.tenant.id}/customers/${A.ids.customerId}/tax`, { taxCodeId: A.ids.taxCodeId! });
    expect(notice((await b.get(set.location)).html)).to.equal('Customer tax saved: Tax code (exemption or reverse charge) changed from none to "Exempt".');
  });

  it('a saved mapping says which customer the company is now billed to', async () => {
    const path = `/t/${A.tenant.id}/customers`;
    const page = await b.open(path);
    const r = await b.post(page, `/t/${A.tenant.id}/mappings`, { pax8CompanyId: A.ids.pax8CompanyId!, customerId: A.ids.customerId!, resourceGroup: 'rg-app' });
    expect(notice((await b.get(r.location)).html)).to.equal(`Mapping saved: Pax8 company ${A.ids.pax8CompanyId} (resource group rg-app) is now billed to "Forms Customer Ltd".`);
  });
});
