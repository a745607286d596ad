import { Entity } from 'typeorm';
import { BoolColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/**
 * Recurra's Pax8 webhook endpoint for one tenant: the secret Pax8 sends back as the Authorization header (sealed,
 * the only credential), and the id Pax8 gave the webhook.
 */
@Entity('webhook_endpoints')
export class WebhookEndpoint extends TenantOwnedEntity {
  /** The registration's reference (in the webhook's display name); before issue 22, the URL's query token. Unique across tenants. */
  @TextColumn(64) token: string;
  @JsonTextColumn() authorizationSealed: string;
  @TextColumn(64, { nullable: true }) pax8WebhookId: string | null;
  /** Pax8 account id seen on the first verified delivery (later ones must match). */
  @TextColumn(64, { nullable: true }) pax8AccountId: string | null;
  @TextColumn(500) topics: string;
  @BoolColumn() active: boolean;
}

export type WebhookDeliveryStatus = 'queued' | 'processing' | 'done' | 'failed' | 'duplicate';

/** A received webhook delivery, queued for processing. `dedupeKey` is unique per tenant. */
@Entity('webhook_deliveries')
export class WebhookDelivery extends TenantOwnedEntity {
  @TextColumn(64) dedupeKey: string;
  @TextColumn(120) topic: string;
  @TextColumn(64, { nullable: true }) pax8SubscriptionId: string | null;
  @TextColumn(64, { nullable: true }) pax8CompanyId: string | null;
  @InstantColumn({ nullable: true }) sentAt: Date | null;
  @InstantColumn() receivedAt: Date;
  @TextColumn(20) status: WebhookDeliveryStatus;
  @IntColumn() attempts: number;
  @InstantColumn({ nullable: true }) processedAt: Date | null;
  @TextColumn(2000, { nullable: true }) error: string | null;
  @JsonTextColumn() payload: string;
}
