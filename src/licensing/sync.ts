import type { EntityManager } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { Tenant } from '../db/entities/index.js';
import type { SyncEntity } from '../tenants/settings.js';
import { auditLicensing } from './audit.js';

/** The entities the licensing page's "sync now" imports: companies, products and (mapped companies') subscriptions. */
export const LICENSING_SYNC_ENTITIES: SyncEntity[] = ['customers', 'products', 'subscriptions'];

/** A tenant without Pax8 credentials cannot sync (a conflict, `pax8_not_configured`). */
export class LicensingSyncError extends AppError {
  override name = 'LicensingSyncError';
  constructor(message: string) {
    super('conflict', message, { code: 'pax8_not_configured' });
  }
}

/**
 * The licensing page's "sync now": checks the tenant has Pax8 credentials, queues the syncs through `queue` (the
 * scheduler's guarded sync now, which the caller passes in) and audits who asked, with the queued jobs.
 */
export async function queueLicensingSync<J>(
  manager: EntityManager, tenant: Tenant, user: { id: string }, queue: (entities: SyncEntity[]) => Promise<J>, now: Date,
): Promise<J> {
  if (!tenant.pax8ClientId || !tenant.pax8ClientSecretSealed) {
    throw new LicensingSyncError(`tenant "${tenant.name}" has no Pax8 credentials; set them up first`);
  }
  const jobs = await queue(LICENSING_SYNC_ENTITIES);
  await auditLicensing(manager, { tenantId: tenant.id, userId: user.id, action: 'licensing.sync', before: null, after: { jobs } }, now);
  return jobs;
}
