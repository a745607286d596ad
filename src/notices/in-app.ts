import { IsNull } from 'typeorm';
import { LicensingNotice } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';

/**
 * A user's own in-app notices as an admin (change notices and leakage notices: `userId` = the user, `customerId` null).
 * Client notices (customerId set) are the licensing pages' business. Everything runs in the tenant's scope, so another
 * tenant's notice, or another user's, is not found.
 */
const mine = (userId: string) => ({ userId, customerId: IsNull() });

export async function listMyNotices(scope: TenantScope, userId: string, opts: { unread?: boolean; limit?: number } = {}): Promise<LicensingNotice[]> {
  const rows = await scope.repo(LicensingNotice).find({ where: { ...mine(userId), ...(opts.unread ? { readAt: IsNull() } : {}) }, order: { createdAt: 'DESC', id: 'ASC' }, take: opts.limit ?? 200 });
  return opts.unread === false ? rows.filter((n) => n.readAt !== null) : rows;
}

/** Marks one of the user's notices read (already read: unchanged). Returns false when it is not the user's notice. */
export async function markMyNoticeRead(scope: TenantScope, userId: string, noticeId: string, now = new Date()): Promise<boolean> {
  const n = await scope.repo(LicensingNotice).findOneBy({ id: noticeId, ...mine(userId) });
  if (!n) return false;
  if (!n.readAt) await scope.repo(LicensingNotice).update({ id: n.id, readAt: IsNull() }, { readAt: now, updatedAt: now });
  return true;
}

/** Marks every unread notice of the user read; returns how many. */
export async function markAllMyNoticesRead(scope: TenantScope, userId: string, now = new Date()): Promise<number> {
  return scope.repo(LicensingNotice).update({ ...mine(userId), readAt: IsNull() }, { readAt: now, updatedAt: now });
}
