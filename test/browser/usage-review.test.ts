import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { Browser, Page } from 'playwright-core';
import { clockFrom } from '../../src/common/clock.js';
import { UsageLine, UsageMonthlyCharge, UsageReview, UsageSummary, type Tenant } from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/invoices/pdf.js';
import { runInvoices } from '../../src/invoices/run.js';
import { REPO_ROOT } from '../support/cli.js';
import { insertTenant } from '../support/database.js';
import { insertCustomer, insertLine, insertRecurringInvoice } from '../integration/invoices/fixtures.js';
import { addUser, startApp, type TestApp, type TestUser } from '../integration/http/support.js';

/** Screenshots for review (git ignores test-output/). */
const SHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');
const NOW = '2026-12-07T10:00:00Z';
const D = (v: string) => new Decimal(v);

/**
 * A reviewer's day in headless Chromium: the dashboard says what needs doing, the usage review queue shows November
 * beside October with its flags, one summary is approved with a note, and its month's charts are drawn by Chart.js
 * (served from our own origin) under the app's CSP without a single violation.
 */
describe('browser: a reviewer works through the usage review queue', function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let tenant: Tenant;
  let reviewer: TestUser;
  let web: string;
  const problems: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) {
      console.log(`    (skipped: no Chromium at ${CHROMIUM_PATH})`);
      this.skip();
    }
    mkdirSync(SHOTS, { recursive: true });
    const clock = clockFrom(NOW);
    app = await startApp({}, { clock });
    tenant = await insertTenant(app.ds, 'acme', 'UTC');
    const scope = new TenantScope(app.ds.manager, tenant.id);
    const now = new Date(NOW);
    const contoso = await insertCustomer(scope, 'Contoso');
    const summary = async (resourceGroup: string, months: Record<string, string>, daily: Record<string, Array<[string, string]>>) => {
      const id = randomUUID();
      await scope.repo(UsageSummary).insert([{
        id, pax8Id: id, pax8SubscriptionId: id, pax8CompanyId: 'co-1', pax8ProductId: null, resourceGroup, vendorName: 'Microsoft', customerId: contoso.id,
        mappedBy: 'resource_group', currentCharges: D('0'), partnerTotal: D('0'), currency: 'USD', isTrial: false, linesMismatch: false,
        contentHash: 'x', createdAt: now, updatedAt: now,
      }]);
      await scope.repo(UsageMonthlyCharge).insert(Object.entries(months).map(([month, charges]) => ({
        id: randomUUID(), usageSummaryId: id, month, charges: D(charges), partnerTotal: D(charges), createdAt: now, updatedAt: now,
      })));
      await scope.repo(UsageLine).insert(Object.entries(daily).flatMap(([product, days]) => days.map(([usageDate, charges]) => ({
        id: randomUUID(), usageSummaryId: id, usageDate, lineKey: `${product}|h`, pax8ProductId: null, productName: product, unitOfMeasure: 'h',
        quantity: D('1'), unitPrice: D(charges), charges: D(charges), partnerTotal: D(charges), currency: 'USD', createdAt: now, updatedAt: now,
      }))));
      return id;
    };
    const novemberDays = (per: string) => Array.from({ length: 30 }, (_, i) => [`2026-11-${String(i + 1).padStart(2, '0')}`, per] as [string, string]);
    web = await summary('rg-web', { '2026-10': '1000', '2026-11': '1950' }, {
      'Virtual Machines': [['2026-10-15', '1000'], ...novemberDays('60')], Storage: [['2026-11-10', '150']],
    });
    await summary('rg-data', { '2026-10': '300', '2026-11': '310' }, { 'SQL Database': [['2026-10-01', '300'], ['2026-11-01', '310']] });
    const ri = await insertRecurringInvoice(scope, { customerId: contoso.id, startDate: '2026-12-01' });
    await insertLine(scope, ri, 0, { description: 'Azure (web)', timing: 'usage', usageSummaryId: web });
    await runInvoices(app.ds, tenant.id, '2026-12-01', { clock });
    reviewer = await addUser(app, 'reviewer', { tenant });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`${page.url()}: ${m.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs in to a dashboard that says what needs doing', async () => {
    await page.goto(`${app.url}/login`);
    await page.getByLabel(/e-?mail/i).fill(reviewer.email);
    await page.getByLabel(/password/i).fill(reviewer.password);
    await page.locator('form button[type="submit"]').first().click();
    await page.waitForURL((u) => u.pathname === '/');
    const usage = page.locator('[data-todo="usage_review"]');
    expect(await usage.locator('.todo-count').textContent()).to.equal('2');
    expect(await page.locator('[data-todo="drafts"] .todo-count').textContent()).to.equal('1');
    expect(await page.locator('[data-todo="client_requests"]').count(), 'a reviewer has no licensing panel').to.equal(0);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-reviewer.png'), fullPage: true });
  });

  it('opens the queue: November beside October, flags, amounts as money', async () => {
    await page.getByRole('link', { name: 'Usage review', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/t/${tenant.id}/usage-review`);
    expect(await page.locator('h1').textContent()).to.equal('Usage review: November 2026');
    const row = page.locator(`tr[data-summary="${web}"]`);
    const cells = await row.locator('td').allTextContents();
    expect(cells[2]).to.equal('USD 1,000.00');
    expect(cells[3]).to.equal('USD 1,950.00');
    expect(cells[4]).to.equal('95%');
    expect(cells[5]).to.contain('spike: +95%').and.contain('new product: Storage');
    await page.screenshot({ path: path.join(SHOTS, 'usage-review-queue.png'), fullPage: true });
  });

  it('approves a line with a note', async () => {
    const row = page.locator(`tr[data-summary="${web}"]`);
    await row.getByLabel('Note on this decision').fill('Autoscaling test in November, agreed with Contoso');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.flash.ok').waitFor();
    expect(await page.locator('.flash.ok').textContent()).to.equal('Contoso (rg-web) November 2026 approved at USD 1,950.00.');
    // The queue shows what is still to review.
    expect(await page.locator(`tr[data-summary="${web}"]`).count()).to.equal(0);
    const stored = await new TenantScope(app.ds.manager, tenant.id).repo(UsageReview).findOneBy({ usageSummaryId: web });
    expect(stored).to.include({ decision: 'approved', note: 'Autoscaling test in November, agreed with Contoso', decidedBy: reviewer.id });
  });

  it('shows the summary\'s daily usage and the customer\'s months as charts, within the CSP', async () => {
    await page.goto(`${app.url}/t/${tenant.id}/usage-review/${web}?month=2026-11`);
    const daily = page.locator('#chart-daily[data-rendered="true"]');
    await daily.waitFor();
    await page.locator('#chart-customer[data-rendered="true"]').waitFor();
    // Chart.js drew on the canvas: some pixels are not transparent.
    // (The tests compile without the DOM's types: the canvas is typed by hand.)
    type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
    const painted = await daily.evaluate((el) => {
      const c = el as unknown as Canvas;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
    expect(painted).to.be.greaterThan(1000);
    expect(await page.locator('td', { hasText: 'approved' }).count()).to.be.greaterThan(0);
    await page.locator('.charts').screenshot({ path: path.join(SHOTS, 'usage-review-charts.png') });
    await page.screenshot({ path: path.join(SHOTS, 'usage-review-summary.png'), fullPage: true });

    await page.goto(`${app.url}/t/${tenant.id}/usage-review/trends?month=2026-11`);
    await page.locator('#chart-trends[data-rendered="true"]').waitFor();
    await page.locator('figure.chart').screenshot({ path: path.join(SHOTS, 'revenue-margin-chart.png') });
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
