import { NotFoundError } from '../common/app-error.js';
import { whereContains } from '../common/like.js';
import { Customer, UsageLine, UsageMonthlyCharge, UsageSummary } from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';

export interface UsageSummaryFilter {
  customerId?: string;
  /** Only summaries without (true) or with (false) a customer. */
  unmapped?: boolean;
  /** Only summaries whose lines do (true) or do not (false) add up. */
  mismatch?: boolean;
  /** Resource group, vendor or customer name contains (literally). */
  q?: string;
  /** A client's own customer: only its summaries. */
  onlyCustomerId?: string | null;
}

/** One page of the imported usage summaries. */
export function usageSummaryPage(scope: TenantScope, filter: UsageSummaryFilter, page: PageRequest): Promise<Paged<UsageSummary>> {
  const qb = scope.repo(UsageSummary).query('u');
  if (filter.q) qb.leftJoin(Customer, 'c', 'c.tenantId = u.tenantId AND c.id = u.customerId');
  whereContains(qb, ['u.resourceGroup', 'u.vendorName', 'c.name'], filter.q);
  if (filter.customerId) qb.andWhere('u.customerId = :cid', { cid: filter.customerId });
  if (filter.unmapped === true) qb.andWhere('u.customerId IS NULL');
  if (filter.unmapped === false) qb.andWhere('u.customerId IS NOT NULL');
  if (filter.mismatch !== undefined) qb.andWhere('u.linesMismatch = :mm', { mm: filter.mismatch });
  if (filter.onlyCustomerId) qb.andWhere('u.customerId = :__own', { __own: filter.onlyCustomerId });
  return pageQuery(qb, 'u', page);
}

/** One usage summary of the tenant (of the client's own customer when `onlyCustomerId` is given), else not_found. */
export async function loadUsageSummary(scope: TenantScope, id: string, onlyCustomerId: string | null = null): Promise<UsageSummary> {
  const u = await scope.repo(UsageSummary).findOneBy({ id });
  if (!u || (onlyCustomerId && u.customerId !== onlyCustomerId)) throw new NotFoundError('usage summary not found');
  return u;
}

/** A summary's charges month by month (oldest first). */
export function usageSummaryMonths(scope: TenantScope, summary: UsageSummary): Promise<UsageMonthlyCharge[]> {
  return scope.repo(UsageMonthlyCharge).find({ where: { usageSummaryId: summary.id }, order: { month: 'ASC' } });
}

/** One page of a summary's lines by day and product; `month` YYYY-MM, `productId` the Pax8 product id. */
export function usageLinePage(
  scope: TenantScope, summary: UsageSummary, filter: { month?: string; productId?: string }, page: PageRequest,
): Promise<Paged<UsageLine>> {
  const qb = scope.repo(UsageLine).query('l').andWhere('l.usageSummaryId = :sid', { sid: summary.id });
  if (filter.month) qb.andWhere('l.usageDate LIKE :m', { m: `${filter.month}-%` });
  if (filter.productId) qb.andWhere('l.pax8ProductId = :p', { p: filter.productId });
  return pageQuery(qb, 'l', page);
}
