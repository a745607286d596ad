import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Invoice, InvoiceLine } from '../../../src/db/entities/index.js';
import { parseScenario } from '../../../src/billing/scenario/load.js';
import { scenarioOutput, type ScenarioInvoiceJson } from '../../../src/billing/scenario/output.js';
import { invoicesThrough } from '../../../src/billing/simulate.js';
import { formatMoney, formatQuantity, formatUnitPrice } from '../../../src/billing/money.js';
import { dec } from '../../../src/billing/decimal.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { insertChanges, insertCustomer, insertLine, insertRecurringInvoice, insertSubscription, insertUsageSummary } from './fixtures.js';
import { Product, RecurringInvoiceLine } from '../../../src/db/entities/index.js';
import { createTaxCode, findTaxCode, setProductGroupTax } from '../../../src/tax/service.js';

/** The scenario file format of the billing rules (the subset these tests use: dates, not timestamps). */
export interface ScenarioJson {
  currency: string;
  frequency: 'monthly' | 'quarterly' | 'annual';
  anchorDay: number;
  startDate: string;
  through: string;
  taxRate?: string;
  lines: Array<{
    id: string; description?: string; timing: 'advance' | 'arrears' | 'usage'; unitPrice?: string; followPrice?: boolean;
    prorata?: 'none' | 'from_change_date' | 'increases_only'; usageSummary?: string;
    links?: Array<{ subscription: string; free?: number; minimum?: number }>;
    /** Loaded as a tax code of that rate given to a product group of this line's own product. */
    taxRate?: string;
  }>;
  subscriptions?: Array<{ id: string; currency?: string; changes: Array<{ date: string; quantity?: number | string; status?: string; price?: string }> }>;
  usage?: Array<{ usageSummary: string; month: string; charges: string }>;
}

/** One monthly in-advance line, one subscription going from 10 to 15 seats on 11 January (the rules' example). */
export const TEN_TO_FIFTEEN: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
  lines: [{ id: 'm365', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] }],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }] }],
};

export interface LoadedScenario {
  recurringInvoiceId: string;
  customerId: string;
  /** Database line id → scenario line id. */
  lineNames: Map<string, string>;
}

/**
 * Writes a scenario as the importer and a user would: subscriptions with full-state change rows, a customer,
 * a recurring invoice with lines and links, usage summaries with monthly snapshots.
 */
export async function loadScenarioIntoDb(scope: TenantScope, s: ScenarioJson, customerName = 'Contoso'): Promise<LoadedScenario> {
  const customer = await insertCustomer(scope, customerName);
  const subIds = new Map<string, string>();
  for (const sub of s.subscriptions ?? []) {
    const row = await insertSubscription(scope, { customerId: customer.id, currency: sub.currency ?? s.currency, price: null });
    subIds.set(sub.id, row.id);
    let quantity: string | number = 0;
    let status = 'Pending';
    let price: string | null = null;
    const rows = sub.changes.map((c) => {
      if (c.quantity !== undefined) {
        quantity = c.quantity;
        if (status === 'Pending') status = 'Active';
      }
      if (c.status !== undefined) status = c.status;
      if (c.price !== undefined) price = c.price;
      return { date: c.date, quantity, status, price };
    });
    await insertChanges(scope, row.id, rows);
  }
  const summaries = new Map<string, string>();
  for (const name of new Set((s.usage ?? []).map((u) => u.usageSummary))) {
    const months = (s.usage ?? []).filter((u) => u.usageSummary === name).map((u) => ({ month: u.month, charges: u.charges }));
    summaries.set(name, (await insertUsageSummary(scope, customer.id, months)).id);
  }
  const ri = await insertRecurringInvoice(scope, {
    customerId: customer.id, frequency: s.frequency, anchorDay: s.anchorDay, startDate: s.startDate, currency: s.currency, taxRate: s.taxRate ?? '0',
  });
  const lineNames = new Map<string, string>();
  let position = 0;
  for (const l of s.lines) {
    const row = await insertLine(scope, ri, position++, {
      description: l.description ?? l.id, timing: l.timing, ...(l.unitPrice === undefined ? {} : { unitPrice: l.unitPrice }),
      followPrice: l.followPrice === true, prorata: l.prorata ?? (l.timing === 'advance' ? 'from_change_date' : 'none'),
      usageSummaryId: l.usageSummary === undefined ? null : summaries.get(l.usageSummary) ?? randomUUID(),
      links: (l.links ?? []).map((k) => ({ subscriptionId: subIds.get(k.subscription)!, free: k.free ?? 0, minimum: k.minimum ?? 0 })),
    });
    lineNames.set(row.id, l.id);
    if (l.taxRate !== undefined) await taxLineAt(scope, row, l.taxRate);
  }
  return { recurringInvoiceId: ri.id, customerId: customer.id, lineNames };
}

/** A line's own rate as the database has it: its own product, in its own product group, whose tax code has that rate. */
async function taxLineAt(scope: TenantScope, line: RecurringInvoiceLine, rate: string): Promise<void> {
  const now = new Date();
  const code = `rate ${rate}`;
  await findTaxCode(scope, code).catch(() => createTaxCode(scope, { code, rate, kind: 'standard' }, now));
  const group = `scenario line ${line.id}`;
  const product = { id: randomUUID(), sku: group, name: group, vendorName: null, category: null, pax8ProductId: null, pax8Sku: null, vendorSku: null,
    productGroup: group, retailPrice: null, visible: true, featured: false, createdAt: now, updatedAt: now };
  await scope.repo(Product).insert([product]);
  await scope.repo(RecurringInvoiceLine).update({ id: line.id }, { productId: product.id });
  await setProductGroupTax(scope, group, code, now);
}

/** What `recurra simulate` prints for the scenario (review notes left out: the database holds them separately). */
export function simulated(s: ScenarioJson): ScenarioInvoiceJson[] {
  const parsed = parseScenario(s);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return scenarioOutput(invoicesThrough(parsed.scenario.context, parsed.scenario.through)).invoices.map((inv) => ({
    ...inv,
    lines: inv.lines.map(({ review: _review, ...rest }) => rest),
  }));
}

/** The database's invoices of one recurring invoice, in the simulate output's shape. */
export async function storedAsScenario(scope: TenantScope, loaded: LoadedScenario): Promise<ScenarioInvoiceJson[]> {
  const invoices = await scope.repo(Invoice).find({ where: { recurringInvoiceId: loaded.recurringInvoiceId }, order: { periodStart: 'ASC' } });
  const out: ScenarioInvoiceJson[] = [];
  for (const inv of invoices) {
    const lines = await scope.repo(InvoiceLine).find({ where: { invoiceId: inv.id }, order: { position: 'ASC' } });
    const c = inv.currency;
    out.push({
      date: inv.invoiceDate, periodStart: inv.periodStart, periodEnd: inv.periodEnd,
      lines: lines.map((l) => ({
        line: loaded.lineNames.get(l.recurringInvoiceLineId ?? '') ?? '?', kind: l.kind, quantity: formatQuantity(dec(l.quantity.toString())),
        unitPrice: formatUnitPrice(dec(l.unitPrice.toString()), c), amount: formatMoney(dec(l.amount.toString()), c), from: l.fromDate, to: l.toDate,
      })),
      subtotal: formatMoney(dec(inv.subtotal.toString()), c), tax: formatMoney(dec(inv.tax.toString()), c), total: formatMoney(dec(inv.total.toString()), c),
    });
  }
  return out;
}

export function expectSame(actual: ScenarioInvoiceJson[], expected: ScenarioInvoiceJson[]): void {
  expect(JSON.parse(JSON.stringify(actual))).to.deep.equal(JSON.parse(JSON.stringify(expected)));
}

export type Db = DataSource;
