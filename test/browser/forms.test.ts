import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ImportRun } from '../../src/db/entities/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/invoices/pdf.js';
import { seedTenant, type SeededTenant } from '../integration/http/fixtures.js';
import { addUser, startApp, type TestApp, type TestUser } from '../integration/http/support.js';

/**
 * In headless Chromium: a refused form comes back with what was typed and the field's error next to it (and a
 * summary linking to it); the corrected form says what changed. The progress panel of a long action follows its
 * persisted record, by itself while the page is open and after a reload.
 */
describe('browser: forms with field errors, and the progress panel across a reload', function () {
  this.timeout(120_000);
  let app: TestApp;
  let A: SeededTenant;
  let admin: TestUser;
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) {
      console.log(`    (skipped: no Chromium at ${CHROMIUM_PATH})`);
      this.skip();
    }
    app = await startApp();
    A = await seedTenant(app.ds, 'browser-forms', 'Forms Browser Ltd');
    admin = await addUser(app, 'admin');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(`${app.url}/login`);
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${app.url}/`);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a refused link keeps what was typed and says next to the field what is wrong; the corrected one says what changed', async () => {
    const riPath = `/t/${A.tenant.id}/recurring-invoices/${A.ids.recurringInvoiceId}`;
    await page.goto(app.url + riPath);
    const form = page.locator(`form[action="${riPath}/lines/${A.ids.lineId}/links"]`);
    await form.locator('select[name=subscriptionId]').selectOption(A.ids.subscriptionId!);
    await form.locator('input[name=freeQuantity]').fill('-1');
    await form.locator('input[name=minimumQuantity]').fill('3');
    await form.locator('button[type=submit]').click();
    await page.waitForURL(/\?form=/);
    const again = page.locator(`form[action="${riPath}/lines/${A.ids.lineId}/links"]`);
    const free = again.locator('input[name=freeQuantity]');
    expect(await free.inputValue()).to.equal('-1');
    expect(await again.locator('input[name=minimumQuantity]').inputValue()).to.equal('3');
    expect(await again.locator('select[name=subscriptionId]').inputValue()).to.equal(A.ids.subscriptionId);
    expect(await free.getAttribute('aria-invalid')).to.equal('true');
    const errorId = (await free.getAttribute('aria-describedby'))!;
    const message = 'Free quantity must be a number of 0 or more with at most 6 decimal places';
    expect(await page.locator(`[id="${errorId}"]`).textContent()).to.equal(message);
    expect(await page.locator(`[id="${errorId}"]`).isVisible()).to.equal(true);
    // The summary at the top links to the field.
    const summary = page.locator('.error-summary');
    expect(await summary.getAttribute('role')).to.equal('alert');
    await summary.locator('a', { hasText: message }).click();
    expect(new URL(page.url()).hash).to.equal(`#${await free.getAttribute('id')}`);

    await free.fill('2');
    await again.locator('button[type=submit]').click();
    await page.waitForURL(/notice=/);
    expect(await page.locator('.flash.ok').textContent()).to.equal('Link saved: Free quantity changed from 0 to 2; Minimum quantity changed from 0 to 3.');
    expect(await page.locator('.field-error').count()).to.equal(0);
  });

  it('the progress panel shows a running import from its record, follows it by itself, and is still there after a reload', async () => {
    const now = new Date();
    const counts = (created: number) => JSON.stringify({ customers: { created, updated: 0, unchanged: 0, deactivated: 0, skipped: 0, errors: 0 } });
    const progress = (done: number) => JSON.stringify({ progress: { entity: 'customers', done, total: 2500, message: null, at: new Date().toISOString() } });
    const run = app.ds.manager.create(ImportRun, {
      id: randomUUID(), tenantId: A.tenant.id, entities: 'customers', trigger: 'http', startedBy: `web:${admin.email}`, startedAt: new Date(now.getTime() - 120_000),
      finishedAt: null, status: 'running', dryRun: true, jobId: null, createdAt: now, updatedAt: now, countsJson: counts(10), message: progress(1000),
    });
    await app.ds.manager.insert(ImportRun, run);
    await page.goto(`${app.url}/t/${A.tenant.id}/integration`);
    const panel = page.locator('#progress');
    expect(await panel.textContent()).to.include('Preview import (customers)').and.include('customers: 1,000 of 2,500 records read').and.include('customers: 10 created');
    expect(await panel.textContent()).to.match(/started 2 minutes ago/);

    await page.reload();
    expect(await page.locator('#progress').textContent()).to.include('customers: 1,000 of 2,500 records read');

    // The run moves on: the panel follows without a reload (public/progress.js asks the JSON route again).
    await app.ds.manager.update(ImportRun, { id: run.id }, { countsJson: counts(40), message: progress(2000) });
    await page.locator('#progress', { hasText: 'customers: 2,000 of 2,500 records read' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#progress').textContent()).to.include('customers: 40 created');

    // Its own page follows it too, and shows the result by itself when it ends.
    const runPage = await page.context().newPage();
    await runPage.goto(`${app.url}/t/${A.tenant.id}/imports/${run.id}`);
    expect(await runPage.locator('h1').textContent()).to.include('running');
    expect(await runPage.locator('#progress').textContent()).to.include('customers: 2,000 of 2,500 records read');

    // It ends: the panel says so and stops asking; a reload shows the same.
    await app.ds.manager.update(ImportRun, { id: run.id }, { status: 'succeeded', finishedAt: new Date(), message: '{}' });
    await page.locator('#progress', { hasText: 'Nothing running. Last:' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#progress').getAttribute('data-active')).to.equal('false');
    await runPage.locator('h1', { hasText: 'succeeded' }).waitFor({ timeout: 20_000 });
    expect(await runPage.locator('#progress').count()).to.equal(0);
    await runPage.close();
    await page.reload();
    expect(await page.locator('#progress').textContent()).to.include('Nothing running. Last:').and.not.include('records read');
    expect(cspErrors).to.deep.equal([]);
  });
});
