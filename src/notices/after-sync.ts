import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { logImportChanges } from '../events/log.js';
import { deliverPending } from './deliver.js';
import { detectChanges } from './detect.js';

/**
 * Called after every scheduled subscriptions sync (src/jobs/wiring.ts): logs the sync's changes of quantity
 * and status, detects what changed since the last pass and sends the notices. Idempotent.
 */
export async function afterSubscriptionSync(deps: { ds: DataSource; secrets: SecretBox }, tenantId: string): Promise<void> {
  const tenant = await deps.ds.manager.findOneByOrFail(Tenant, { id: tenantId });
  const scope = new TenantScope(deps.ds.manager, tenant.id);
  await logImportChanges(scope);
  await detectChanges(scope, tenant);
  await deliverPending(deps.ds, deps.secrets, tenant.id);
}
