import { In } from 'typeorm';
import { ChangeNotice, NoticeDelivery } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';

/** The latest `limit` change notices (newest first), each with its e-mail/Teams/Slack deliveries. */
export async function recentChangeNotices(scope: TenantScope, limit: number): Promise<Array<{ notice: ChangeNotice; deliveries: NoticeDelivery[] }>> {
  const rows = await scope.repo(ChangeNotice).find({ order: { occurredAt: 'DESC' }, take: limit });
  const deliveries = rows.length ? await scope.repo(NoticeDelivery).findBy({ noticeId: In(rows.map((r) => r.id)) }) : [];
  return rows.map((notice) => ({ notice, deliveries: deliveries.filter((d) => d.noticeId === notice.id) }));
}
