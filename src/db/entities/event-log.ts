import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { DecimalColumn, IdColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/**
 * One line of the licence event log: operations, approvals, import changes of quantity or status,
 * and notices. `refKind` + `refId` name what it records; (tenantId, refKind, refId) is unique, so
 * recording the same thing twice (a replayed webhook, a second detection pass) keeps one line.
 */
@Entity('event_log')
export class EventLogEntry extends TenantOwnedEntity {
  @InstantColumn() occurredAt: Date;
  /** e.g. purchase, decrease, transfer, transfer_reverted, approval_approved, import_quantity, notice_seats_added. */
  @TextColumn(40) type: string;
  /** Where licences came from / what started it (customer and subscription, 'Pax8', 'import'). */
  @TextColumn(255) source: string;
  /** What the event applied to (customer and subscription). */
  @TextColumn(255) target: string;
  @DecimalColumn({ nullable: true }) licenceCount: Decimal | null;
  @TextColumn(255) initiatedBy: string;
  @IdColumn({ nullable: true }) subscriptionId: string | null;
  @IdColumn({ nullable: true }) customerId: string | null;
  @TextColumn(30) refKind: string;
  @TextColumn(80) refId: string;
  @JsonTextColumn({ nullable: true }) detail: string | null;
}

/** Per tenant: subscription_changes created up to this instant have been written to the event log. */
@Entity('event_log_cursors')
export class EventLogCursor extends TenantOwnedEntity {
  @InstantColumn() changesSeenUntil: Date;
}
