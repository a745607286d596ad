import { randomUUID } from 'node:crypto';
import { Customer, CustomerMapping } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { pax8PortalUrl } from './portal-link.js';

export interface CustomerView {
  id: string;
  name: string;
  topLevel: string | null;
  active: boolean;
  source: string;
  site: { street: string | null; street2: string | null; city: string | null; stateOrProvince: string | null; postalCode: string | null; country: string | null };
  pax8CompanyId: string | null;
  resourceGroup: string | null;
  /** Opens the company in the Pax8 portal; null when the customer is not mapped. */
  pax8PortalUrl: string | null;
}

export interface CustomerFilter {
  active?: boolean;
  mapped?: boolean;
  search?: string;
}

/** Local customers with their Pax8 link. */
export async function listCustomers(scope: TenantScope, portalTemplate: string, filter: CustomerFilter = {}): Promise<CustomerView[]> {
  const customers = await scope.repo(Customer).find({ order: { name: 'ASC', id: 'ASC' } });
  const mappings = new Map((await scope.repo(CustomerMapping).find()).map((m) => [m.customerId, m]));
  const needle = filter.search?.toLowerCase();
  return customers
    .filter((c) => filter.active === undefined || c.active === filter.active)
    .filter((c) => filter.mapped === undefined || mappings.has(c.id) === filter.mapped)
    .filter((c) => !needle || c.name.toLowerCase().includes(needle))
    .map((c) => {
      const m = mappings.get(c.id);
      return {
        id: c.id, name: c.name, topLevel: c.topLevel, active: c.active, source: c.source,
        site: { street: c.siteStreet, street2: c.siteStreet2, city: c.siteCity, stateOrProvince: c.siteStateOrProvince, postalCode: c.sitePostalCode, country: c.siteCountry },
        pax8CompanyId: m?.pax8CompanyId ?? null, resourceGroup: m?.resourceGroup ?? null,
        pax8PortalUrl: m ? pax8PortalUrl(portalTemplate, m.pax8CompanyId) : null,
      };
    });
}

/** Creates a local customer by hand (no Pax8 link). */
export async function createCustomer(scope: TenantScope, input: { name: string; topLevel?: string | null; active?: boolean }): Promise<Customer> {
  const name = input.name.trim();
  if (!name) throw new RangeError('a customer needs a name');
  const now = new Date();
  const c = scope.repo(Customer).create({
    id: randomUUID(), name: name.slice(0, 255), topLevel: input.topLevel ?? null, active: input.active ?? true,
    siteStreet: null, siteStreet2: null, siteCity: null, siteStateOrProvince: null, sitePostalCode: null, siteCountry: null,
    source: 'manual', monthlyRecurringInvoiceId: null, annualRecurringInvoiceId: null, noAutomaticInvoiceLines: false, createdAt: now, updatedAt: now,
  });
  await scope.repo(Customer).insert([c]);
  return c;
}
