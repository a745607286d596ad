import { NotFoundError } from '../common/app-error.js';
import { whereContains } from '../common/like.js';
import {
  Customer, LicensingChangeRequest, LicensingNotice, LicensingSubscriptionRule, Product, Subscription, type ChangeRequestStatus,
} from '../db/entities/index.js';
import { pageQuery, type PageRequest, type Paged } from '../db/page-query.js';
import type { TenantScope } from '../db/tenant-scope.js';

/** The reads behind the licensing lists (catalog, licensable subscriptions, requests, client notices); tenant-scoped. */

// --- catalog ----------------------------------------------------------------------------------

export interface CatalogFilter {
  /** Product name, vendor, category or SKU contains (literally). */
  q?: string;
  vendor?: string;
  category?: string;
  visible?: boolean;
  featured?: boolean;
}

/** One page of the Pax8 catalog (every product the product sync read) with its catalog flags. */
export function catalogPage(scope: TenantScope, filter: CatalogFilter, page: PageRequest): Promise<Paged<Product>> {
  const qb = scope.repo(Product).query('p');
  whereContains(qb, ['p.name', 'p.vendorName', 'p.category', 'p.sku'], filter.q);
  if (filter.vendor) qb.andWhere('p.vendorName = :v', { v: filter.vendor });
  if (filter.category) qb.andWhere('p.category = :c', { c: filter.category });
  if (filter.visible !== undefined) qb.andWhere('p.visible = :vis', { vis: filter.visible });
  if (filter.featured !== undefined) qb.andWhere('p.featured = :f', { f: filter.featured });
  return pageQuery(qb, 'p', page);
}

/** The catalog shown to clients: visible products only, featured first; q matches name, vendor or category. */
export function clientCatalogPage(scope: TenantScope, filter: { q?: string; vendor?: string; category?: string }, page: PageRequest): Promise<Paged<Product>> {
  const qb = scope.repo(Product).query('p').andWhere('p.visible = :v', { v: true });
  whereContains(qb, ['p.name', 'p.vendorName', 'p.category'], filter.q);
  if (filter.vendor) qb.andWhere('p.vendorName = :vn', { vn: filter.vendor });
  if (filter.category) qb.andWhere('p.category = :c', { c: filter.category });
  return pageQuery(qb, 'p', page, 'p.featured');
}

/** Vendors and categories of the catalog, sorted, for its filters. */
export async function catalogFacets(scope: TenantScope): Promise<{ vendors: string[]; categories: string[] }> {
  const distinct = async (col: 'vendorName' | 'category') => (await scope.repo(Product).query('p').select(`DISTINCT p.${col}`, 'v')
    .andWhere(`p.${col} IS NOT NULL`).getRawMany<{ v: string }>()).map((r) => r.v).sort((a, b) => a.localeCompare(b));
  return { vendors: await distinct('vendorName'), categories: await distinct('category') };
}

// --- licensable subscriptions -------------------------------------------------------------------

/** A licence subscription of a mapped company with its customer and its own self-service rule (if any). */
export type LicensableSubscription = Subscription & { customer?: Customer; rule?: LicensingSubscriptionRule };

function licensableQuery(scope: TenantScope) {
  return scope.repo(Subscription).query('s')
    .leftJoinAndMapOne('s.customer', Customer, 'c', 'c.tenantId = s.tenantId AND c.id = s.customerId')
    .leftJoinAndMapOne('s.rule', LicensingSubscriptionRule, 'r', 'r.tenantId = s.tenantId AND r.subscriptionId = s.id')
    .andWhere("s.kind = 'license'").andWhere('s.customerId IS NOT NULL').andWhere('s.deletedInPax8 = :del', { del: false });
}

export interface LicensableFilter {
  /** Product, vendor or company name contains (literally). */
  q?: string;
  customerId?: string;
  /** Only subscriptions with (true) or without (false) a rule of their own. */
  overridden?: boolean;
}

export function licensableSubscriptionPage(scope: TenantScope, filter: LicensableFilter, page: PageRequest): Promise<Paged<LicensableSubscription>> {
  const qb = licensableQuery(scope);
  whereContains(qb, ['s.name', 's.vendorName', 'c.name'], filter.q);
  if (filter.customerId) qb.andWhere('s.customerId = :cid', { cid: filter.customerId });
  if (filter.overridden === true) qb.andWhere('r.id IS NOT NULL');
  if (filter.overridden === false) qb.andWhere('r.id IS NULL');
  return pageQuery<LicensableSubscription>(qb, 's', page);
}

/** One licensable subscription, else not_found. */
export async function loadLicensableSubscription(scope: TenantScope, id: string): Promise<LicensableSubscription> {
  const row: LicensableSubscription | null = await licensableQuery(scope).andWhere('s.id = :id', { id }).getOne();
  if (!row) throw new NotFoundError('subscription not found');
  return row;
}

const OPEN_STATUSES: ChangeRequestStatus[] = ['pending', 'approved', 'provisioning'];

/**
 * One page of a client's own active licensable subscriptions (q: product or vendor contains), each with its open
 * change request (pending, approved or provisioning), if any.
 */
export async function clientSubscriptionPage(
  scope: TenantScope, customerId: string, filter: { q?: string }, page: PageRequest,
): Promise<Paged<{ subscription: LicensableSubscription; openRequest: LicensingChangeRequest | null }>> {
  const qb = licensableQuery(scope).andWhere('s.customerId = :own', { own: customerId }).andWhere('s.active = :act', { act: true });
  whereContains(qb, ['s.name', 's.vendorName'], filter.q);
  const subs = await pageQuery<LicensableSubscription>(qb, 's', page);
  const open = subs.items.length
    ? await scope.repo(LicensingChangeRequest).query('q').andWhere('q.customerId = :own', { own: customerId })
      .andWhere('q.status IN (:...st)', { st: OPEN_STATUSES }).andWhere('q.subscriptionId IN (:...ids)', { ids: subs.items.map((s) => s.id) }).getMany()
    : [];
  const openBySubscription = new Map<string, LicensingChangeRequest>();
  for (const r of open) if (!openBySubscription.has(r.subscriptionId)) openBySubscription.set(r.subscriptionId, r);
  return { ...subs, items: subs.items.map((s) => ({ subscription: s, openRequest: openBySubscription.get(s.id) ?? null })) };
}

// --- change requests and client notices ---------------------------------------------------------

/** A change request with its customer. */
export type RequestWithCustomer = LicensingChangeRequest & { customer?: Customer };

function requestsQuery(scope: TenantScope) {
  return scope.repo(LicensingChangeRequest).query('q').leftJoinAndMapOne('q.customer', Customer, 'c', 'c.tenantId = q.tenantId AND c.id = q.customerId');
}

/** One page of change requests (status pending: the approvals queue); `onlyCustomerId`: a client's own. */
export function requestPage(
  scope: TenantScope, filter: { status?: ChangeRequestStatus; customerId?: string; onlyCustomerId?: string | null }, page: PageRequest,
): Promise<Paged<RequestWithCustomer>> {
  const qb = requestsQuery(scope);
  if (filter.onlyCustomerId) qb.andWhere('q.customerId = :own', { own: filter.onlyCustomerId });
  if (filter.status) qb.andWhere('q.status = :st', { st: filter.status });
  if (filter.customerId) qb.andWhere('q.customerId = :cid', { cid: filter.customerId });
  return pageQuery<RequestWithCustomer>(qb, 'q', page);
}

/** One change request (a client's own when `onlyCustomerId` is given), else not_found. */
export async function loadRequest(scope: TenantScope, id: string, onlyCustomerId: string | null = null): Promise<RequestWithCustomer> {
  const qb = requestsQuery(scope).andWhere('q.id = :id', { id });
  if (onlyCustomerId) qb.andWhere('q.customerId = :own', { own: onlyCustomerId });
  const r: RequestWithCustomer | null = await qb.getOne();
  if (!r) throw new NotFoundError('request not found');
  return r;
}

/** One page of a client's licensing notices; `unread` true/false: only unread/read ones. */
export function clientNoticePage(scope: TenantScope, customerId: string, filter: { unread?: boolean }, page: PageRequest): Promise<Paged<LicensingNotice>> {
  const qb = scope.repo(LicensingNotice).query('n').andWhere('n.customerId = :own', { own: customerId });
  if (filter.unread === true) qb.andWhere('n.readAt IS NULL');
  if (filter.unread === false) qb.andWhere('n.readAt IS NOT NULL');
  return pageQuery(qb, 'n', page);
}
