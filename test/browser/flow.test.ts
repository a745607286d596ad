import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ImportRun, Subscription } from '../../src/db/entities/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/invoices/pdf.js';
import { startSandbox, type RunningSandbox } from '../../src/pax8/sandbox/index.js';
import { clockFrom } from '../../src/common/clock.js';

const NOW = '2026-11-20T10:00:00Z';
import { REPO_ROOT } from '../support/cli.js';
import { addUser, startApp, type TestApp, type TestUser } from '../integration/http/support.js';
import { waitFor } from '../integration/jobs/helpers.js';

const SHOTS = path.join(REPO_ROOT, 'test-output', 'browser');

/**
 * Drives the real app in headless Chromium (Debian's chromium, installed by .ci/run): sign in,
 * connect the Pax8 sandbox, import, generate mappings, build a recurring invoice, run and approve
 * an invoice, review usage. Screenshots go to test-output/browser/.
 */
describe('browser: the whole flow in headless Chromium', function () {
  this.timeout(240_000);
  let sandbox: RunningSandbox;
  let app: TestApp;
  let admin: TestUser;
  let browser: Browser;
  let page: Page;
  let shot = 0;

  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) {
      console.log(`    (skipped: no Chromium at ${CHROMIUM_PATH}; .ci/run installs Debian's chromium package)`);
      this.skip();
    }
    mkdirSync(SHOTS, { recursive: true });
    // One business clock for the sandbox and the app (its imports ask Pax8 for the days up to its today).
    sandbox = await startSandbox({ port: 0, companies: 12, rateLimitPerMinute: null, seed: 7, now: NOW });
    // The app runs the scheduler, as `recurra start` does: Sync now queues jobs that it runs.
    app = await startApp({}, { scheduler: true, clock: clockFrom(NOW) });
    admin = await addUser(app, 'admin');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await sandbox?.close();
  });

  async function snap(name: string): Promise<void> {
    shot++;
    await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  }
  const notice = () => page.locator('.flash.ok').textContent();
  let tenantPath = '';

  it('signs in', async () => {
    await page.goto(`${app.url}/`);
    expect(page.url()).to.include('/login');
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', admin.password);
    await snap('login');
    await page.click('button[type=submit]');
    await page.waitForURL(`${app.url}/`);
    expect(await page.textContent('h1')).to.equal('Dashboard');
  });

  it('connects the sandbox tenant and tests the connection', async () => {
    await page.click('text=Integrations');
    await page.fill('#add-tenant input[name=name]', 'sandbox');
    await page.fill('#add-tenant input[name=displayName]', 'Sandbox MSP');
    await page.fill('#add-tenant input[name=clientId]', sandbox.clientId);
    await page.fill('#add-tenant input[name=clientSecret]', sandbox.clientSecret);
    await page.fill('#add-tenant input[name=apiUrl]', sandbox.baseUrl);
    await page.fill('#add-tenant input[name=tokenUrl]', sandbox.tokenUrl);
    await page.fill('#add-tenant input[name=audience]', sandbox.audience);
    await snap('add-tenant');
    await page.click('#add-tenant button[type=submit]');
    await page.waitForURL(/\/t\/[0-9a-f-]+\/integration/);
    tenantPath = new URL(page.url()).pathname.replace(/\/integration$/, '');
    await page.click('#test-connection');
    await page.waitForURL(/notice=/);
    expect(await notice()).to.include('Connection OK');
    await snap('connection-ok');
    // Imports wait until the partner's own company is chosen (it must never become a customer).
    await page.fill('#partner-company-form input[name=otherPax8CompanyId]', sandbox.data.partnerCompanyId);
    await page.click('#partner-company-form button[type=submit]');
    await page.waitForURL(/notice=/);
    expect(await notice()).to.include('Partner company set');
  });

  it('queues a sync from Pax8, which the scheduler runs, and shows the run', async () => {
    const tenantId = tenantPath.split('/')[2]!;
    // The four syncs run one after the other (customers, products, subscriptions, usage), so one Sync now imports it all.
    await page.click('#sync-now');
    await page.waitForURL(/notice=Sync%20queued/);
    expect(await notice()).to.include('Sync queued (customers, products, subscriptions, usage)');
    await snap('sync-queued');
    const runs = await waitFor(async () => {
      const all = await app.ds.manager.find(ImportRun, { where: { tenantId }, order: { startedAt: 'ASC' } });
      return all.length === 4 && all.every((r) => r.status !== 'running') ? all : null;
    }, 'the queued imports', 120_000, 200);
    expect(runs.map((r) => [r.entities, r.status])).to.deep.equal(
      ['customers', 'products', 'subscriptions', 'usage'].map((e) => [e, 'succeeded']),
    );
    await waitFor(async () => {
      for (const e of ['customers', 'products', 'subscriptions', 'usage'] as const) if (await app.scheduler!.isSyncActive(tenantId, e)) return null;
      return true;
    }, 'the sync jobs to finish', 30_000, 200);
    await page.goto(`${app.url}${tenantPath}/integration`);
    await page.locator(`a[href^="${tenantPath}/imports/"]`).first().click();
    await page.waitForURL(/\/imports\//);
    expect(await page.textContent('h1')).to.match(/Import run\s+succeeded/);
    await snap('import-run');
  });

  it('generates mappings and lists customers', async () => {
    await page.goto(`${app.url}${tenantPath}/customers`);
    expect(await page.locator('#companies tbody tr').count()).to.be.greaterThan(0);
    await page.click('#generate-mappings');
    await page.waitForSelector('text=Generated mappings');
    await snap('mappings-generated');
  });

  it('builds a recurring invoice with a line linked to a subscription and previews it', async () => {
    const candidates = await app.ds.manager
      .createQueryBuilder(Subscription, 's')
      .where('s.kind = :k AND s.status = :st AND s.billingTerm = :bt AND s.customerId IS NOT NULL AND s.price IS NOT NULL', { k: 'license', st: 'Active', bt: 'Monthly' })
      .orderBy('s.name', 'ASC')
      .getMany();
    // A seat licence with a few seats and a price, so the invoice has an amount to show.
    const sub = candidates.find((s) => s.quantity.gt(1) && s.price!.gt(0) && !/azure/i.test(s.name))!;
    expect(sub, 'a priced monthly licence in the sandbox data').to.not.equal(undefined);
    await page.goto(`${app.url}${tenantPath}/recurring-invoices`);
    await page.selectOption('#new-recurring select[name=customerId]', sub.customerId!);
    await page.fill('#new-recurring input[name=name]', 'Monthly licences');
    await page.fill('#new-recurring input[name=currency]', sub.currency ?? 'USD');
    await page.fill('#new-recurring input[name=taxRate]', '0.2');
    await snap('new-recurring');
    await page.click('#new-recurring button[type=submit]');
    await page.waitForURL(/\/recurring-invoices\/[0-9a-f-]+/);
    await page.selectOption('#add-line select[name=subscriptionId]', sub.id);
    await page.fill('#add-line input[name=description]', sub.name);
    await page.fill('#add-line input[name=freeQuantity]', '1');
    await page.click('#add-line button[type=submit]');
    await page.waitForURL(/notice=/);
    expect(await page.locator('#ri-lines').textContent()).to.include(sub.name);
    expect(await page.locator('#preview tbody tr').count()).to.be.greaterThan(0);
    await snap('recurring-invoice');
  });

  it('runs invoices, approves the draft or sees it issued, and views the rendered invoice', async () => {
    await page.goto(`${app.url}${tenantPath}/invoices`);
    await page.click('#run-invoices');
    await page.waitForURL(/notice=/);
    // The run is queued and the page returns at once; its Progress panel follows it and reloads the list when it ends.
    expect(await notice()).to.match(/Invoice run for .* queued/);
    await page.waitForSelector('#progress .progress-last', { timeout: 60_000 });
    expect(await page.locator('#progress').textContent()).to.match(/1 invoice created/);
    await snap('invoice-run');
    await page.click('#invoices tbody tr:first-child a');
    await page.waitForURL(/\/invoices\/[0-9a-f-]+/);
    if (await page.locator('#approve').count()) {
      await page.click('#approve');
      await page.waitForURL(/notice=/);
      expect(await notice()).to.include('Approved');
    }
    expect(await page.textContent('h1')).to.match(/INV-\d{6}/);
    expect(await page.locator('tfoot').textContent()).to.not.match(/Total\s*0 /);
    await snap('invoice');
    const href = await page.getAttribute('#view-rendered', 'href');
    await page.goto(`${app.url}${href}`);
    expect(await page.content()).to.match(/INV-\d{6}/);
    await snap('rendered-invoice');
  });

  it('reviews usage by customer and month', async () => {
    await page.goto(`${app.url}${tenantPath}/usage`);
    const rows = page.locator('#usage tbody tr a');
    expect(await rows.count()).to.be.greaterThan(0);
    await rows.first().click();
    await page.waitForURL(/\/usage\/[0-9a-f-]+/);
    expect(await page.textContent('h1')).to.include('Usage');
    await page.waitForSelector('#usage-lines');
    await snap('usage-summary');
  });
});
