import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { clockFrom } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { Customer, ImportRun, Subscription, Tenant, UsageSummary } from '../../src/db/entities/index.js';
import { ROLE_TODO } from '../../src/dashboard/todo.js';
import { startDemo, type Demo } from '../../src/http/demo.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/invoices/pdf.js';
import { REPO_ROOT } from '../support/cli.js';
import { addUser, call, startApp, type TestApp, type TestUser } from '../integration/http/support.js';

/** Screenshots for review (git ignores test-output/); the last test checks they were written. */
const SHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');
/** The app's and the demo sandbox's clock: a Monday, 7 December 2026, 10:00 UTC (21:00 in the tenant's Sydney). */
const SHOT_NAMES = ['dashboard', 'invoice', 'usage-review-queue', 'chart'];
const NOW = '2026-12-07T10:00:00Z';
const ZONE = 'Australia/Sydney';

type Role = 'admin' | 'finance' | 'reviewer' | 'client';

/** The menu each role gets ("Jobs" is served by `recurra start` in front of the app, not here, so it is not opened). */
const MENU: Record<Role, string[]> = {
  admin: ['Dashboard', 'Integrations', 'Customers', 'Subscriptions', 'Products', 'Recurring invoices', 'Invoices', 'Usage', 'Usage review', 'Licensing',
    'Margin', 'Tax', 'Accounting', 'Licence management', 'Event log', 'Notices', 'Jobs', 'API'],
  finance: ['Dashboard', 'Customers', 'Subscriptions', 'Products', 'Recurring invoices', 'Invoices', 'Usage', 'Usage review', 'Margin', 'Tax', 'Accounting', 'Event log', 'API'],
  // Reviewers read the tax codes (the lines they review carry them) but may not change them.
  reviewer: ['Dashboard', 'Customers', 'Subscriptions', 'Products', 'Recurring invoices', 'Invoices', 'Usage', 'Usage review', 'Tax', 'API'],
  client: ['Subscriptions', 'Recurring invoices', 'Invoices', 'Usage', 'Licensing', 'API'],
};

/** Pages a role may not use: absent from its menu, and refused with an HTML page when asked for directly. */
const REFUSED: Record<Role, string[]> = {
  admin: [],
  finance: ['/licences', '/licences/notices'],
  reviewer: ['/reconcile', '/accounting', '/licences', '/licences/events', '/licences/notices'],
  client: ['/customers', '/products', '/reconcile', '/tax', '/accounting', '/usage-review', '/licences', '/licences/events'],
};

/** Option names as the API spells them (snake_case words): never on a page. */
const RAW_OPTIONS = /\b[a-z][a-z0-9]*(_[a-z0-9]+)+\b/;
/** A timestamp as the API sends it. */
const ISO_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** A calendar date or month as the API sends it (pages say "7 Dec 2026", "November 2026"). */
const ISO_DATE = /\b\d{4}-\d{2}(-\d{2})?\b/;
/** An amount written before its currency code ("1371.6 USD"), or a code before an ungrouped amount ("USD 1371.60"). */
const RAW_MONEY = /\b\d+(\.\d+)? (USD|EUR|GBP|AUD|NZD|CAD)\b|\b(USD|EUR|GBP|AUD|NZD|CAD) -?\d{4,}/;

/**
 * Each role's day in headless Chromium over the demo data (the Pax8 sandbox imported as `npm start` does, then a
 * recurring invoice and its draft): the dashboard's to-do panels, every page of its menu (formatted for people: money,
 * percentages, dates in words, no ISO timestamps or option names; every control labelled), the pages and buttons it may
 * not use absent and refused by the server with an HTML page that leads back, and an unknown address's 404 page.
 */
describe('browser: each role\'s day over the demo data', function () {
  this.timeout(300_000);
  let app: TestApp;
  let demo: Demo | null = null;
  let browser: Browser;
  let tenantId: string;
  let invoiceId: string;
  let recurringId: string;
  let customerId: string;
  const users = {} as Record<Role, TestUser>;

  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) {
      console.log(`    (skipped: no Chromium at ${CHROMIUM_PATH})`);
      this.skip();
    }
    mkdirSync(SHOTS, { recursive: true });
    for (const name of SHOT_NAMES) rmSync(path.join(SHOTS, `${name}.png`), { force: true });
    const clock = clockFrom(NOW);
    app = await startApp({ demo: { ...loadConfig({ RECURRA_ENV: 'test' }).demo, sandbox: true, sandboxPort: 0, sandboxCompanies: 12 } }, { clock });
    demo = await startDemo(app.rt, () => {}, clock);
    expect(demo, 'the demo started').to.not.equal(null);
    await demo!.imported;
    tenantId = demo!.tenantId;
    await app.ds.manager.update(Tenant, { id: tenantId }, { timeZone: ZONE });
    users.admin = await addUser(app, 'admin');
    const tenant = (await app.ds.manager.findOneBy(Tenant, { id: tenantId }))!;
    const api = (method: string, p: string, body?: unknown) => call(app, method, `/api/v1/tenants/${tenantId}${p}`, { token: users.admin.token, body });
    expect((await api('POST', '/mappings/generate', {})).status).to.equal(200);
    // A customer with a priced monthly licence: its recurring invoice starts today, so its first period is 7 Dec – 6 Jan.
    const subs = await app.ds.manager.find(Subscription, { where: { tenantId, kind: 'license', status: 'Active', billingTerm: 'Monthly' }, order: { name: 'ASC' } });
    const sub = subs.find((s) => s.customerId && s.price?.gt(0) && s.quantity.gt(1) && !/azure/i.test(s.name))!;
    expect(sub, 'a priced monthly licence in the demo data').to.not.equal(undefined);
    customerId = sub.customerId!;
    const ri = await api('POST', '/recurring-invoices', {
      customerId, name: 'Monthly licences', frequency: 'monthly', startDate: '2026-12-07', currency: sub.currency ?? 'USD', taxRate: '0.2',
    });
    expect(ri.status, ri.text).to.equal(201);
    recurringId = ri.body.id;
    const line = (body: object) => api('POST', `/recurring-invoices/${recurringId}/lines`, body);
    expect((await line({ description: sub.name, subscriptionId: sub.id, freeQuantity: '1', reviewRequired: true })).status).to.equal(201);
    expect((await line({ description: 'Managed services', priceMode: 'own', unitPrice: '1250.00', prorata: 'none' })).status).to.equal(201);
    const run = await api('POST', '/invoices/run', {});
    expect(run.status, run.text).to.equal(200);
    invoiceId = run.body.created[0].id;
    users.finance = await addUser(app, 'finance', { tenant });
    users.reviewer = await addUser(app, 'reviewer', { tenant });
    users.client = await addUser(app, 'client', { tenant, customerId });
    expect((await app.ds.manager.findOneBy(Customer, { id: customerId }))?.name).to.be.a('string');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await app?.close();
  });

  async function signIn(role: Role): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${app.url}/login`);
    await page.fill('input[name=email]', users[role].email);
    await page.fill('input[name=password]', users[role].password);
    await page.click('form button[type=submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return page;
  }

  /** What is wrong on the page for people: raw values in its visible text, and controls without a label. */
  async function problemsOn(page: Page): Promise<string[]> {
    const where = new URL(page.url()).pathname;
    const text = await page.locator('main').innerText();
    const problems: string[] = [];
    for (const [what, re] of [['an ISO timestamp', ISO_INSTANT], ['an ISO date', ISO_DATE], ['an option name', RAW_OPTIONS], ['unformatted money', RAW_MONEY]] as const) {
      const m = re.exec(text);
      if (m) problems.push(`${where}: ${what} "${text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 20).replace(/\s+/g, ' ')}"`);
    }
    for (const c of await unlabelled(page)) problems.push(`${where}: ${c}`);
    return problems;
  }

  /** Inputs, selects and text areas without a label (label[for], a wrapping label, aria-label or aria-labelledby), buttons without text. */
  function unlabelled(page: Page): Promise<string[]> {
    return page.evaluate(`(() => {
      const out = [];
      const describe = (el) => el.outerHTML.slice(0, 120);
      for (const el of document.querySelectorAll('input, select, textarea')) {
        if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button' || el.type === 'reset' || el.type === 'image') continue;
        const named = (el.getAttribute('aria-label') || '').trim() !== ''
          || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some((id) => id && document.getElementById(id) && document.getElementById(id).textContent.trim() !== '')
          || [...(el.labels || [])].some((l) => l.textContent.trim() !== '');
        if (!named) out.push('no label: ' + describe(el));
      }
      for (const el of document.querySelectorAll('button, input[type=submit], input[type=button]')) {
        const text = el.tagName === 'INPUT' ? (el.value || '') : el.textContent;
        if (text.trim() === '' && (el.getAttribute('aria-label') || '').trim() === '') out.push('button without text: ' + describe(el));
      }
      return out;
    })()`);
  }

  async function menuOf(page: Page): Promise<Array<{ text: string; href: string }>> {
    return page.locator('header.top nav a').evaluateAll((as) => as.map((a) => ({ text: (a.textContent ?? '').trim(), href: a.getAttribute('href') ?? '' })));
  }

  /** Opens every page of the menu (and `more`), checking each answers 200 with a heading and nothing raw on it. */
  async function walk(page: Page, role: Role, more: string[]): Promise<string[]> {
    const menu = await menuOf(page);
    // Its pages are there; the pages of other roles are not (a page added later is walked like the rest).
    const names = menu.map((m) => m.text);
    expect(names, `${role}'s menu`).to.include.members(MENU[role]);
    expect(names.filter((n) => MENU.admin.includes(n) && !MENU[role].includes(n)), `${role}'s menu`).to.deep.equal([]);
    const problems: string[] = [];
    for (const href of [...menu.map((m) => m.href).filter((h) => !h.startsWith('/admin/jobs') && !h.startsWith('/api/')), ...more]) {
      const res = await page.goto(app.url + href);
      expect(res?.status(), `${role} ${href}`).to.equal(200);
      expect((await page.locator('main h1').first().textContent())?.trim(), `${role} ${href} heading`).to.not.equal('');
      problems.push(...await problemsOn(page));
    }
    return [...new Set(problems)];
  }

  /** The pages the role may not use: not in its menu, refused by the server with an HTML page that leads back. */
  async function refusals(page: Page, role: Role): Promise<void> {
    const hrefs = (await menuOf(page)).map((m) => m.href);
    for (const p of REFUSED[role]) {
      const href = `/t/${tenantId}${p}`;
      expect(hrefs, `${role}'s menu`).to.not.include(href);
      const res = await page.goto(app.url + href);
      expect(res?.status(), `${role} ${href}`).to.be.oneOf([403, 404]);
      expect(res?.headers()['content-type'], `${role} ${href}`).to.match(/^text\/html/);
      expect(await page.locator('main h1').textContent()).to.match(/Not allowed|Not found/);
      expect(await page.locator('main a[href="/"]').count(), `${role} ${href}: a way back`).to.be.greaterThan(0);
    }
  }

  async function todoKeys(page: Page): Promise<string[]> {
    return page.locator('[data-todo]').evaluateAll((els) => els.map((e) => e.getAttribute('data-todo') ?? ''));
  }

  it('admin: the dashboard lists every to-do panel; every page of the menu reads as money, dates and words', async () => {
    const page = await signIn('admin');
    expect(new URL(page.url()).pathname).to.equal('/');
    expect(await todoKeys(page)).to.deep.equal([...ROLE_TODO.admin]);
    expect(await page.locator('[data-todo="drafts"] .todo-count').textContent()).to.equal('1');
    // The next run is today in the tenant's zone: in words.
    expect(await page.locator('[data-todo="next_run"] .todo-count').textContent()).to.match(/^\d{1,2} [A-Z][a-z]{2} \d{4}$/);
    // The last sync, an instant, in words in the tenant's zone.
    const inZone = /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} Australia\/Sydney/;
    expect(await page.locator('main table tbody tr td:nth-child(2) a').first().innerText()).to.match(inZone);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    const run = (await app.ds.manager.find(ImportRun, { where: { tenantId }, take: 1 }))[0]!;
    const summary = (await app.ds.manager.find(UsageSummary, { where: { tenantId }, order: { customerId: 'DESC' }, take: 1 }))[0]!;
    const problems = await walk(page, 'admin', [
      `/t/${tenantId}/customers/${customerId}`, `/t/${tenantId}/recurring-invoices/${recurringId}`, `/t/${tenantId}/invoices/${invoiceId}`,
      `/t/${tenantId}/integration`, `/t/${tenantId}/usage-review/trends`, `/t/${tenantId}/licensing/settings`, '/account/tokens',
      `/t/${tenantId}/imports/${run.id}`, `/t/${tenantId}/usage/${summary.id}`, `/t/${tenantId}/usage-review/${summary.id}`,
    ]);
    expect(problems, problems.join('\n')).to.deep.equal([]);
    await page.goto(`${app.url}/t/${tenantId}/integration`);
    const started = (await page.locator(`main a[href^="/t/${tenantId}/imports/"]`).allInnerTexts()).filter((t) => /^\d/.test(t));
    expect(started.length, 'import history').to.be.greaterThan(0);
    for (const t of started) expect(t, 'import history').to.match(inZone);
    await page.close();
  });

  it('admin: the draft invoice shows its period in words, money with thousands separators and tax as a percentage', async () => {
    const page = await signIn('admin');
    await page.goto(`${app.url}/t/${tenantId}/invoices/${invoiceId}`);
    const summary = await page.locator('main p').first().innerText();
    expect(summary).to.include('period 7 Dec 2026 – 6 Jan 2027');
    expect(summary).to.match(/7 Dec 2026/);
    const lines = await page.locator('main table tbody').innerText();
    expect(lines).to.match(/[A-Z]{3} 1,250\.00/);
    expect(lines).to.include('20%');
    expect(await page.locator('#approve').count()).to.equal(1);
    await page.screenshot({ path: path.join(SHOTS, 'invoice.png'), fullPage: true });
    await page.close();
  });

  it('finance: its to-do panels, its pages, and no admin buttons or pages', async () => {
    const page = await signIn('finance');
    expect(await todoKeys(page)).to.deep.equal([...ROLE_TODO.finance]);
    const problems = await walk(page, 'finance', [`/t/${tenantId}/invoices/${invoiceId}`, `/t/${tenantId}/recurring-invoices/${recurringId}`]);
    expect(problems, problems.join('\n')).to.deep.equal([]);
    await page.goto(`${app.url}/t/${tenantId}/invoices`);
    expect(await page.locator('#run-invoices').count(), 'finance runs invoices').to.equal(1);
    const integration = await page.goto(`${app.url}/t/${tenantId}/integration`);
    if (integration?.status() === 200) {
      for (const id of ['#test-connection', '#sync-now', '#preview-import', '#settings']) expect(await page.locator(id).count(), `finance sees ${id}`).to.equal(0);
    }
    await refusals(page, 'finance');
    await page.close();
  });

  it('reviewer: usage first on its dashboard, the review queue and its chart, and no finance buttons or pages', async () => {
    const page = await signIn('reviewer');
    expect(await todoKeys(page)).to.deep.equal([...ROLE_TODO.reviewer]);
    const problems = await walk(page, 'reviewer', [`/t/${tenantId}/usage-review/trends`]);
    expect(problems, problems.join('\n')).to.deep.equal([]);
    await page.goto(`${app.url}/t/${tenantId}/usage-review`);
    expect(await page.locator('main h1').textContent()).to.match(/^Usage review: [A-Z][a-z]+ \d{4}$/);
    await page.screenshot({ path: path.join(SHOTS, 'usage-review-queue.png'), fullPage: true });
    const summary = page.locator('table a[href*="/usage-review/"]').first();
    if (await summary.count()) {
      await summary.click();
      await page.locator('#chart-daily[data-rendered="true"]').waitFor();
      // The axis says the days in words too (Chart.js draws them on the canvas: read from the chart itself).
      const labels = await page.evaluate(`Chart.getChart(document.querySelector('#chart-daily')).data.labels`) as string[];
      expect(labels.length).to.be.greaterThan(0);
      expect(labels.filter((l) => ISO_DATE.test(l)), 'daily chart labels').to.deep.equal([]);
      await page.locator('.charts').first().screenshot({ path: path.join(SHOTS, 'chart.png') });
      problems.push(...await problemsOn(page));
      expect(problems, problems.join('\n')).to.deep.equal([]);
    }
    await page.goto(`${app.url}/t/${tenantId}/usage-review/trends`);
    await page.locator('#chart-trends[data-rendered="true"]').waitFor();
    // The daily usage chart above is the one for review; without a summary to open, this one.
    if (!existsSync(path.join(SHOTS, 'chart.png'))) await page.locator('figure.chart').first().screenshot({ path: path.join(SHOTS, 'chart.png') });
    await page.goto(`${app.url}/t/${tenantId}/invoices`);
    expect(await page.locator('#run-invoices').count(), 'a reviewer runs no invoices').to.equal(0);
    await page.goto(`${app.url}/t/${tenantId}/recurring-invoices`);
    expect(await page.locator('#new-recurring').count(), 'a reviewer creates no recurring invoice').to.equal(0);
    await refusals(page, 'reviewer');
    await page.close();
  });

  it('client: lands on its subscriptions, sees its own invoice without approving it, and none of the staff pages', async () => {
    const page = await signIn('client');
    expect(new URL(page.url()).pathname).to.equal(`/t/${tenantId}/subscriptions`);
    expect(await page.locator('[data-todo]').count()).to.equal(0);
    const problems = await walk(page, 'client', [`/t/${tenantId}/invoices/${invoiceId}`]);
    expect(problems, problems.join('\n')).to.deep.equal([]);
    await page.goto(`${app.url}/t/${tenantId}/invoices/${invoiceId}`);
    expect(await page.locator('#approve').count(), 'a client approves nothing').to.equal(0);
    expect(await page.locator('[data-margin]').count(), 'a client sees no margin or cost').to.equal(0);
    await refusals(page, 'client');
    await page.close();
  });

  it('answers an unknown address with an HTML 404 page that leads back', async () => {
    const page = await signIn('finance');
    const res = await page.goto(`${app.url}/t/${tenantId}/no-such-page`);
    expect(res?.status()).to.equal(404);
    expect(await page.locator('main h1').textContent()).to.equal('Not found');
    await page.locator('main a[href="/"]').click();
    await page.waitForURL((u) => u.pathname === '/');
    expect(await page.locator('main h1').textContent()).to.equal('Dashboard');
    await page.close();
  });

  it('saved the screenshots for review: the dashboard, an invoice, the usage review queue and a chart, as PNGs', () => {
    for (const name of SHOT_NAMES) {
      const file = path.join(SHOTS, `${name}.png`);
      expect(existsSync(file), file).to.equal(true);
      expect(statSync(file).size, file).to.be.greaterThan(1000);
      expect(readFileSync(file).subarray(0, 8).toString('hex'), `${file} is a PNG`).to.equal('89504e470d0a1a0a');
    }
  });
});
