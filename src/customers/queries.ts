import { whereContains } from '../common/like.js';
import { Customer } from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';

export interface CustomerPageFilter {
  /** Name contains (literally). */
  q?: string;
  /** Only these customers. */
  ids?: string[];
  active?: boolean;
  /** A client's own customer: only it. */
  onlyCustomerId?: string | null;
}

/** One page of the tenant's customers. */
export function customerPage(scope: TenantScope, filter: CustomerPageFilter, page: PageRequest): Promise<Paged<Customer>> {
  const qb = scope.repo(Customer).query('c');
  whereContains(qb, 'c.name', filter.q);
  if (filter.ids !== undefined) qb.andWhere('c.id IN (:...ids)', { ids: filter.ids });
  if (filter.active !== undefined) qb.andWhere('c.active = :active', { active: filter.active });
  if (filter.onlyCustomerId) qb.andWhere('c.id = :__own', { __own: filter.onlyCustomerId });
  return pageQuery(qb, 'c', page);
}
