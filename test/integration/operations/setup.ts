import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import {
  Customer, CustomerMapping, RecurringInvoice, RecurringInvoiceLine, RecurringInvoiceLink, Subscription,
} from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { OperationsService } from '../../../src/operations/service.js';
import { pax8ClientFor } from '../../../src/tenants/pax8-client.js';
import type { QuantityUpdater } from '../../../src/subscriptions/push-quantity.js';
import type { SandboxOptions } from '../../../src/pax8/sandbox/index.js';
import { harness, type Harness } from '../imports/harness.js';

/** The operations' clock: mid-November 2026 (the sandbox's clock starts 2026-11-15T12:00Z). */
export const NOW = new Date('2026-11-15T12:00:00Z');

export interface OpsWorld {
  h: Harness;
  scope: TenantScope;
  client: QuantityUpdater;
  ops: OperationsService;
  /** Builds a service around another client (fault injection). */
  opsWith(client: QuantityUpdater): OperationsService;
  close(): Promise<void>;
}

/** `sandbox` overrides the sandbox's options: `{}` keeps its default (pending) quantity changes, see pending.test.ts. */
export async function opsWorld(sandbox: SandboxOptions = { quantityChanges: 'instant' }): Promise<OpsWorld> {
  // By default quantity changes are instant: approvals and operations, not Pax8's provisioning delay (see pending.test.ts
  // and test/integration/imports/pending-quantity.test.ts).
  const h = await harness({ companies: 20, subscriptions: 80, usageSummaries: 0, ...sandbox }, { productImportMode: 'none' });
  await h.run({ entities: 'customers,subscriptions' });
  const scope = new TenantScope(h.ds.manager, h.tenant.id);
  const client = pax8ClientFor(h.tenants, h.tenant, { rateLimitPerMinute: null, maxRetries: 0, retryBaseMs: 1, retryMaxDelayMs: 5 });
  const opsWith = (c: QuantityUpdater) => new OperationsService(h.ds, () => c, () => NOW);
  return { h, scope, client, ops: opsWith(client), opsWith, close: () => h.close() };
}

/** A mapped, active licence subscription started before November (so November is a billed period). */
export async function pickSubscription(w: OpsWorld, inCommitment: boolean): Promise<Subscription> {
  const mapped = new Set((await w.scope.repo(CustomerMapping).find()).map((m) => m.pax8CompanyId));
  const sb = w.h.sandbox.data;
  const src = sb.subscriptions.find((s) => mapped.has(s.companyId) && s.status === 'Active' && s.quantity >= 3
    && s.startMs < Date.parse('2026-10-01T00:00:00Z') && inCommitment === (!!s.commitment && sb.inCommitment(s)));
  if (!src) throw new Error('no suitable sandbox subscription');
  return (await w.scope.repo(Subscription).findOneBy({ pax8Id: src.id }))!;
}

/** A monthly recurring invoice (November already billed) with one in-advance line linked to `subs`. */
export async function recurringLine(
  w: OpsWorld, customerId: string, subs: Array<{ id: string; free?: number; minimum?: number }>, unitPrice = '22.00', prorata: 'from_change_date' | 'increases_only' | 'none' = 'from_change_date',
): Promise<{ ri: RecurringInvoice; line: RecurringInvoiceLine }> {
  const now = new Date();
  const ri = w.scope.repo(RecurringInvoice).create({
    id: randomUUID(), customerId, name: 'Monthly licences', frequency: 'monthly', anchorDay: 1, anchorMonth: 11, startDate: '2026-11-01',
    currency: 'USD', taxRate: new Decimal(0), status: 'active', nextInvoiceDate: '2026-12-01', createdAt: now, updatedAt: now,
  });
  await w.scope.repo(RecurringInvoice).insert([ri]);
  const line = w.scope.repo(RecurringInvoiceLine).create({
    id: randomUUID(), recurringInvoiceId: ri.id, position: 0, description: 'Licences', productId: null, timing: 'advance', priceMode: 'own',
    unitPrice: new Decimal(unitPrice), cost: null, prorata, reviewRequired: false, usageSummaryId: null, currentQuantity: new Decimal(0),
    quantityDate: null, createdAt: now, updatedAt: now,
  });
  await w.scope.repo(RecurringInvoiceLine).insert([line]);
  await w.scope.repo(RecurringInvoiceLink).insert(subs.map((s, k) => ({
    id: randomUUID(), recurringInvoiceId: ri.id, lineId: line.id, subscriptionId: s.id, position: k, freeQuantity: new Decimal(s.free ?? 0),
    minimumQuantity: new Decimal(s.minimum ?? 0), createdAt: now, updatedAt: now,
  })));
  return { ri, line };
}

/** Adds two (or more) Pax8 subscriptions of one flat-priced monthly product and imports them. */
export async function twinSubscriptions(w: OpsWorld, companies: string[], quantity = 10): Promise<Subscription[]> {
  const sb = w.h.sandbox.data;
  const product = sb.products.find((p) => !p.usageBased && !p.requiresCommitment && p.pricing[0]!.type === 'Flat' && p.pricing[0]!.billingTerm === 'Monthly'
    && !p.pricing[0]!.commitmentTerm)!;
  const ids: string[] = [];
  for (const companyId of companies) {
    const s = (await w.h.admin('POST', '/subscriptions', { companyId, productId: product.id, quantity, billingTerm: 'Monthly' })) as { id: string };
    ids.push(s.id);
  }
  await w.h.run({ entities: 'subscriptions' });
  const out: Subscription[] = [];
  for (const id of ids) out.push((await w.scope.repo(Subscription).findOneBy({ pax8Id: id }))!);
  return out;
}

/** Pax8 company ids of mapped customers with the given currency. */
export async function mappedCompanies(w: OpsWorld, currency = 'USD'): Promise<Array<{ companyId: string; customer: Customer }>> {
  const maps = await w.scope.repo(CustomerMapping).find();
  const out: Array<{ companyId: string; customer: Customer }> = [];
  for (const m of maps) {
    const c = w.h.sandbox.data.companies.find((x) => x.id === m.pax8CompanyId);
    if (c && c.currencyCode === currency && c.status === 'Active') out.push({ companyId: m.pax8CompanyId, customer: (await w.scope.repo(Customer).findOneBy({ id: m.customerId }))! });
  }
  return out;
}
