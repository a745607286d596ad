import { NotFoundError } from '../common/app-error.js';
import { whereContains } from '../common/like.js';
import { Product } from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';

/** One page of the products the catalog import keeps. */
export function productPage(scope: TenantScope, filter: { q?: string; vendorName?: string }, page: PageRequest): Promise<Paged<Product>> {
  const qb = scope.repo(Product).query('p');
  whereContains(qb, ['p.name', 'p.sku'], filter.q);
  if (filter.vendorName) qb.andWhere('p.vendorName = :v', { v: filter.vendorName });
  return pageQuery(qb, 'p', page);
}

export async function loadProduct(scope: TenantScope, id: string): Promise<Product> {
  const p = await scope.repo(Product).findOneBy({ id });
  if (!p) throw new NotFoundError('product not found');
  return p;
}
