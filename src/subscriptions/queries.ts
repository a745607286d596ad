import { NotFoundError } from '../common/app-error.js';
import { whereContains } from '../common/like.js';
import { Subscription } from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';

export interface SubscriptionView {
  id: string;
  kind: string;
  pax8Id: string;
  pax8CompanyId: string | null;
  customerId: string | null;
  productId: string | null;
  name: string;
  quantity: string;
  status: string;
  active: boolean;
  activeOverride: boolean | null;
  deletedInPax8: boolean;
  billingTerm: string | null;
  commitmentTerm: string | null;
  startDate: string | null;
  endDate: string | null;
  commitmentEndDate: string | null;
  price: string | null;
  cost: string | null;
  currency: string | null;
}

export async function listSubscriptions(scope: TenantScope, filter: { customerId?: string } = {}): Promise<SubscriptionView[]> {
  const rows = await scope.repo(Subscription).find({ where: filter.customerId ? { customerId: filter.customerId } : {}, order: { name: 'ASC', id: 'ASC' } });
  return rows.map((s) => ({
    id: s.id, kind: s.kind, pax8Id: s.pax8Id, pax8CompanyId: s.pax8CompanyId, customerId: s.customerId, productId: s.productId, name: s.name,
    quantity: s.quantity.toFixed(), status: s.status, active: s.active, activeOverride: s.activeOverride, deletedInPax8: s.deletedInPax8,
    billingTerm: s.billingTerm, commitmentTerm: s.commitmentTerm, startDate: s.startDate, endDate: s.endDate, commitmentEndDate: s.commitmentEndDate,
    price: s.price?.toFixed() ?? null, cost: s.cost?.toFixed() ?? null, currency: s.currency,
  }));
}

export interface SubscriptionPageFilter {
  /** Name contains (literally). */
  q?: string;
  customerId?: string;
  status?: string;
  active?: boolean;
  kind?: 'license' | 'usage_summary';
  billingTerm?: string;
  /** A client's own customer: only its subscriptions. */
  onlyCustomerId?: string | null;
}

/** One page of the tenant's subscriptions. */
export function subscriptionPage(scope: TenantScope, filter: SubscriptionPageFilter, page: PageRequest): Promise<Paged<Subscription>> {
  const qb = scope.repo(Subscription).query('s');
  whereContains(qb, 's.name', filter.q);
  if (filter.customerId) qb.andWhere('s.customerId = :cid', { cid: filter.customerId });
  if (filter.status) qb.andWhere('s.status = :st', { st: filter.status });
  if (filter.active !== undefined) qb.andWhere('s.active = :ac', { ac: filter.active });
  if (filter.kind) qb.andWhere('s.kind = :k', { k: filter.kind });
  if (filter.billingTerm) qb.andWhere('s.billingTerm = :bt', { bt: filter.billingTerm });
  if (filter.onlyCustomerId) qb.andWhere('s.customerId = :__own', { __own: filter.onlyCustomerId });
  return pageQuery(qb, 's', page);
}

/** One subscription of the tenant (of the client's own customer when `onlyCustomerId` is given), else not_found. */
export async function loadSubscription(scope: TenantScope, id: string, onlyCustomerId: string | null = null): Promise<Subscription> {
  const s = await scope.repo(Subscription).findOneBy({ id });
  if (!s || (onlyCustomerId && s.customerId !== onlyCustomerId)) throw new NotFoundError('subscription not found');
  return s;
}
