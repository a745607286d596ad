import { randomUUID } from 'node:crypto';
import { AppError, fieldError } from '../common/app-error.js';
import { Customer, CustomerMapping, Pax8Company } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { pax8PortalUrl } from '../customers/portal-link.js';
import { matchByName, type MatchResult } from './match.js';

export class MappingError extends AppError {
  override name = 'MappingError';
  constructor(message: string, override readonly code: 'not_found' | 'conflict' | 'invalid') {
    super(code, message, code === 'invalid' ? { fields: fieldError('body', message) } : {});
  }
}

export interface MappingView {
  pax8CompanyId: string;
  pax8Name: string | null;
  pax8Status: string | null;
  customerId: string;
  customerName: string | null;
  resourceGroup: string | null;
  source: string;
  pax8PortalUrl: string;
}

export async function listMappings(scope: TenantScope, portalTemplate: string): Promise<MappingView[]> {
  const mappings = await scope.repo(CustomerMapping).find();
  const companies = new Map((await scope.repo(Pax8Company).find()).map((c) => [c.pax8Id, c]));
  const customers = new Map((await scope.repo(Customer).find()).map((c) => [c.id, c]));
  return mappings
    .map((m) => ({
      pax8CompanyId: m.pax8CompanyId, pax8Name: companies.get(m.pax8CompanyId)?.name ?? null, pax8Status: companies.get(m.pax8CompanyId)?.status ?? null,
      customerId: m.customerId, customerName: customers.get(m.customerId)?.name ?? null, resourceGroup: m.resourceGroup, source: m.source,
      pax8PortalUrl: pax8PortalUrl(portalTemplate, m.pax8CompanyId),
    }))
    .sort((a, b) => (a.customerName ?? '').localeCompare(b.customerName ?? '') || a.pax8CompanyId.localeCompare(b.pax8CompanyId));
}

export interface SetMapping {
  pax8CompanyId: string;
  customerId: string;
  /** undefined keeps the current resource group; null clears it. */
  resourceGroup?: string | null;
}

/**
 * Maps a Pax8 company (known from a customers import) to a local customer by hand. A company
 * already mapped is re-pointed; a customer already mapped to ANOTHER company is refused (one to one),
 * as is a resource group used by another mapping.
 */
export async function setMapping(scope: TenantScope, input: SetMapping): Promise<CustomerMapping> {
  return scope.transaction(async (tx) => {
    const company = await tx.repo(Pax8Company).findOneBy({ pax8Id: input.pax8CompanyId });
    if (!company) throw new MappingError(`Pax8 company ${input.pax8CompanyId} is not known yet: run "recurra import --entities customers" first`, 'not_found');
    const customer = await tx.repo(Customer).findOneBy({ id: input.customerId });
    if (!customer) throw new MappingError(`no customer with id ${input.customerId}`, 'not_found');
    const byCustomer = await tx.repo(CustomerMapping).findOneBy({ customerId: input.customerId });
    if (byCustomer && byCustomer.pax8CompanyId !== input.pax8CompanyId) {
      throw new MappingError(`customer "${customer.name}" is already mapped to Pax8 company ${byCustomer.pax8CompanyId}; unset that mapping first`, 'conflict');
    }
    const rg = input.resourceGroup === undefined ? undefined : input.resourceGroup?.trim() || null;
    if (rg) {
      const byGroup = await tx.repo(CustomerMapping).findOneBy({ resourceGroup: rg });
      if (byGroup && byGroup.pax8CompanyId !== input.pax8CompanyId) {
        throw new MappingError(`resource group "${rg}" already belongs to the mapping of Pax8 company ${byGroup.pax8CompanyId}`, 'conflict');
      }
    }
    const now = new Date();
    const existing = await tx.repo(CustomerMapping).findOneBy({ pax8CompanyId: input.pax8CompanyId });
    if (existing) {
      const patch = { customerId: input.customerId, source: 'manual', updatedAt: now, ...(rg !== undefined ? { resourceGroup: rg } : {}) };
      await tx.repo(CustomerMapping).update({ id: existing.id }, patch);
      return Object.assign(existing, patch);
    }
    const m = tx.repo(CustomerMapping).create({
      id: randomUUID(), pax8CompanyId: input.pax8CompanyId, customerId: input.customerId, resourceGroup: rg ?? null, source: 'manual', createdAt: now, updatedAt: now,
    });
    await tx.repo(CustomerMapping).insert([m]);
    return m;
  });
}

/** Removes the mapping of a Pax8 company or of a customer; returns how many were removed. */
export async function unsetMapping(scope: TenantScope, key: { pax8CompanyId?: string; customerId?: string }): Promise<number> {
  if (key.pax8CompanyId) return scope.repo(CustomerMapping).delete({ pax8CompanyId: key.pax8CompanyId });
  if (key.customerId) return scope.repo(CustomerMapping).delete({ customerId: key.customerId });
  throw new MappingError('name a Pax8 company or a customer', 'invalid');
}

export interface GenerateResult extends MatchResult {
  /** Mappings written (the exact matches), 0 on a dry run. */
  linked: number;
}

/**
 * "Generate mappings": links unmapped Pax8 companies (as last imported) to unmapped customers of
 * exactly the same name; lists normalised-name suggestions and ambiguous names without linking them.
 */
export async function generateMappings(scope: TenantScope, opts: { dryRun?: boolean } = {}): Promise<GenerateResult> {
  const mappings = await scope.repo(CustomerMapping).find();
  const mappedCompanies = new Set(mappings.map((m) => m.pax8CompanyId));
  const mappedCustomers = new Set(mappings.map((m) => m.customerId));
  const companies = (await scope.repo(Pax8Company).find()).filter((c) => !mappedCompanies.has(c.pax8Id));
  const customers = (await scope.repo(Customer).find()).filter((c) => !mappedCustomers.has(c.id));
  const result = matchByName(
    companies.map((c) => ({ pax8CompanyId: c.pax8Id, name: c.name })),
    customers.map((c) => ({ customerId: c.id, name: c.name })),
  );
  if (opts.dryRun || result.exact.length === 0) return { ...result, linked: 0 };
  const now = new Date();
  await scope.transaction(async (tx) => {
    await tx.repo(CustomerMapping).insert(result.exact.map((p) => ({
      id: randomUUID(), pax8CompanyId: p.pax8CompanyId, customerId: p.customerId, resourceGroup: null, source: 'generated', createdAt: now, updatedAt: now,
    })));
  });
  return { ...result, linked: result.exact.length };
}
