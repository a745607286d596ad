import { Entity } from 'typeorm';
import { IdColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export type BillingContactKind = 'to' | 'cc';

/** Who receives a customer's invoices by e-mail (issue 27). */
@Entity('customer_billing_contacts')
export class CustomerBillingContact extends TenantOwnedEntity {
  @IdColumn() customerId: string;
  @TextColumn(254) email: string;
  @TextColumn(255, { nullable: true }) name: string | null;
  @TextColumn(2) kind: BillingContactKind;
}

export const INVOICE_DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type InvoiceDeliveryStatus = (typeof INVOICE_DELIVERY_STATUSES)[number];

/** One sending of an issued invoice by e-mail: queued, claimed by one worker (sending), then sent or failed. */
@Entity('invoice_deliveries')
export class InvoiceDelivery extends TenantOwnedEntity {
  @IdColumn() invoiceId: string;
  /** 1 for the first sending of the invoice, 2 for the first resend, …; unique with the invoice. */
  @IntColumn() sequence: number;
  @TextColumn(20) status: InvoiceDeliveryStatus;
  /** JSON arrays of e-mail addresses, fixed when queued. */
  @JsonTextColumn() toJson: string;
  @JsonTextColumn() ccJson: string;
  @IntColumn() attempts: number;
  @JsonTextColumn({ nullable: true }) lastError: string | null;
  /** The Message-ID header sent (derived from the delivery id, so a receiving server can tell a duplicate). */
  @TextColumn(255, { nullable: true }) messageId: string | null;
  @TextColumn(255) queuedBy: string;
  /** When a failed attempt may be tried again (null: now). */
  @InstantColumn({ nullable: true }) nextAttemptAt: Date | null;
  @InstantColumn({ nullable: true }) claimedAt: Date | null;
  @InstantColumn({ nullable: true }) sentAt: Date | null;
}
