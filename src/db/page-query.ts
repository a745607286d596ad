import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** One page of a list as the features answer it: rows plus the totals a caller pages by. */
export interface Paged<T> {
  items: T[];
  page: { number: number; size: number; totalElements: number; totalPages: number };
}

/** Which page: `page` (0-based), `size`, `sort` as `field` or `field,asc|desc` (the field already checked by the caller). */
export interface PageRequest {
  page: number;
  size: number;
  sort: string;
}

export function paged<T>(items: T[], page: number, size: number, total: number): Paged<T> {
  return { items, page: { number: page, size, totalElements: total, totalPages: Math.ceil(total / size) } };
}

/** The same page with each item turned into another shape (an API view). */
export function mapPage<T, V>(p: Paged<T>, view: (row: T) => V): Paged<V> {
  return { items: p.items.map(view), page: p.page };
}

export function parseSort(sort: string): { field: string; dir: 'ASC' | 'DESC' } {
  const [field, dir] = sort.split(',');
  return { field: field!, dir: dir === 'desc' ? 'DESC' : 'ASC' };
}

/**
 * Runs a (tenant-scoped) query builder as one page, ordered by `alias.<sort field>` then the row id; `first` is an
 * expression ordered descending before the sort field (e.g. "open requests first").
 */
export async function pageQuery<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, q: PageRequest, first?: string): Promise<Paged<T>> {
  const { field, dir } = parseSort(q.sort);
  if (first) qb.orderBy(first, 'DESC').addOrderBy(`${alias}.${field}`, dir);
  else qb.orderBy(`${alias}.${field}`, dir);
  const [rows, total] = await qb.addOrderBy(`${alias}.id`, 'ASC').skip(q.page * q.size).take(q.size).getManyAndCount();
  return paged(rows, q.page, q.size, total);
}
