import { Subscription } from '../db/entities/index.js';
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
