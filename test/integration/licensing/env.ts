import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import {
  Customer, CustomerMapping, Product, Subscription, type Tenant,
} from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { Pax8Client } from '../../../src/pax8/client/index.js';
import type { RunningSandbox, SandboxSubscription } from '../../../src/pax8/sandbox/index.js';
import type { TenantService } from '../../../src/tenants/service.js';
import { pax8ClientFor } from '../../../src/tenants/pax8-client.js';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';

/** A migrated database, a running sandbox, and a tenant whose Pax8 credentials point at it. */
export interface LicensingEnv {
  ds: DataSource;
  sb: RunningSandbox;
  tenants: TenantService;
  tenant: Tenant;
  client(): Pax8Client;
  close(): Promise<void>;
}

export async function licensingEnv(name = 'msp', timeZone = 'Europe/Berlin'): Promise<LicensingEnv> {
  const ds = await freshDatabase();
  const sb = await startTestSandbox({ seed: 11, companies: 12 });
  const { tenant, tenants } = await createTestTenant(ds, testSecretBox(), sb, { name, timeZone, partnerCompany: false });
  return {
    ds, sb, tenants, tenant,
    client: () => pax8ClientFor(tenants, tenant, { rateLimitPerMinute: null, timeoutMs: 2000, maxRetries: 1, retryBaseMs: 5, retryMaxDelayMs: 20 }),
    async close() {
      await sb.close();
      await ds.destroy();
    },
  };
}

export async function addCustomer(env: LicensingEnv, name: string, pax8CompanyId: string | null, tenant: Tenant = env.tenant): Promise<Customer> {
  const scope = new TenantScope(env.ds.manager, tenant.id);
  const now = new Date();
  const c = scope.repo(Customer).create({
    id: randomUUID(), name, topLevel: null, active: true, siteStreet: null, siteStreet2: null, siteCity: null, siteStateOrProvince: null,
    sitePostalCode: null, siteCountry: null, source: 'manual', monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null,
    noAutomaticInvoiceLines: false, createdAt: now, updatedAt: now,
  });
  await scope.repo(Customer).insert([c]);
  if (pax8CompanyId) {
    await scope.repo(CustomerMapping).insert([{ id: randomUUID(), pax8CompanyId, customerId: c.id, resourceGroup: null, source: 'manual', createdAt: now, updatedAt: now }]);
  }
  return c;
}

export async function addProduct(env: LicensingEnv, p: { name: string; vendorName: string | null; category?: string | null; retailPrice?: string | null; pax8ProductId?: string | null; visible?: boolean; featured?: boolean }, tenant: Tenant = env.tenant): Promise<Product> {
  const scope = new TenantScope(env.ds.manager, tenant.id);
  const now = new Date();
  const row = scope.repo(Product).create({
    id: randomUUID(), sku: `SKU-${randomUUID().slice(0, 8)}`, name: p.name, vendorName: p.vendorName, category: p.category ?? null,
    pax8ProductId: p.pax8ProductId ?? null, pax8Sku: null, vendorSku: null, productGroup: 'Pax8',
    retailPrice: p.retailPrice ? new Decimal(p.retailPrice) : null, visible: p.visible ?? true, featured: p.featured ?? false, createdAt: now, updatedAt: now,
  });
  await scope.repo(Product).insert([row]);
  return row;
}

/** Inserts the local row of a sandbox subscription (as an import would), owned by `customerId` (null: unmapped company). */
export async function addSubscription(
  env: LicensingEnv, s: SandboxSubscription, customerId: string | null, extra: Partial<Subscription> = {}, tenant: Tenant = env.tenant,
): Promise<Subscription> {
  const scope = new TenantScope(env.ds.manager, tenant.id);
  const product = env.sb.data.productById.get(s.productId)!;
  const now = new Date();
  const row = scope.repo(Subscription).create({
    id: randomUUID(), kind: 'license', pax8Id: s.id, pax8CompanyId: s.companyId, customerId, pax8ProductId: s.productId, productId: null,
    name: s.productName, vendorName: product.vendorName, quantity: new Decimal(s.quantity), status: s.status, active: true, activeOverride: null,
    billingTerm: s.billingTerm, commitmentTerm: s.commitment?.term ?? null, commitmentEndDate: null, startDate: null, endDate: null,
    price: s.price, cost: s.partnerCost, currency: s.currencyCode, usageSummaryId: null, deletedInPax8: false, contentHash: 'x',
    pax8UpdatedAt: null, createdAt: now, updatedAt: now, ...extra,
  });
  await scope.repo(Subscription).insert([row]);
  return row;
}

/** Active sandbox subscriptions of one company, split by whether Pax8 refuses decreases now (commitment running). */
export function sandboxSubs(sb: RunningSandbox) {
  const active = sb.data.subscriptions.filter((s) => s.status === 'Active' && s.quantity >= 2);
  return {
    active,
    committed: active.filter((s) => sb.data.inCommitment(s)),
    free: active.filter((s) => !sb.data.inCommitment(s)),
  };
}
