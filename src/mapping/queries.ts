import { whereContains } from '../common/like.js';
import { CustomerMapping, Pax8Company } from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';

export type CompanyWithMapping = Pax8Company & { mapping?: CustomerMapping };

/** One page of the imported Pax8 companies, each with its mapping (if any). */
export function pax8CompanyPage(scope: TenantScope, filter: { q?: string; mapped?: boolean }, page: PageRequest): Promise<Paged<CompanyWithMapping>> {
  const qb = scope.repo(Pax8Company).query('p')
    .leftJoinAndMapOne('p.mapping', CustomerMapping, 'm', 'm.tenantId = p.tenantId AND m.pax8CompanyId = p.pax8Id');
  whereContains(qb, 'p.name', filter.q);
  if (filter.mapped === true) qb.andWhere('m.id IS NOT NULL');
  if (filter.mapped === false) qb.andWhere('m.id IS NULL');
  return pageQuery<CompanyWithMapping>(qb, 'p', page);
}

/** One page of the company-to-customer mappings. */
export function mappingPage(scope: TenantScope, filter: { customerId?: string; source?: string }, page: PageRequest): Promise<Paged<CustomerMapping>> {
  const qb = scope.repo(CustomerMapping).query('m');
  if (filter.customerId) qb.andWhere('m.customerId = :cid', { cid: filter.customerId });
  if (filter.source) qb.andWhere('m.source = :src', { src: filter.source });
  return pageQuery(qb, 'm', page);
}
