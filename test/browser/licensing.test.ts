import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { LicensingChangeRequest, Subscription, type Tenant } from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { LicensingService } from '../../src/licensing/service.js';
import { startSandbox, type RunningSandbox, type SandboxSubscription } from '../../src/pax8/sandbox/index.js';
import { TenantService } from '../../src/tenants/service.js';
import { addUser, startApp, type TestApp, type TestUser } from '../integration/http/support.js';
import { addCustomer, addProduct, addSubscription, sandboxSubs, type LicensingEnv } from '../integration/licensing/env.js';

const CHROMIUM = '/usr/bin/chromium';

describe('browser: a client requests a licence change and an admin approves it', function () {
  this.timeout(120_000);
  let app: TestApp;
  let sb: RunningSandbox;
  let browser: Browser;
  let tenant: Tenant;
  let admin: TestUser;
  let client: TestUser;
  let s: SandboxSubscription;
  let localId: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    (skipped: ${CHROMIUM} is not installed)`);
      this.skip();
    }
    app = await startApp();
    sb = await startSandbox({ port: 0, seed: 9, companies: 10, rateLimitPerMinute: null, quantityChanges: 'instant' /* approvals and operations, not Pax8's provisioning delay: see test/integration/imports/pending-quantity.test.ts */ });
    tenant = await new TenantService(app.ds, app.rt.secrets).create({
      name: 'msp', displayName: 'Northwind MSP', clientId: sb.clientId, clientSecret: sb.clientSecret, apiUrl: sb.baseUrl, tokenUrl: sb.tokenUrl, audience: sb.audience,
    });
    const env = { ds: app.ds, sb, tenant } as unknown as LicensingEnv;
    s = sandboxSubs(sb).free[0]!;
    sb.data.setQuantity(s.id, 10, false);
    const customer = await addCustomer(env, 'Contoso Ltd', s.companyId);
    localId = (await addSubscription(env, s, customer.id, { quantity: new Decimal(10) })).id;
    await addProduct(env, { name: 'Cloud Backup 1 TB', vendorName: 'Acronis', category: 'Backup', retailPrice: '12.5' });
    admin = await addUser(app, 'admin', { tenant });
    client = await addUser(app, 'client', { tenant, customerId: customer.id });
    // Self-service on, every change needs approval.
    await new LicensingService(app.ds, () => { throw new Error('unused'); })
      .updateSelfService(tenant, { id: admin.id }, { allowSelfService: true, defaultMinQuantity: new Decimal(2), defaultMaxQuantity: new Decimal(40) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
    await app?.close();
  });

  async function signedIn(user: TestUser): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
    const ctx = await browser.newContext({ baseURL: app.url });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The browser's own favicon probe is the only 404 allowed.
    page.on('console', (m) => { if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`${m.text()} ${m.location().url}`); });
    await page.goto(`/t/${tenant.id}/licensing`);
    // Not signed in: the sign-in page, then back to licensing.
    expect(new URL(page.url()).pathname).to.equal('/login');
    await page.locator('input[name="email"]').fill(user.email);
    await page.locator('input[name="password"]').fill(user.password);
    await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
    await page.waitForURL((u) => u.pathname.startsWith(`/t/${tenant.id}/licensing/`));
    return { ctx, page, errors };
  }

  it('client: out-of-limit quantity is refused with a clear message, then a valid request waits; admin: approves; client: sees the result', async () => {
    const c = await signedIn(client);
    expect(new URL(c.page.url()).pathname).to.equal(`/t/${tenant.id}/licensing/my`);
    const row = () => c.page.locator(`tr[data-subscription="${localId}"]`);
    expect(await row().locator('td').nth(2).textContent()).to.equal('10');

    await row().locator('input[name="quantity"]').fill('41');
    await row().getByRole('button', { name: 'Request change' }).click();
    // Refused: the row's form comes back with what was typed and the reason next to the field (and in the summary on top).
    await c.page.locator('.error-summary').waitFor();
    const refusal = 'The quantity must be at most 40 for this subscription (requested 41).';
    expect(await c.page.locator('.error-summary').textContent()).to.include(refusal);
    expect(await row().locator('.field-error').textContent()).to.equal(refusal);
    expect(await row().locator('input[name="quantity"]').inputValue()).to.equal('41');
    expect(await new TenantScope(app.ds.manager, tenant.id).repo(LicensingChangeRequest).count()).to.equal(0);

    await row().locator('input[name="quantity"]').fill('14');
    await row().getByRole('button', { name: 'Request change' }).click();
    await c.page.locator('.flash.ok').waitFor();
    expect(await c.page.locator('.flash.ok').textContent()).to.match(/Requested 14 licences of .*: waiting for approval\./);
    expect(await row().textContent()).to.include('14 requested — waiting for approval');
    expect(await c.page.locator('#notices [data-kind="request_pending"]').count()).to.equal(1);
    expect(sb.data.subscriptionById.get(s.id)!.quantity).to.equal(10);

    const a = await signedIn(admin);
    await a.page.getByRole('link', { name: 'Approvals queue' }).click();
    const pending = a.page.locator('#pending tbody tr[data-request]');
    expect(await pending.count()).to.equal(1);
    const cells = await pending.first().locator('td').allTextContents();
    expect(cells[1]).to.equal('Contoso Ltd');
    expect(cells[3]).to.equal('10');
    expect(cells[4]).to.equal('14');
    await pending.first().getByRole('button', { name: 'Approve' }).click();
    await a.page.locator('.flash.ok').waitFor();
    expect(await a.page.locator('.flash.ok').textContent()).to.match(/Applied: .* for Contoso Ltd is now 14\./);
    expect(await a.page.locator('#pending tbody tr[data-request]').count()).to.equal(0);
    expect(await a.page.locator('#decided tbody tr').first().textContent()).to.include('applied (manual)');

    expect(sb.data.subscriptionById.get(s.id)!.quantity).to.equal(14);
    const local = await new TenantScope(app.ds.manager, tenant.id).repo(Subscription).findOneBy({ id: localId });
    expect(local!.quantity.toFixed()).to.equal('14');

    await c.page.goto(`/t/${tenant.id}/licensing/my`);
    expect(await row().locator('td').nth(2).textContent()).to.equal('14');
    const applied = c.page.locator('#notices [data-kind="request_applied"]');
    expect(await applied.locator('.message').textContent()).to.include('now has 14 licences (was 10)');
    await applied.getByRole('button', { name: 'Mark read' }).click();
    await c.page.locator('#notices [data-kind="request_applied"]:not(.unread)').waitFor();

    expect(c.errors).to.deep.equal([]);
    expect(a.errors).to.deep.equal([]);
    await c.ctx.close();
    await a.ctx.close();
  });

  it('admin: settings tabs save through the pages (threshold, vendor badge, catalog hide)', async () => {
    const a = await signedIn(admin);
    expect(new URL(a.page.url()).pathname).to.equal(`/t/${tenant.id}/licensing/settings`);
    await a.page.locator('input[name="requireApprovalByDefault"]').uncheck();
    await a.page.locator('input[name="autoApproveThresholdPercent"]').fill('50');
    const vendor = (await new TenantScope(app.ds.manager, tenant.id).repo(Subscription).findOneBy({ id: localId }))!.vendorName!;
    await a.page.locator(`input[name="alwaysApproveVendors"][value="${vendor}"]`).check();
    await a.page.getByRole('button', { name: 'Save approval settings' }).click();
    await a.page.locator('.flash.ok').waitFor();
    expect(await a.page.locator('input[name="autoApproveThresholdPercent"]').inputValue()).to.equal('50');
    expect(await a.page.locator(`input[name="alwaysApproveVendors"][value="${vendor}"]`).isChecked()).to.equal(true);
    const cfg = await new LicensingService(app.ds, () => { throw new Error('unused'); }).config(tenant);
    expect([cfg.approval.requireApprovalByDefault, cfg.approval.autoApproveThresholdPercent.toFixed(), cfg.approval.alwaysApproveVendors])
      .to.deep.equal([false, '50', [vendor]]);

    await a.page.locator('#tab-self-service').click();
    const ruleRow = a.page.locator(`tr[data-subscription="${localId}"]`);
    expect(await ruleRow.textContent()).to.include('current 14');
    await ruleRow.locator('input[name="maxQuantity"]').fill('30');
    await ruleRow.getByRole('button', { name: 'Save' }).click();
    await a.page.locator('.flash.ok').waitFor();
    expect(await a.page.locator(`tr[data-subscription="${localId}"]`).textContent()).to.include('changes allowed, 2–30');

    await a.page.locator('#tab-catalog').click();
    const product = a.page.locator('#catalog-table tr[data-product]', { hasText: 'Cloud Backup 1 TB' });
    await product.getByRole('button', { name: 'Visible — hide' }).click();
    await a.page.locator('.flash.ok').waitFor();
    expect(await a.page.locator('#catalog-table tr[data-product]', { hasText: 'Cloud Backup 1 TB' }).getByRole('button', { name: 'Hidden — show' }).count()).to.equal(1);
    // Hiding never touches subscriptions.
    expect((await new TenantScope(app.ds.manager, tenant.id).repo(Subscription).findOneBy({ id: localId }))!.active).to.equal(true);
    expect(a.errors).to.deep.equal([]);
    await a.ctx.close();
  });
});
