import { existsSync } from 'node:fs';
import express from 'express';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/invoices/pdf.js';
import { createHttpApp } from '../../src/http/app.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import { jobsRouter } from '../../src/http/jobs-dashboard.js';
import { seedTenant, type SeededTenant } from '../integration/http/fixtures.js';
import { addUser, startApp, type TestApp, type TestUser } from '../integration/http/support.js';

/**
 * Issue 21, finding 8, in a real browser: under the app's CSP the pages, the API docs page (its script moved to
 * public/docs.js) and Agendash at /admin/jobs (its own CSP) still work, and Chromium reports no CSP violation.
 */
describe('browser: pages work under the Content-Security-Policy', function () {
  this.timeout(180_000);
  let app: TestApp;
  let server: RunningServer;
  let A: SeededTenant;
  let admin: TestUser;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) {
      console.log(`    (skipped: no Chromium at ${CHROMIUM_PATH})`);
      this.skip();
    }
    app = await startApp({}, { scheduler: true });
    // As `recurra start` serves it: Agendash in front of the app.
    server = await listen(express().use(jobsRouter(app.rt, app.scheduler!), createHttpApp(app.rt, { scheduler: app.scheduler })), '127.0.0.1', 0);
    A = await seedTenant(app.ds, 'csp-a');
    admin = await addUser(app, 'admin');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage();
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`); });
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
  });

  it('signs in and shows the pages with their script and styles, without a CSP violation', async () => {
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    for (const path of ['/', `/t/${A.tenant.id}/integration`, `/t/${A.tenant.id}/customers`, `/t/${A.tenant.id}/invoices/${A.ids.invoiceId}`, `/t/${A.tenant.id}/licences`, '/account/tokens']) {
      await page.goto(server.url + path);
      // app.css applied: the header bar's background comes from it (transparent without it)
      const background = await page.evaluate<string>("getComputedStyle(document.querySelector('header.top')).backgroundColor");
      expect(background, path).to.not.equal('rgba(0, 0, 0, 0)');
    }
    expect(violations).to.deep.equal([]);
  });

  it('the API docs page lists the operations (its script is a same-origin file)', async () => {
    await page.goto(`${server.url}/api/docs`);
    await page.waitForSelector('#ops details');
    expect(await page.locator('#ops details').count()).to.be.greaterThan(50);
    expect(violations).to.deep.equal([]);
  });

  it('Agendash at /admin/jobs renders and loads its jobs under its own CSP', async () => {
    const api = page.waitForResponse((r) => r.url().includes('/admin/jobs/api'));
    await page.goto(`${server.url}/admin/jobs/`);
    expect((await api).status()).to.equal(200);
    await page.waitForFunction("document.querySelector('#app').children.length > 0");
    expect(violations).to.deep.equal([]);
  });
});
