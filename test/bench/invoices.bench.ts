/**
 * npm run bench:invoices — month-end billing, on SQLite (a temporary file) and MariaDB: N recurring invoices with L
 * lines each (one subscription per line), a share of the subscriptions changing during January. Prints the daily
 * pass catching up January to the 30th, the eve pass alone (31 January: composes and writes the upcoming 1 February
 * invoices), the invoice run of 1 February (issuing them), eve + run, and, timed in the same run, an independent floor
 * of writing the same lines (./write-floor.ts: LOAD DATA LOCAL INFILE on MariaDB, a prepared better-sqlite3 insert in
 * one transaction on SQLite) with the ratio eve + run / floor (target ≤ 3), the daily pass of a day without changes
 * (target < 1 s at the default size), and the load average. Figures: docs/benchmarks.md.
 * Env: BENCH_RECURRING_INVOICES (10000), BENCH_LINES (10), BENCH_CHANGE_SHARE (0.05),
 * BENCH_DB (both | sqlite | mariadb), BENCH_SINGLE (0), BENCH_BATCH (invoices per transaction, default DEFAULT_BATCH_SIZE), BENCH_DATABASE_URL (mysql://root@127.0.0.1:3306/recurra_bench),
 * BENCH_CPU_PROFILE (a file: CPU profile of the timed run).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Decimal } from 'decimal.js';
import type { DataSource, DeepPartial } from 'typeorm';
import {
  BillingDailyProgress, Customer, InvoiceLine, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription,
  SubscriptionChange,
} from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { limitHeapGrowth } from '../../src/app/heap.js';
import { profiled } from './cpu-profile.js';
import { environmentNote } from './database-note.js';
import { bulkInsert } from '../../src/db/bulk-insert.js';
import { runDailyPass } from '../../src/invoices/daily-pass.js';
import { timeOrderedId } from '../../src/db/row-ids.js';
import { DEFAULT_BATCH_SIZE, runInvoices } from '../../src/invoices/run.js';
import { insertTenant } from '../support/database.js';
import { benchMariaDbUrl, forEachBenchDatabase, type BenchDatabase } from './databases.js';
import { writeFloor } from './write-floor.js';

const N = Number(process.env.BENCH_RECURRING_INVOICES ?? 10000);
const L = Number(process.env.BENCH_LINES ?? 10);
const SHARE = Number(process.env.BENCH_CHANGE_SHARE ?? 0.05);
/** BENCH_SINGLE=1 also times the run with one transaction per invoice (slow: one commit each). */
const SINGLE = process.env.BENCH_SINGLE === '1';
/** Invoices per transaction in the timed run (default: the service's default). */
const BATCH = Number(process.env.BENCH_BATCH ?? DEFAULT_BATCH_SIZE);
const MARIADB_URL = benchMariaDbUrl('recurra_bench');
/** BENCH_CPU_PROFILE=FILE writes a CPU profile of the timed invoice run (open it in Chrome's DevTools). */
const PROFILE = process.env.BENCH_CPU_PROFILE;


/** Deterministic PRNG (mulberry32) so every run bills the same changes. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function insertAll<T extends { tenantId: string }>(scope: TenantScope, entity: new () => T, rows: DeepPartial<T>[]): Promise<void> {
  await scope.transaction((tx) => bulkInsert(tx, entity, rows));
}

async function seed(ds: DataSource, tenantId: string): Promise<{ changing: number }> {
  const scope = new TenantScope(ds.manager, tenantId);
  const now = new Date();
  const stamp = { createdAt: now, updatedAt: now };
  const random = rng(42);
  const customers: Partial<Customer>[] = [];
  const ris: Partial<RecurringInvoice>[] = [];
  const lines: Partial<RecurringInvoiceLine>[] = [];
  const links: Partial<RecurringInvoiceLink>[] = [];
  const subs: Partial<Subscription>[] = [];
  const changes: Partial<SubscriptionChange>[] = [];
  let changing = 0;
  for (let r = 0; r < N; r++) {
    const customerId = randomUUID();
    customers.push({
      id: customerId, name: `Customer ${r}`, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: null,
      siteStateOrProvince: null, sitePostalCode: null, siteCountry: null, source: 'manual', monthlyRecurringInvoiceId: null,
      annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false, ...stamp,
    });
    const riId = randomUUID();
    // January was invoiced already; February's invoice is the run under test.
    ris.push({
      id: riId, customerId, name: 'Monthly licences', frequency: 'monthly', anchorDay: 1, anchorMonth: 1, startDate: '2026-01-01',
      currency: 'USD', taxRate: new Decimal('0.1'), status: 'active', nextInvoiceDate: '2026-02-01', ...stamp,
    });
    for (let k = 0; k < L; k++) {
      const subId = randomUUID();
      const lineId = randomUUID();
      const quantity = 1 + Math.floor(random() * 50);
      subs.push({
        id: subId, kind: 'license', pax8Id: subId, pax8CompanyId: null, customerId, pax8ProductId: null, productId: null,
        name: `Product ${k}`, vendorName: null, quantity: new Decimal(quantity), status: 'Active', active: true, activeOverride: null,
        billingTerm: 'Monthly', commitmentTerm: null, commitmentEndDate: null, startDate: null, endDate: null,
        price: new Decimal('12.50'), cost: null, currency: 'USD', usageSummaryId: null, deletedInPax8: false, contentHash: 'x',
        pax8UpdatedAt: null, ...stamp,
      });
      const change = (date: string, q: number): Partial<SubscriptionChange> => ({
        id: randomUUID(), subscriptionId: subId, effectiveDate: date, observedAt: now, fields: 'quantity', quantity: new Decimal(q),
        status: 'Active', active: true, price: new Decimal('12.50'), cost: null, source: 'import', importRunId: null, initiatedBy: null, ...stamp,
      });
      changes.push(change('2025-12-15', quantity));
      if (random() < SHARE) {
        changing++;
        const day = 2 + Math.floor(random() * 29);
        changes.push(change(`2026-01-${String(day).padStart(2, '0')}`, Math.max(0, quantity + (random() < 0.5 ? -3 : 4))));
      }
      lines.push({
        id: lineId, recurringInvoiceId: riId, position: k, description: `Product ${k}`, productId: null, timing: 'advance',
        priceMode: k % 2 === 0 ? 'own' : 'follow', unitPrice: k % 2 === 0 ? new Decimal('15.00') : null, cost: null,
        prorata: k % 3 === 0 ? 'increases_only' : 'from_change_date', reviewRequired: false, usageSummaryId: null, costMode: 'follow',
        currentQuantity: new Decimal(quantity), quantityDate: '2025-12-15', ...stamp,
      });
      links.push({ id: randomUUID(), recurringInvoiceId: riId, lineId, subscriptionId: subId, position: 0, freeQuantity: new Decimal(0), minimumQuantity: new Decimal(0), ...stamp });
    }
  }
  await insertAll(scope, Customer, customers);
  await insertAll(scope, RecurringInvoice, ris);
  await insertAll(scope, RecurringInvoiceLine, lines);
  await insertAll(scope, RecurringInvoiceLink, links);
  await insertAll(scope, Subscription, subs);
  await insertAll(scope, SubscriptionChange, changes);
  await insertAll(scope, BillingDailyProgress, [{ id: randomUUID(), lastDate: '2025-12-31', ...stamp }]);
  return { changing };
}

/**
 * The same number of invoice lines as plain multi-row INSERTs (the application's own bulk path), one transaction: printed
 * beside the floor, not the floor itself. `newId` makes the row ids (the run writes time-ordered ones).
 */
async function rawInsert(ds: DataSource, tenantId: string, count: number, newId: () => string = randomUUID): Promise<number> {
  const now = new Date();
  const invoiceId = newId();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId(), tenantId, invoiceId, position: i, recurringInvoiceLineId: null, adjustmentId: null, kind: 'recurring',
    description: 'Product', fromDate: '2026-02-01', toDate: '2026-03-01', quantity: '10', unitPrice: '15', amount: '150', tax: '15',
    reviewJson: '[]', provenanceJson: '{"rule":"in advance: Q(period start) × unit price","subscriptions":["x"]}', createdAt: now, updatedAt: now,
  }));
  const t0 = performance.now();
  await new TenantScope(ds.manager, tenantId).transaction((tx) => bulkInsert(tx, InvoiceLine, rows as never));
  return performance.now() - t0;
}

async function bench({ label, ds }: BenchDatabase): Promise<void> {
  const tenant = await insertTenant(ds, 'bench');
  await ds.query(`UPDATE tenants SET settingsJson = '{"imports":{"reviewUsageLines":false}}' WHERE id = '${tenant.id}'`);
  const s0 = performance.now();
  const { changing } = await seed(ds, tenant.id);
  const seedMs = performance.now() - s0;

  // January caught up to the 30th (nothing due the next day, so nothing composed), then the eve: the pass of
  // 31 January, which composes and writes the upcoming 1 February invoices; then the run issues them.
  const d0 = performance.now();
  const catchUp = await runDailyPass(ds, tenant.id, '2026-01-30');
  const catchUpMs = performance.now() - d0;
  const e0 = performance.now();
  const ec0 = process.cpuUsage();
  const eve = await runDailyPass(ds, tenant.id, '2026-01-31');
  const eveMs = performance.now() - e0;
  const ec = process.cpuUsage(ec0);
  const eveCpuMs = (ec.user + ec.system) / 1000; // this process's CPU (not the database server's on MariaDB)

  // The same invoice run twice: one transaction per invoice, then the default groups; undone in between (untimed).
  const timedRun = async (batchSize: number) => {
    const r0 = performance.now();
    const run = await runInvoices(ds, tenant.id, '2026-02-01', { batchSize });
    const ms = performance.now() - r0;
    if (run.failed.length > 0 || run.created.length !== N) throw new Error(`invoice run failed: ${JSON.stringify(run.failed.slice(0, 3))}`);
    return { run, ms };
  };
  const single = SINGLE ? await timedRun(1) : null;
  if (single) {
    await ds.query(`DELETE FROM invoice_lines WHERE tenantId = '${tenant.id}'`);
    await ds.query(`DELETE FROM invoices WHERE tenantId = '${tenant.id}'`);
    await ds.query(`UPDATE recurring_invoice_adjustments SET invoicedInvoiceId = NULL WHERE tenantId = '${tenant.id}'`);
    await ds.query(`UPDATE recurring_invoices SET nextInvoiceDate = '2026-02-01' WHERE tenantId = '${tenant.id}'`);
    await ds.query(`UPDATE invoice_counters SET lastNumber = 0 WHERE tenantId = '${tenant.id}'`);
    // The lines deleted above were the upcoming invoices' too: the eve composes them again (untimed).
    await ds.query(`DELETE FROM upcoming_invoices WHERE tenantId = '${tenant.id}'`);
    await ds.query(`UPDATE billing_daily_progress SET lastDate = '2026-01-30' WHERE tenantId = '${tenant.id}'`);
    await runDailyPass(ds, tenant.id, '2026-01-31');
  }
  const grouped = PROFILE ? await profiled(PROFILE, () => timedRun(BATCH)) : await timedRun(BATCH);
  const lineCount = Number((await ds.query(`SELECT COUNT(*) AS n FROM invoice_lines WHERE tenantId = '${tenant.id}'`))[0].n);
  const run = grouped.run;
  const runMs = grouped.ms;

  // An ordinary day: 1 February's pass (untimed; the invoice date), then 2 February's, a day without any change.
  await runDailyPass(ds, tenant.id, '2026-02-01');
  const q0 = performance.now();
  const qc0 = process.cpuUsage();
  const quiet = await runDailyPass(ds, tenant.id, '2026-02-02');
  const quietMs = performance.now() - q0;
  const qc = process.cpuUsage(qc0);
  const quietCpuMs = (qc.user + qc.system) / 1000; // this process's CPU: on a loaded machine steadier than wall time

  // The floor: the same lines written again through the database's own fastest client path, in this run.
  const floor = await writeFloor(ds, tenant.id, MARIADB_URL);
  if (floor.rows !== lineCount) throw new Error(`floor wrote ${floor.rows} lines, the run ${lineCount}`);
  // The application's own multi-row insert of as many lines (time-ordered ids, as the run writes), for comparison.
  const ownMs = await rawInsert(ds, tenant.id, lineCount, timeOrderedId);
  const billingMs = eveMs + runMs;

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\n${label}: ${N} recurring invoices × ${L} lines, ${changing} of ${N * L} subscriptions (${(SHARE * 100).toFixed(1)}%) changing in January`);
  console.log(`  seed                         ${s(seedMs)}`);
  console.log(`  daily pass catch-up 2026-01-01..30  ${s(catchUpMs)}  (${(catchUpMs / Math.max(1, catchUp.days.length)).toFixed(0)} ms/day; ${catchUp.lineChanges} quantity changes, ${catchUp.adjustmentsCreated} adjustments)`);
  console.log(`  eve pass 2026-01-31          ${s(eveMs)}  (${eve.upcomingPrepared} upcoming invoices composed and written, ${eve.lineChanges} quantity changes; cpu ${s(eveCpuMs)})`);
  if (single) console.log(`  invoice run 2026-02-01, one transaction per invoice  ${s(single.ms)}`);
  console.log(`  invoice run 2026-02-01, groups of ${BATCH}  ${s(runMs)}  (${run.created.length} invoices, ${run.fromUpcoming} of them issued from upcoming invoices; ${lineCount} invoice lines)`);
  console.log(`  eve + run                    ${s(billingMs)}`);
  console.log(`  floor: ${floor.how} of the same ${floor.rows} invoice lines  ${s(floor.ms)}`);
  console.log(`  own multi-row insert (bulkInsert) of ${lineCount} invoice lines  ${s(ownMs)} (synthetic rows with a short provenance, not the run's lines: a reference, not the floor)`);
  console.log(`  ratio eve + run / floor: ${(billingMs / floor.ms).toFixed(2)} (target ≤ 3); run alone / floor ${(runMs / floor.ms).toFixed(2)}`);
  console.log(`  daily pass of a day without changes (2026-02-02)  ${s(quietMs)} (target < 1 s; ${quiet.lineChanges} quantity changes, ${quiet.upcomingPrepared} upcoming composed, ${quiet.skippedQuiet ?? 0} of ${N} recurring invoices left out as quiet; cpu ${s(quietCpuMs)})`);
  console.log(`  ${await environmentNote(ds)}`);
}

async function main(): Promise<void> {
  limitHeapGrowth(); // as the CLI does
  await forEachBenchDatabase(bench, { mariaDbUrl: MARIADB_URL });
}

await main();
