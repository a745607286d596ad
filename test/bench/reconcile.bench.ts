/**
 * npm run bench:reconcile — reconciliation of one month (November 2026, Pax8's draft items) for the sandbox data set
 * of BENCH_SUBSCRIPTIONS (100000) subscriptions, on SQLite (a temporary file) and MariaDB. The data set is written
 * straight into the database (customers, mappings, subscriptions, usage, one monthly recurring invoice per customer
 * with a line per subscription, November's issued invoices, Pax8's draft items), about 1% of the subscriptions left
 * off the recurring invoices so there are findings. Prints the time of the reconciliation (load and compute);
 * target (issue 26): under 10 s for the 100,000-subscription month on MariaDB. Figures: docs/benchmarks.md.
 * Env: BENCH_SUBSCRIPTIONS (100000), BENCH_DB (both | sqlite | mariadb),
 * BENCH_DATABASE_URL (mysql://root@127.0.0.1:3306/recurra_bench_reconcile).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Decimal } from 'decimal.js';
import type { DataSource, DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm';
import { bulkInsert } from '../../src/db/bulk-insert.js';
import { roundMoney } from '../../src/billing/index.js';
import {
  Customer, CustomerMapping, Invoice, InvoiceLine, Pax8Company, Pax8InvoiceItem, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink,
  Subscription, Tenant, UsageMonthlyCharge, UsageSummary,
} from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { DEFAULT_NOW, SandboxData } from '../../src/pax8/sandbox/index.js';
import { itemRow } from '../../src/pax8-billing/import.js';
import type { InvoiceItem } from '../../src/pax8/schemas/invoice.js';
import { loadReconcileInput } from '../../src/reconcile/load.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { insertTenant } from '../support/database.js';
import { profiled } from './cpu-profile.js';
import { benchMariaDbUrl, forEachBenchDatabase, type BenchDatabase } from './databases.js';

const N = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100000);
/** BENCH_CPU_PROFILE=FILE writes a CPU profile of the reconciliation (load and compute) to FILE.sqlite|mariadb.cpuprofile. */
const PROFILE = process.env.BENCH_CPU_PROFILE;
const MONTH = '2026-11';
const ACTIVE = new Set(['Active', 'Activated', 'PendingCancel']);

/** The rows in one transaction through the application's own multi-row insert (it leaves out the columns the database
 * keeps, such as recurring_invoices.inputsVersion, which triggers and defaults write). */
async function insertAll<T extends ObjectLiteral>(scope: TenantScope, entity: EntityTarget<T>, rows: object[]): Promise<void> {
  await scope.transaction((tx) => bulkInsert(tx, entity, rows as DeepPartial<T>[]));
}

async function seed(ds: DataSource, tenant: Tenant, data: SandboxData): Promise<{ subscriptions: number; items: number }> {
  const now = new Date();
  const t = { tenantId: tenant.id, createdAt: now, updatedAt: now };
  const own = data.partnerCompanyId;
  const customerOf = new Map<string, string>();
  const customers: object[] = [];
  const mappings: object[] = [];
  const companies: object[] = [];
  const ris = new Map<string, { id: string; currency: string }>();
  const recurring: object[] = [];
  const invoices = new Map<string, { id: string; lines: object[] }>();
  for (const c of data.companies) {
    companies.push({ ...t, id: randomUUID(), pax8Id: c.id, name: c.name, status: c.status, street: null, street2: null, city: null, stateOrProvince: null,
      postalCode: null, country: null, externalId: null, isPartnerOwn: c.id === own, contentHash: 'bench', pax8UpdatedAt: null });
    if (c.id === own) continue;
    const id = randomUUID();
    customerOf.set(c.id, id);
    customers.push({ ...t, id, name: c.name, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: null, siteStateOrProvince: null,
      sitePostalCode: null, siteCountry: null, source: 'pax8_import', monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false });
    mappings.push({ ...t, id: randomUUID(), pax8CompanyId: c.id, customerId: id, resourceGroup: null, source: 'generated' });
    const riId = randomUUID();
    ris.set(id, { id: riId, currency: c.currencyCode });
    recurring.push({ ...t, id: riId, customerId: id, name: 'Monthly', frequency: 'monthly', anchorDay: 1, anchorMonth: 11, startDate: `${MONTH}-01`,
      currency: c.currencyCode, taxRate: new Decimal(0), status: 'active', nextInvoiceDate: '2026-12-01' });
  }
  const subs: object[] = [];
  const lines: object[] = [];
  const links: object[] = [];
  let n = 0;
  const invoiceFor = (customerId: string) => {
    let inv = invoices.get(customerId);
    if (!inv) invoices.set(customerId, (inv = { id: randomUUID(), lines: [] }));
    return inv;
  };
  const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  for (const s of data.subscriptions) {
    const customerId = customerOf.get(s.companyId);
    if (!customerId) continue;
    const id = randomUUID();
    const active = ACTIVE.has(s.status);
    subs.push({ ...t, id, kind: 'license', pax8Id: s.id, pax8CompanyId: s.companyId, customerId, pax8ProductId: s.productId, productId: null,
      name: s.productName, vendorName: null, quantity: new Decimal(s.quantity), status: s.status, active, activeOverride: null, billingTerm: s.billingTerm,
      commitmentTerm: null, commitmentEndDate: null, startDate: fmt(s.startMs), endDate: s.endMs === undefined ? null : fmt(s.endMs),
      price: new Decimal(s.price.toString()), cost: new Decimal(s.partnerCost.toString()), currency: s.currencyCode, usageSummaryId: null,
      deletedInPax8: false, contentHash: 'bench', pax8UpdatedAt: null });
    if (!active || s.billingTerm === 'Trial' || ++n % 100 === 0) continue;
    const ri = ris.get(customerId)!;
    const lineId = randomUUID();
    lines.push({ ...t, id: lineId, recurringInvoiceId: ri.id, position: lines.length, description: s.productName, productId: null, timing: 'advance',
      priceMode: 'own', costMode: 'follow', unitPrice: new Decimal(s.price.toString()), cost: null, prorata: 'from_change_date', reviewRequired: false, usageSummaryId: null,
      currentQuantity: new Decimal(s.quantity), quantityDate: `${MONTH}-01` });
    links.push({ ...t, id: randomUUID(), recurringInvoiceId: ri.id, lineId, subscriptionId: id, position: 0, freeQuantity: new Decimal(0), minimumQuantity: new Decimal(0) });
    const q = String(s.quantity);
    const inv = invoiceFor(customerId);
    inv.lines.push({ ...t, id: randomUUID(), invoiceId: inv.id, position: inv.lines.length, recurringInvoiceLineId: lineId, adjustmentId: null, kind: 'recurring',
      description: s.productName, fromDate: `${MONTH}-01`, toDate: '2026-12-01', quantity: new Decimal(q), unitPrice: new Decimal(s.price.toString()),
      amount: new Decimal(roundMoney(new Decimal(s.price.toString()).mul(q), ri.currency).toString()), tax: new Decimal(0), reviewJson: '[]',
      provenanceJson: JSON.stringify({ rule: 'in advance: Q(period start) × unit price', subscriptions: [id],
        quantities: [{ from: `${MONTH}-01`, to: '2026-12-01', quantity: q, links: [{ subscription: id, active: true, quantity: q, billable: q }] }] }) });
  }
  const usage: object[] = [];
  const monthly: object[] = [];
  for (const u of data.usageSummaries) {
    const sub = data.subscriptionById.get(u.subscriptionId);
    const companyId = u.companyId ?? sub?.companyId;
    const customerId = companyId ? customerOf.get(companyId) ?? null : null;
    const id = randomUUID();
    usage.push({ ...t, id, pax8Id: u.id, pax8SubscriptionId: u.subscriptionId, pax8CompanyId: companyId ?? null, pax8ProductId: u.productId,
      resourceGroup: u.resourceGroup ?? null, vendorName: u.vendorName, customerId, mappedBy: customerId ? 'company' : null,
      currentCharges: new Decimal(u.currentCharges.toString()), partnerTotal: new Decimal(u.partnerTotal.toString()), currency: u.currencyCode,
      isTrial: u.isTrial, linesMismatch: false, contentHash: 'bench' });
    monthly.push({ ...t, id: randomUUID(), usageSummaryId: id, month: new Date(u.monthStartMs).toISOString().slice(0, 7),
      charges: new Decimal(u.currentCharges.toString()), partnerTotal: new Decimal(u.partnerTotal.toString()) });
    if (!customerId) continue;
    // Billed on a usage line (on December's invoice in production; its line starts 1 November all the same).
    const ri = ris.get(customerId)!;
    const lineId = randomUUID();
    lines.push({ ...t, id: lineId, recurringInvoiceId: ri.id, position: lines.length, description: `${u.vendorName} usage`, productId: null, timing: 'usage',
      priceMode: 'follow', costMode: 'own', unitPrice: null, cost: null, prorata: 'none', reviewRequired: false, usageSummaryId: id, currentQuantity: new Decimal(1), quantityDate: null });
    const inv = invoiceFor(customerId);
    inv.lines.push({ ...t, id: randomUUID(), invoiceId: inv.id, position: inv.lines.length, recurringInvoiceLineId: lineId, adjustmentId: null, kind: 'usage',
      description: `${u.vendorName} usage`, fromDate: `${MONTH}-01`, toDate: '2026-12-01', quantity: new Decimal(1), unitPrice: new Decimal(u.currentCharges.toString()),
      amount: new Decimal(roundMoney(new Decimal(u.currentCharges.toString()), u.currencyCode).toString()), tax: new Decimal(0), reviewJson: '[]',
      provenanceJson: JSON.stringify({ rule: 'usage: final charges of the month, quantity 1', subscriptions: [], usage: { usageSummary: id, month: MONTH } }) });
  }
  const invoiceRows: object[] = [];
  const invoiceLines: object[] = [];
  let number = 0;
  for (const [customerId, inv] of invoices) {
    const ri = ris.get(customerId)!;
    const total = inv.lines.reduce((s: Decimal, l) => s.plus((l as { amount: Decimal }).amount), new Decimal(0));
    invoiceRows.push({ ...t, id: inv.id, recurringInvoiceId: ri.id, customerId, invoiceDate: `${MONTH}-01`, periodStart: `${MONTH}-01`, periodEnd: '2026-11-30',
      currency: ri.currency, taxRate: new Decimal(0), status: 'issued', number: ++number, subtotal: total, tax: new Decimal(0), total, reviewJson: '[]',
      issuedAt: now, approvedBy: null, forwardDated: false, lateCheckedVersion: -1 });
    invoiceLines.push(...inv.lines);
  }
  const scope = new TenantScope(ds.manager, tenant.id);
  const items = data.invoices.draftItems(0).map((x) => ({
    ...t, ...itemRow({ ...x, quantity: new Decimal(x.quantity) } as unknown as InvoiceItem, { invoiceId: null, pax8InvoiceId: null, currency: null, today: '2026-11-15' }),
  }));
  await insertAll(scope, Pax8Company, companies);
  await insertAll(scope, Customer, customers);
  await insertAll(scope, CustomerMapping, mappings);
  await insertAll(scope, Subscription, subs);
  await insertAll(scope, UsageSummary, usage);
  await insertAll(scope, UsageMonthlyCharge, monthly);
  await insertAll(scope, RecurringInvoice, recurring);
  await insertAll(scope, RecurringInvoiceLine, lines);
  await insertAll(scope, RecurringInvoiceLink, links);
  await insertAll(scope, Invoice, invoiceRows);
  await insertAll(scope, InvoiceLine, invoiceLines);
  await insertAll(scope, Pax8InvoiceItem, items);
  return { subscriptions: subs.length, items: items.length };
}

function sandboxData(): SandboxData {
  const companies = Math.max(1, Math.round(N / 5));
  const t0 = performance.now();
  const data = new SandboxData({ seed: 42, companies, subscriptions: N, usageSummaries: Math.round(companies * 0.4), now: DEFAULT_NOW });
  process.stdout.write(`sandbox data set: ${companies} companies, ${N} subscriptions, ${data.usageSummaries.length} usage summaries (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  return data;
}

async function bench({ kind, label, ds }: BenchDatabase): Promise<void> {
  const tenant = await insertTenant(ds, 'bench');
  // The generated data set is dropped before the timed part, so only the reconciliation's own memory is live.
  let data: SandboxData | null = sandboxData();
  await ds.manager.update(Tenant, { id: tenant.id }, { settingsJson: JSON.stringify({ imports: { ownCompanyPax8Id: data.partnerCompanyId } }) });
  const t0 = performance.now();
  const seeded = await seed(ds, (await ds.manager.findOneBy(Tenant, { id: tenant.id }))!, data);
  const seededMs = performance.now() - t0;
  data = null;
  const fresh = (await ds.manager.findOneBy(Tenant, { id: tenant.id }))!;
  const scope = new TenantScope(ds.manager, tenant.id);
  const cpu0 = process.cpuUsage();
  let a = 0;
  let b = 0;
  const timed = async () => {
    a = performance.now();
    const input = await loadReconcileInput(scope, fresh, MONTH);
    b = performance.now();
    return reconcile(input);
  };
  const report = PROFILE ? await profiled(`${PROFILE}.${kind}.cpuprofile`, timed) : await timed();
  const c = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const kinds: Record<string, number> = {};
  for (const f of report.findings) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
  process.stdout.write(
    `${label}: ${seeded.subscriptions} subscriptions, ${seeded.items} Pax8 items (seeded in ${s(seededMs)}) — reconcile ${MONTH}: `
    + `load ${s(b - a)}, compute ${s(c - b)}, total ${s(c - a)} (target < 10 s on MariaDB at 100000 subscriptions; this process's CPU time ${s((cpu.user + cpu.system) / 1000)}); `
    + `${report.rows.length} rows, ${report.findings.length} findings `
    + `(${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs\n`,
  );
}

async function main(): Promise<void> {
  await forEachBenchDatabase(bench, { mariaDbUrl: benchMariaDbUrl('recurra_bench_reconcile') });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
