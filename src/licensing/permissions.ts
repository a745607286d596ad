import type { Role } from '../db/entities/index.js';

/**
 * Licensing permissions as roles. manage_licensing: configure approval, catalog and self-service,
 * approve/reject requests, sync. write_licensing: request quantity changes on allowed subscriptions
 * of one's own company (client users are bound to one tenant and one customer).
 */
export const LICENSING_PERMISSIONS = {
  manage_licensing: ['admin'],
  write_licensing: ['client'],
} as const satisfies Record<string, readonly Role[]>;

export type LicensingPermission = keyof typeof LICENSING_PERMISSIONS;

export function hasLicensingPermission(role: Role, permission: LicensingPermission): boolean {
  return (LICENSING_PERMISSIONS[permission] as readonly Role[]).includes(role);
}
