import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DecimalColumn, IdColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export const CHANGE_KINDS = ['seats_added', 'seats_removed', 'cancelled', 'plan_upgraded', 'plan_downgraded', 'plan_changed', 'new_subscription'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A detected change of a subscription, as told to the tenant's admins. `dedupeKey` is unique per tenant. */
@Entity('change_notices')
export class ChangeNotice extends TenantOwnedEntity {
  @TextColumn(30) kind: ChangeKind;
  @TextColumn(120) dedupeKey: string;
  @IdColumn({ nullable: true }) customerId: string | null;
  @TextColumn(255) customerName: string;
  @IdColumn() subscriptionId: string;
  /** For plan changes by replacement: the subscription that was replaced. */
  @IdColumn({ nullable: true }) previousSubscriptionId: string | null;
  @TextColumn(255) productName: string;
  @DecimalColumn({ nullable: true }) quantityBefore: Decimal | null;
  @DecimalColumn({ nullable: true }) quantityAfter: Decimal | null;
  /** 'import', 'webhook', 'operation', 'licensing' … (the source of the change row that revealed it). */
  @TextColumn(20) source: string;
  @TextColumn(1000) subject: string;
  @TextColumn(2000) message: string;
  /** What it does to the next invoice, in words. */
  @TextColumn(2000) invoiceEffect: string;
  @JsonTextColumn({ nullable: true }) detail: string | null;
  @InstantColumn() occurredAt: Date;
}

export type NoticeChannel = 'email' | 'teams' | 'slack';

/** Outbox: one delivery of a notice on one channel; sent by the notice worker, retried a few times. */
@Entity('notice_deliveries')
export class NoticeDelivery extends TenantOwnedEntity {
  @IdColumn() noticeId: string;
  @TextColumn(10) channel: NoticeChannel;
  @TextColumn(10) status: 'pending' | 'sent' | 'failed';
  @IntColumn() attempts: number;
  @InstantColumn({ nullable: true }) sentAt: Date | null;
  @TextColumn(1000, { nullable: true }) lastError: string | null;
}

/** The state a subscription was last seen in by change detection (what "before" means). */
@Entity('subscription_watch')
export class SubscriptionWatch extends TenantOwnedEntity {
  @IdColumn() subscriptionId: string;
  @TextColumn(64, { nullable: true }) productId: string | null;
  @TextColumn(255) productName: string;
  @DecimalColumn() quantity: Decimal;
  @TextColumn(40) status: string;
  @BoolColumn() active: boolean;
  @DecimalColumn({ nullable: true }) price: Decimal | null;
}

/** Per-tenant notice channel secrets: the SMTP password, sealed with the SecretBox. Never returned. */
@Entity('notice_secrets')
export class NoticeSecret extends TenantOwnedEntity {
  @JsonTextColumn({ nullable: true }) smtpPasswordSealed: string | null;
}
