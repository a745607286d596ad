import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, DecimalColumn, IdColumn, InstantColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/**
 * One dated change of a subscription, holding the full state after it. The state on date d is the
 * state after every change dated d (billing-rules.md); `effectiveDate` is a calendar date in the tenant's zone.
 */
@Entity('subscription_changes')
export class SubscriptionChange extends TenantOwnedEntity {
  @IdColumn() subscriptionId: string;
  @DateColumn() effectiveDate: string;
  @InstantColumn() observedAt: Date;
  /** Comma-separated: quantity, status, price, cost, created. */
  @TextColumn(80) fields: string;
  @DecimalColumn() quantity: Decimal;
  @TextColumn(40) status: string;
  @BoolColumn() active: boolean;
  @DecimalColumn({ nullable: true }) price: Decimal | null;
  @DecimalColumn({ nullable: true }) cost: Decimal | null;
  /** 'import', 'manual', 'licensing', 'operation', 'webhook'. */
  @TextColumn(20) source: string;
  @IdColumn({ nullable: true }) importRunId: string | null;
  @TextColumn(255, { nullable: true }) initiatedBy: string | null;
}
