import type { EntityManager } from 'typeorm';
import { CustomerMapping } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';

/**
 * The customers a "sync now" names that it cannot import (not the tenant's, or not mapped to a Pax8 company), as
 * a message, or null when every one can be imported: checked when the sync is asked for, not when its job runs.
 */
export async function unsyncableCustomers(em: EntityManager, tenantId: string, customerIds: readonly string[]): Promise<string | null> {
  if (customerIds.length === 0) return null;
  const mapped = await new TenantScope(em, tenantId).repo(CustomerMapping).query('m')
    .select(['m.customerId']).andWhere('m.customerId IN (:...ids)', { ids: [...new Set(customerIds)] }).getMany();
  const missing = customerIds.filter((id) => !mapped.some((m) => m.customerId === id));
  return missing.length > 0 ? `no customer of this tenant mapped to a Pax8 company: ${missing.join(', ')}` : null;
}
