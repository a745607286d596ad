/**
 * npm run bench:pages — how fast the web pages answer (issue 24: every page in under 500 ms with the demo data, and a
 * customer picker that works with 20,000 customers). Starts the app over a fresh database with the demo data (the Pax8
 * sandbox imported as `npm start` does, its companies mapped, a recurring invoice and its first invoice) plus
 * BENCH_CUSTOMERS (20000) more customers, signs in as each role (admin, finance, reviewer, client) and requests every
 * page its menu links to, a few detail pages, and a customer picker search, BENCH_ROUNDS (20) times each, one request at
 * a time. Prints the median and p95 per page beside the 500 ms target; figures are never compared with it here.
 * Env: BENCH_CUSTOMERS (20000), BENCH_ROUNDS (20), BENCH_DB (both | sqlite | mariadb; default both, as every bench:
 * test/bench/databases.ts), BENCH_DATABASE_URL (mysql://root@127.0.0.1:3306/recurra_bench_pages; emptied first).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Runtime } from '../../src/app/runtime.js';
import { clockFrom } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { bulkInsert } from '../../src/db/bulk-insert.js';
import { Customer, Invoice, RecurringInvoice, Subscription, Tenant, UsageSummary, type Role } from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { createHttpApp } from '../../src/http/app.js';
import { startDemo } from '../../src/http/demo.js';
import { listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';
import { UserService } from '../../src/users/service.js';
import { testSecretBox } from '../support/database.js';
import { webSessionCookie } from '../integration/http/support.js';
import { environmentNote } from './database-note.js';
import { benchMariaDbUrl, forEachBenchDatabase, type BenchDatabase } from './databases.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 20000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 20));
const TARGET_MS = 500;
/** The business clock of the app and the demo sandbox (a fixed day, so every run sees the same data). */
const NOW = '2026-12-07T10:00:00Z';
const ROLES = ['admin', 'finance', 'reviewer', 'client'] as const;

interface Timing { role: string; page: string; median: number; p95: number }

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The demo data, its companies mapped, one recurring invoice with its first invoice, and CUSTOMERS more customers. */
async function seed(rt: Runtime, url: string, adminToken: string, tenantId: string): Promise<{ customerId: string; invoiceId: string; recurringId: string }> {
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1/tenants/${tenantId}${p}`, {
      method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, any>;
  };
  await api('POST', '/mappings/generate', {});
  const subs = await rt.ds.manager.find(Subscription, { where: { tenantId, kind: 'license', status: 'Active', billingTerm: 'Monthly' }, order: { name: 'ASC' } });
  const sub = subs.find((s) => s.customerId && s.price?.gt(0) && s.quantity.gt(1));
  if (!sub) throw new Error('no priced monthly licence in the demo data');
  const ri = await api('POST', '/recurring-invoices', {
    customerId: sub.customerId, name: 'Monthly licences', frequency: 'monthly', startDate: NOW.slice(0, 10), currency: sub.currency ?? 'USD', taxRate: '0.2',
  });
  await api('POST', `/recurring-invoices/${ri.id}/lines`, { description: sub.name, subscriptionId: sub.id, reviewRequired: true });
  const run = await api('POST', '/invoices/run', {});
  const at = new Date(NOW);
  const rows = Array.from({ length: CUSTOMERS }, (_, i) => ({
    id: randomUUID(), tenantId, name: `Bench Customer ${String(i).padStart(5, '0')}`, topLevel: null, active: true, siteStreet: null, siteStreet2: null,
    siteCity: null, siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, source: 'manual', monthlyRecurringInvoiceId: null,
    annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false, taxCodeId: null, paymentTermsDays: null, createdAt: at, updatedAt: at,
  }));
  const scope = new TenantScope(rt.ds.manager, tenantId);
  for (let i = 0; i < rows.length; i += 2000) await scope.transaction((tx) => bulkInsert(tx, Customer, rows.slice(i, i + 2000)));
  return { customerId: sub.customerId!, invoiceId: (run.created as Array<{ id: string }>)[0]!.id, recurringId: ri.id as string };
}

/** Times `ROUNDS` requests of `page` (one at a time, the whole answer read); fails on an answer other than 200 or on sign-in. */
async function time(url: string, cookie: string, page: string): Promise<{ median: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    // A page that forwards (Licensing to its approvals or "my licences") is timed to the page it lands on.
    const res = await fetch(url + page, { headers: { cookie, accept: 'text/html' } });
    await res.arrayBuffer();
    ms.push(performance.now() - t0);
    if (res.status !== 200 || new URL(res.url).pathname === '/login') throw new Error(`${page} answered ${res.status} at ${res.url}`);
  }
  ms.sort((a, b) => a - b);
  return { median: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
}

async function menuOf(url: string, cookie: string, landing: string): Promise<string[]> {
  const html = await (await fetch(url + landing, { headers: { cookie } })).text();
  const nav = /<nav>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'))
    // Agendash is mounted by `recurra start` in front of the app, not by createHttpApp; the API docs page is static.
    .filter((h) => !h.startsWith('/admin/jobs') && !h.startsWith('/api/'));
}

async function bench({ label, ds }: BenchDatabase): Promise<void> {
  const clock = clockFrom(NOW);
  const base = loadConfig({ RECURRA_ENV: 'test' });
  const rt: Runtime = {
    config: { ...base, demo: { ...base.demo, sandbox: true, sandboxPort: 0, sandboxCompanies: 40 } },
    logger: createLogger('silent'), ds, secrets: testSecretBox(), clock, close: async () => {},
  };
  const server = await listen(createHttpApp(rt), '127.0.0.1', 0);
  const demo = await startDemo(rt, () => {}, clock);
  try {
    if (!demo) throw new Error('the demo did not start');
    const t0 = performance.now();
    await demo.imported;
    // The demo's local Xero contacts and mappings (src/http/demo-books.ts) are made before the bench adds its customers:
    // left running, creating a contact per customer would spend Xero's 60 calls a minute while the pages are timed.
    await demo.books;
    const tenantId = demo.tenantId;
    const tenant = (await ds.manager.findOneBy(Tenant, { id: tenantId }))!;
    const users = new UserService(ds);
    const made = {} as Record<Role, { email: string; password: string; token: string }>;
    const ids = { customerId: '', invoiceId: '', recurringId: '' };
    for (const role of ROLES) {
      const email = `${role}@bench.test`;
      const password = `bench-Plum-${randomUUID()}`;
      const { user } = await users.create({
        email, role, password, tenantId: role === 'admin' ? null : tenant.id, customerId: role === 'client' ? (ids.customerId || null) : null,
      });
      made[role] = { email, password, token: (await users.createToken(user.id, 'bench')).token };
      if (role === 'admin') Object.assign(ids, await seed(rt, server.url, made.admin.token, tenantId));
    }
    const summary = await ds.manager.findOne(UsageSummary, { where: { tenantId, customerId: ids.customerId } })
      ?? await ds.manager.findOne(UsageSummary, { where: { tenantId } });
    const counts = `${await ds.manager.countBy(Customer, { tenantId })} customers, ${await ds.manager.countBy(Subscription, { tenantId })} subscriptions, `
      + `${await ds.manager.countBy(RecurringInvoice, { tenantId })} recurring invoices, ${await ds.manager.countBy(Invoice, { tenantId })} invoices`;
    process.stdout.write(`${label}: demo data + ${CUSTOMERS} customers (${counts}; ready in ${((performance.now() - t0) / 1000).toFixed(1)} s); `
      + `${ROUNDS} requests a page, one at a time; ${await environmentNote(ds)}\n`);
    const t = `/t/${tenantId}`;
    const more: Record<(typeof ROLES)[number], string[]> = {
      admin: [`${t}/customers/${ids.customerId}`, `${t}/invoices/${ids.invoiceId}`, `${t}/recurring-invoices/${ids.recurringId}`, `${t}/integration`,
        `${t}/usage-review/trends`, ...(summary ? [`${t}/usage/${summary.id}`, `${t}/usage-review/${summary.id}`] : [])],
      finance: [`${t}/invoices/${ids.invoiceId}`, `${t}/recurring-invoices/${ids.recurringId}`],
      reviewer: [`${t}/usage-review/trends`, ...(summary ? [`${t}/usage-review/${summary.id}`] : [])],
      client: [`${t}/invoices/${ids.invoiceId}`],
    };
    const timings: Timing[] = [];
    const show = (x: Timing) => process.stdout.write(
      `  ${x.role.padEnd(8)} ${x.page.replace(tenantId, ':tenant').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id').padEnd(58)} `
      + `median ${x.median.toFixed(0).padStart(4)} ms  p95 ${x.p95.toFixed(0).padStart(4)} ms  (target ${TARGET_MS} ms)\n`,
    );
    for (const role of ROLES) {
      const cookie = await webSessionCookie(server.url, made[role]);
      const landing = role === 'client' ? `${t}/subscriptions` : '/';
      const pages = [...new Set([landing, ...await menuOf(server.url, cookie, landing), ...more[role]])];
      for (const page of pages) {
        const x = { role, page, ...await time(server.url, cookie, page) };
        timings.push(x);
        show(x);
      }
    }
    // The picker: a search among all the customers (finance picking one for a new recurring invoice).
    const finance = await webSessionCookie(server.url, made.finance);
    const picker = `${t}/recurring-invoices?customerQ=${encodeURIComponent(`Customer ${String(CUSTOMERS - 1).padStart(5, '0').slice(0, 4)}`)}`;
    const p = await time(server.url, finance, picker);
    process.stdout.write(`  finance  customer picker search among ${await ds.manager.countBy(Customer, { tenantId })} customers  `
      + `median ${p.median.toFixed(0)} ms  p95 ${p.p95.toFixed(0)} ms  (target ${TARGET_MS} ms)\n`);
    const slowest = timings.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    const over = timings.filter((x) => x.p95 > TARGET_MS).length + (p.p95 > TARGET_MS ? 1 : 0);
    process.stdout.write(`  slowest: ${slowest.role} ${slowest.page.replace(tenantId, ':tenant').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')} `
      + `median ${slowest.median.toFixed(0)} ms, p95 ${slowest.p95.toFixed(0)} ms (target ${TARGET_MS} ms); ${over} of ${timings.length + 1} over the target at p95; `
      + `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs\n`);
  } finally {
    await server.close();
    await demo?.close();
  }
}

forEachBenchDatabase(bench, { mariaDbUrl: benchMariaDbUrl('recurra_bench_pages') }).catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
