import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import type { SecretBox } from '../../../src/crypto/secret-box.js';
import {
  Customer, CustomerMapping, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription, UsageSummary, type Tenant,
} from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { runImport } from '../../../src/imports/run-import.js';
import { runInvoices } from '../../../src/invoices/run.js';
import type { Pax8Client } from '../../../src/pax8/client/index.js';
import type { RunningSandbox, SandboxOptions } from '../../../src/pax8/sandbox/index.js';
import { importPax8Billing } from '../../../src/pax8-billing/import.js';
import { reconcileMonth } from '../../../src/reconcile/service.js';
import type { ReconcileReport } from '../../../src/reconcile/model.js';
import { pax8ClientFor } from '../../../src/tenants/pax8-client.js';
import type { TenantService } from '../../../src/tenants/service.js';
import type { DatabaseTarget } from '../../../src/db/data-source.js';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';

/** The sandbox clock (its default) and the month reconciled: Pax8's draft items of November 2026. */
export const SANDBOX_NOW = '2026-11-15T12:00:00Z';
export const MONTH = '2026-11';
const NEXT_MONTH_START = '2026-12-01';
/** Subscriptions are imported as of this date, so their history covers the whole month billed. */
const BEFORE_MONTH = new Date('2026-10-25T12:00:00Z');

export interface ReconcileHarness {
  ds: DataSource;
  secrets: SecretBox;
  sandbox: RunningSandbox;
  tenants: TenantService;
  tenant: Tenant;
  scope: TenantScope;
  client: Pax8Client;
  importBilling(): ReturnType<typeof importPax8Billing>;
  report(month?: string): Promise<ReconcileReport>;
  close(): Promise<void>;
}

async function recurringInvoice(scope: TenantScope, customerId: string, frequency: 'monthly' | 'annual', currency: string): Promise<RecurringInvoice> {
  const now = new Date();
  const ri = scope.repo(RecurringInvoice).create({
    id: randomUUID(), customerId, name: `${frequency} services`, frequency, anchorDay: 1, anchorMonth: 11, startDate: `${MONTH}-01`, currency,
    taxRate: new Decimal(0), status: 'active', nextInvoiceDate: `${MONTH}-01`, createdAt: now, updatedAt: now,
  });
  return scope.repo(RecurringInvoice).save(ri);
}

/** A line (own price) on a recurring invoice linked to one subscription, or a usage line for a usage summary. */
export async function addLine(
  scope: TenantScope, riId: string, spec: { subscriptionId?: string; usageSummaryId?: string; description: string; unitPrice?: Decimal; free?: Decimal },
): Promise<string> {
  const now = new Date();
  const lines = scope.repo(RecurringInvoiceLine);
  const last = await lines.find({ where: { recurringInvoiceId: riId }, order: { position: 'DESC' }, take: 1 });
  const lineId = randomUUID();
  const usage = spec.usageSummaryId !== undefined;
  await lines.insert([{
    id: lineId, recurringInvoiceId: riId, position: last.length ? last[0]!.position + 1 : 0, description: spec.description, productId: null,
    timing: usage ? 'usage' : 'advance', priceMode: usage ? 'follow' : 'own', unitPrice: usage ? null : spec.unitPrice ?? new Decimal(0), cost: null,
    prorata: usage ? 'none' : 'from_change_date', reviewRequired: false, usageSummaryId: spec.usageSummaryId ?? null,
    currentQuantity: new Decimal(0), quantityDate: null, createdAt: now, updatedAt: now,
  }]);
  if (spec.subscriptionId) {
    await scope.repo(RecurringInvoiceLink).insert([{
      id: randomUUID(), recurringInvoiceId: riId, lineId, subscriptionId: spec.subscriptionId, position: 0, freeQuantity: spec.free ?? new Decimal(0),
      minimumQuantity: new Decimal(0), createdAt: now, updatedAt: now,
    }]);
  }
  return lineId;
}

/**
 * A migrated database, an in-process Pax8 sandbox over HTTP and a tenant pointing at it, loaded the way
 * production loads it: customers, subscriptions and usage through the imports service, recurring invoices
 * per customer (new subscriptions join them through the invoices engine's automatic lines; the rest are
 * linked here), November's invoices issued by the invoices engine, and Pax8's bill imported.
 * `beforeBilling` runs after the data is loaded and before invoices are issued (to build a leak).
 */
export async function reconcileHarness(
  opts: {
    sandbox?: SandboxOptions;
    beforeBilling?: (h: ReconcileHarness) => Promise<void>;
    /** Link every active subscription and usage summary, priced at least at Pax8's unit cost (default true: a clean data set). */
    linkEverything?: boolean;
    /** Import inactive Pax8 companies too (default: as linkEverything). */
    importInactiveCompanies?: boolean;
    /** A database other processes can open (CLI tests). */
    target?: DatabaseTarget;
  } = {},
): Promise<ReconcileHarness> {
  const ds = await freshDatabase(opts.target);
  const secrets = testSecretBox();
  const sandbox = await startTestSandbox({ companies: 30, subscriptions: 120, usageSummaries: 12, ...opts.sandbox, now: SANDBOX_NOW });
  const { tenant: created, tenants } = await createTestTenant(ds, secrets, sandbox, {
    name: `acme-${randomUUID().slice(0, 8)}`,
    settings: {
      imports: {
        productImportMode: 'products_and_lines', reviewUsageLines: false,
        importInactiveCompanies: opts.importInactiveCompanies ?? opts.linkEverything !== false,
        // Every product the sandbox bills as usage (Azure, Wasabi, …) carries usage summaries.
        usageProductPattern: [...new Set(sandbox.data.products.filter((p) => p.usageBased).map((p) => p.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))].join('|') || 'usage',
      },
    },
  });
  const tenant = await tenants.byId(created.id);
  const scope = new TenantScope(ds.manager, tenant.id);
  const client = pax8ClientFor(tenants, tenant, { rateLimitPerMinute: null, retryBaseMs: 1, retryMaxDelayMs: 5, maxRetries: 2 });
  const run = async (entities: string[], now: Date) => {
    const r = await runImport({ ds, secrets }, { tenantId: tenant.id, trigger: 'cli', startedBy: 'test', entities: entities as never, pax8Client: client, now });
    if (r.status !== 'succeeded') throw new Error(`import ${entities.join(',')} ${r.status}: ${JSON.stringify(r).slice(0, 500)}`);
  };
  const h: ReconcileHarness = {
    ds, secrets, sandbox, tenants, tenant, scope, client,
    importBilling: () => importPax8Billing(scope, client, { today: SANDBOX_NOW.slice(0, 10) }),
    report: async (month = MONTH) => reconcileMonth(ds, await tenants.byId(tenant.id), month),
    close: async () => {
      await sandbox.close();
      await ds.destroy();
    },
  };

  await run(['customers'], BEFORE_MONTH);
  const currencyOf = new Map(sandbox.data.companies.map((c) => [c.id, c.currencyCode]));
  const mappings = await scope.repo(CustomerMapping).find();
  const monthly = new Map<string, RecurringInvoice>();
  for (const m of mappings) {
    const currency = currencyOf.get(m.pax8CompanyId) ?? 'USD';
    const mri = await recurringInvoice(scope, m.customerId, 'monthly', currency);
    const ari = await recurringInvoice(scope, m.customerId, 'annual', currency);
    monthly.set(m.customerId, mri);
    await scope.repo(Customer).update({ id: m.customerId }, { monthlyRecurringInvoiceId: mri.id, annualRecurringInvoiceId: ari.id });
  }
  await run(['products', 'subscriptions'], BEFORE_MONTH);
  await run(['usage'], new Date(SANDBOX_NOW));

  if (opts.linkEverything !== false) {
    // Terms the engine does not place automatically (2-/3-year, one-time) and usage summaries: linked by hand.
    const links = new Set((await scope.repo(RecurringInvoiceLink).find()).map((l) => l.subscriptionId));
    const usageLines = new Set((await scope.repo(RecurringInvoiceLine).find()).flatMap((l) => (l.usageSummaryId ? [l.usageSummaryId] : [])));
    const carriers = new Set((await scope.repo(UsageSummary).find()).map((u) => u.pax8SubscriptionId));
    for (const s of await scope.repo(Subscription).find({ order: { pax8Id: 'ASC' } })) {
      if (!s.customerId || !monthly.has(s.customerId)) continue;
      const ri = monthly.get(s.customerId)!;
      if (s.kind === 'usage_summary') {
        if (s.usageSummaryId && !usageLines.has(s.usageSummaryId)) await addLine(scope, ri.id, { usageSummaryId: s.usageSummaryId, description: s.name });
        continue;
      }
      if (!s.active || links.has(s.id) || carriers.has(s.pax8Id) || (s.billingTerm ?? '').toLowerCase() === 'trial') continue;
      await addLine(scope, ri.id, { subscriptionId: s.id, description: s.name, unitPrice: s.price ?? s.cost ?? new Decimal(0) });
    }
    // A few sandbox products are priced below their partner cost (or at 0): bill those at Pax8's unit cost.
    const subs = new Map((await scope.repo(Subscription).find()).map((s) => [s.id, s]));
    for (const link of await scope.repo(RecurringInvoiceLink).find()) {
      const sb = sandbox.data.subscriptionById.get(subs.get(link.subscriptionId)?.pax8Id ?? '');
      if (!sb) continue;
      const line = await scope.repo(RecurringInvoiceLine).findOneBy({ id: link.lineId });
      const price = line?.priceMode === 'own' ? line.unitPrice : sb.price;
      if (line && price !== null && new Decimal(price.toString()).lessThan(sb.partnerCost.toString())) {
        await scope.repo(RecurringInvoiceLine).update({ id: line.id }, { priceMode: 'own', unitPrice: new Decimal(sb.partnerCost.toString()), reviewRequired: false });
      }
    }
  }
  if (opts.beforeBilling) await opts.beforeBilling(h);
  // November's in-advance invoices, then December's, which bill November's usage (lines from November 1).
  for (const date of [`${MONTH}-01`, NEXT_MONTH_START]) {
    const issued = await runInvoices(ds, tenant.id, date);
    if (issued.failed.length > 0) throw new Error(`invoice run ${date} failed: ${JSON.stringify(issued.failed)}`);
  }
  return h;
}
