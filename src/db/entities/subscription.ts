import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, DecimalColumn, IdColumn, InstantColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export type SubscriptionKind = 'license' | 'usage_summary';

/**
 * A Pax8 subscription, or a usage summary imported as a subscription named "<product> (Usage Summary)".
 * Every change of quantity, status or price is also written to subscription_changes, which billing reads.
 */
@Entity('subscriptions')
export class Subscription extends TenantOwnedEntity {
  @TextColumn(20) kind: SubscriptionKind;
  /** Pax8 subscription id, or the usage summary id for kind usage_summary. */
  @TextColumn(64) pax8Id: string;
  @TextColumn(64, { nullable: true }) pax8CompanyId: string | null;
  @IdColumn({ nullable: true }) customerId: string | null;
  @TextColumn(64, { nullable: true }) pax8ProductId: string | null;
  @IdColumn({ nullable: true }) productId: string | null;
  @TextColumn(255) name: string;
  @TextColumn(120, { nullable: true }) vendorName: string | null;
  @DecimalColumn() quantity: Decimal;
  @TextColumn(40) status: string;
  /** What billing uses: derived from status on import unless an admin set activeOverride. */
  @BoolColumn() active: boolean;
  @BoolColumn({ nullable: true }) activeOverride: boolean | null;
  @TextColumn(40, { nullable: true }) billingTerm: string | null;
  @TextColumn(40, { nullable: true }) commitmentTerm: string | null;
  @DateColumn({ nullable: true }) commitmentEndDate: string | null;
  @DateColumn({ nullable: true }) startDate: string | null;
  @DateColumn({ nullable: true }) endDate: string | null;
  @DecimalColumn({ nullable: true }) price: Decimal | null;
  @DecimalColumn({ nullable: true }) cost: Decimal | null;
  @TextColumn(3, { nullable: true }) currency: string | null;
  @IdColumn({ nullable: true }) usageSummaryId: string | null;
  @BoolColumn() deletedInPax8: boolean;
  @TextColumn(64) contentHash: string;
  @InstantColumn({ nullable: true }) pax8UpdatedAt: Date | null;
  /**
   * A quantity change Pax8 accepted but has not provisioned yet (status PendingAutomated / PendingManual): the
   * requested quantity and Pax8's status. `quantity`, `status` and `active` keep the last provisioned state, which is
   * billed, until the next import or webhook sees Pax8 settle it (see src/subscriptions/pending.ts).
   */
  @DecimalColumn({ nullable: true }) pendingQuantity: Decimal | null;
  @TextColumn(40, { nullable: true }) pendingStatus: string | null;
  @InstantColumn({ nullable: true }) pendingSince: Date | null;
}
