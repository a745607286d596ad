import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DecimalColumn, IdColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/** One row per tenant: approval settings and self-service defaults (Settings > Licensing). */
@Entity('licensing_settings')
export class LicensingSettings extends TenantOwnedEntity {
  @BoolColumn() requireApprovalByDefault: boolean;
  /** Percent; a change of at most this share of the current quantity auto-approves (see docs/features/licensing.md). */
  @DecimalColumn() autoApproveThresholdPercent: Decimal;
  /** JSON array of vendor names whose changes always need approval. */
  @JsonTextColumn() alwaysApproveVendorsJson: string;
  @BoolColumn() allowSelfServiceByDefault: boolean;
  @DecimalColumn({ nullable: true }) defaultMinQuantity: Decimal | null;
  @DecimalColumn({ nullable: true }) defaultMaxQuantity: Decimal | null;
}

/** Per-subscription self-service override; null fields inherit the tenant defaults. */
@Entity('licensing_subscription_rules')
export class LicensingSubscriptionRule extends TenantOwnedEntity {
  @IdColumn() subscriptionId: string;
  @BoolColumn({ nullable: true }) allowQuantityChanges: boolean | null;
  @BoolColumn() alwaysRequireApproval: boolean;
  @DecimalColumn({ nullable: true }) minQuantity: Decimal | null;
  @DecimalColumn({ nullable: true }) maxQuantity: Decimal | null;
}

export const CHANGE_REQUEST_STATUSES = ['pending', 'approved', 'provisioning', 'applied', 'rejected', 'failed'] as const;
export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

/**
 * A client's request for a new quantity. pending → approved (being sent to Pax8) → applied | failed;
 * pending → rejected. Auto-approved requests go straight to approved → applied | failed. When Pax8 answers
 * the change pending (PendingAutomated/PendingManual) it waits as 'provisioning' until an import or webhook
 * sync sees Pax8 settle it (src/licensing/settle.ts) → applied | failed.
 */
@Entity('licensing_change_requests')
export class LicensingChangeRequest extends TenantOwnedEntity {
  @IdColumn() subscriptionId: string;
  @IdColumn() customerId: string;
  /** Snapshots at request time, so the queue reads well even after a resync renames things. */
  @TextColumn(255) productName: string;
  @TextColumn(120, { nullable: true }) vendorName: string | null;
  @DecimalColumn() currentQuantity: Decimal;
  @DecimalColumn() requestedQuantity: Decimal;
  @TextColumn(20) status: ChangeRequestStatus;
  /** 'auto' or 'manual' once decided. */
  @TextColumn(10, { nullable: true }) decision: string | null;
  /** Comma-separated approval reasons (src/licensing/policy.ts ApprovalReason); empty when auto-approved. */
  @TextColumn(255) approvalReasons: string;
  @TextColumn(40, { nullable: true }) changePercent: string | null;
  @IdColumn({ nullable: true }) requestedBy: string | null;
  @InstantColumn() requestedAt: Date;
  @IdColumn({ nullable: true }) decidedBy: string | null;
  @InstantColumn({ nullable: true }) decidedAt: Date | null;
  @TextColumn(1000, { nullable: true }) rejectionReason: string | null;
  @TextColumn(2000, { nullable: true }) failureReason: string | null;
  /** Pax8's answer (the updated subscription, or its error) as JSON. */
  @JsonTextColumn({ nullable: true }) pax8Response: string | null;
  @InstantColumn({ nullable: true }) appliedAt: Date | null;
  @IdColumn({ nullable: true }) subscriptionChangeId: string | null;
}

/** An in-app notice for one user or for every user of one customer. */
@Entity('licensing_notices')
export class LicensingNotice extends TenantOwnedEntity {
  @IdColumn({ nullable: true }) userId: string | null;
  @IdColumn({ nullable: true }) customerId: string | null;
  @IdColumn({ nullable: true }) requestId: string | null;
  /** 'request_applied', 'request_rejected', 'request_failed', 'request_pending'. */
  @TextColumn(40) kind: string;
  @TextColumn(1000) message: string;
  @InstantColumn({ nullable: true }) readAt: Date | null;
}
