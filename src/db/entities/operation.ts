import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { DecimalColumn, IdColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export const OPERATION_TYPES = ['purchase', 'decrease', 'transfer'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/**
 * applied: every side reached Pax8 and was recorded. failed: Pax8 refused the (first) change, nothing changed, or did
 * not provision a change it had accepted. provisioning: Pax8 accepted a side but answered it pending (PendingAutomated /
 * PendingManual): billing keeps the last provisioned quantity until a subscriptions sync or webhook sees Pax8 settle it
 * (src/operations/settle.ts: then applied or failed).
 * reverted: a transfer's second side failed and its first side was pushed back (compensation).
 * revert_failed: the compensation failed too — an admin must look (the notice says so).
 */
export type OperationStatus = 'applied' | 'provisioning' | 'failed' | 'reverted' | 'revert_failed';

/** One licence operation by an admin (purchase, decrease, transfer), with its preview and outcome. */
@Entity('licence_operations')
export class LicenceOperation extends TenantOwnedEntity {
  @TextColumn(20) type: OperationType;
  @TextColumn(20) status: OperationStatus;
  /** Decrease / transfer: the subscription licences leave; purchase: null. */
  @IdColumn({ nullable: true }) sourceSubscriptionId: string | null;
  /** Purchase / transfer: the subscription licences go to; decrease: null. */
  @IdColumn({ nullable: true }) targetSubscriptionId: string | null;
  @IdColumn({ nullable: true }) sourceCustomerId: string | null;
  @IdColumn({ nullable: true }) targetCustomerId: string | null;
  /** Licences added, removed or moved (always > 0). */
  @DecimalColumn() licenceCount: Decimal;
  @DecimalColumn({ nullable: true }) sourceBefore: Decimal | null;
  @DecimalColumn({ nullable: true }) sourceAfter: Decimal | null;
  @DecimalColumn({ nullable: true }) targetBefore: Decimal | null;
  @DecimalColumn({ nullable: true }) targetAfter: Decimal | null;
  /** The preview shown before the operation was completed (JSON). */
  @JsonTextColumn() previewJson: string;
  /** Comma-separated subscription_changes ids written by the operation (including a compensation). */
  @TextColumn(400) changeIds: string;
  @TextColumn(2000, { nullable: true }) failureReason: string | null;
  @TextColumn(255) initiatedBy: string;
  @InstantColumn() at: Date;
}

/** Licences in use on a subscription (assigned users or devices), set by admins or the API. */
@Entity('licences_in_use')
export class LicencesInUse extends TenantOwnedEntity {
  @IdColumn() subscriptionId: string;
  @DecimalColumn() inUse: Decimal;
  @TextColumn(255, { nullable: true }) note: string | null;
  @TextColumn(255) updatedBy: string;
}
