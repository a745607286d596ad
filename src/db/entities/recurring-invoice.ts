import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, DecimalColumn, IdColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export type RecurringFrequency = 'monthly' | 'quarterly' | 'annual';
export type RecurringInvoiceStatus = 'active' | 'paused' | 'ended';
export type RecurringLineTiming = 'advance' | 'arrears' | 'usage';
export type RecurringLinePriceMode = 'own' | 'follow';
export type RecurringLineCostMode = 'own' | 'follow';
export type RecurringLineProrata = 'none' | 'from_change_date' | 'increases_only';

/** A customer's recurring invoice: a schedule (frequency, anchor day, start date), currency and tax rate. */
@Entity('recurring_invoices')
export class RecurringInvoice extends TenantOwnedEntity {
  @IdColumn() customerId: string;
  @TextColumn(255) name: string;
  @TextColumn(20) frequency: RecurringFrequency;
  /** 1–31; in a shorter month the period starts on the month's last day. */
  @IntColumn() anchorDay: number;
  /** Month (1–12) in which one period starts (quarterly/annual); the start date's month. */
  @IntColumn() anchorMonth: number;
  /** First invoice date (a period start). */
  @DateColumn() startDate: string;
  @TextColumn(3) currency: string;
  @DecimalColumn() taxRate: Decimal;
  @TextColumn(20) status: RecurringInvoiceStatus;
  /** The next period start to invoice; advanced in the same transaction that creates the invoice. */
  @DateColumn() nextInvoiceDate: string;
  /**
   * Grows with every change to what its next invoice is composed from (its own columns but nextInvoiceDate and status,
   * its lines, links, the linked subscriptions' currencies and histories, its usage charges). Kept by database
   * triggers (migration 1764200000000-input-versions), never written by the application.
   */
  @IntColumn({ insert: false, update: false }) inputsVersion: number;
  /**
   * The inputsVersion at which the daily pass last processed it without problems (NULL: not yet, or its status changed
   * since: a trigger forgets it), and the first later date its history changes on (migration 1764309950000). Written by
   * the daily pass only; a day that changes neither is skipped without reading its inputs.
   */
  @IntColumn({ nullable: true, insert: false }) dailyCheckedVersion: number | null;
  @DateColumn({ nullable: true, insert: false }) dailyWakeDate: string | null;
}

/** One line of a recurring invoice; its quantity comes from its links (or 1 for usage lines). */
@Entity('recurring_invoice_lines')
export class RecurringInvoiceLine extends TenantOwnedEntity {
  @IdColumn() recurringInvoiceId: string;
  @IntColumn() position: number;
  @TextColumn(255) description: string;
  @IdColumn({ nullable: true }) productId: string | null;
  @TextColumn(20) timing: RecurringLineTiming;
  /** 'own': unitPrice; 'follow': the primary (first-linked) subscription's price as of the period start. */
  @TextColumn(10) priceMode: RecurringLinePriceMode;
  @DecimalColumn({ nullable: true }) unitPrice: Decimal | null;
  /** 'follow': the unit cost is the primary subscription's Pax8 cost as of each period start; 'own': `cost` (migration 1764301110000). */
  @TextColumn(10, { default: 'own' }) costMode: RecurringLineCostMode;
  /** The own unit cost (null: not known); kept as copied from the subscription when the line follows. */
  @DecimalColumn({ nullable: true }) cost: Decimal | null;
  @TextColumn(20) prorata: RecurringLineProrata;
  /** A user asked to review this line before each invoice is issued. */
  @BoolColumn() reviewRequired: boolean;
  /** Usage lines: the usage summary whose monthly charges they bill. */
  @IdColumn({ nullable: true }) usageSummaryId: string | null;
  /** Q as of quantityDate, maintained by the daily pass. */
  @DecimalColumn() currentQuantity: Decimal;
  @DateColumn({ nullable: true }) quantityDate: string | null;
}

/** A subscription linked to a line, with its free and minimum quantity. */
@Entity('recurring_invoice_links')
export class RecurringInvoiceLink extends TenantOwnedEntity {
  @IdColumn() recurringInvoiceId: string;
  @IdColumn() lineId: string;
  @IdColumn() subscriptionId: string;
  /** 0 is the primary subscription (whose price a following line bills). */
  @IntColumn() position: number;
  @DecimalColumn() freeQuantity: Decimal;
  @DecimalColumn() minimumQuantity: Decimal;
}

/** A recorded change of a line's quantity Q on a date (the daily pass writes one per line and day at most). */
@Entity('recurring_invoice_line_changes')
export class RecurringInvoiceLineChange extends TenantOwnedEntity {
  @IdColumn() recurringInvoiceId: string;
  @IdColumn() lineId: string;
  @DateColumn() changeDate: string;
  @DecimalColumn() quantityBefore: Decimal;
  @DecimalColumn() quantityAfter: Decimal;
}

/**
 * A pending (or billed) pro-rata adjustment, or a late correction. Its exact amount is quantity × unitPrice × days /
 * periodDays, every factor stored exactly; it is rounded once, when it becomes an invoice line. Unique per
 * (tenantId, lineId, changeDate, revision).
 */
@Entity('recurring_invoice_adjustments')
export class RecurringInvoiceAdjustment extends TenantOwnedEntity {
  @IdColumn() recurringInvoiceId: string;
  @IdColumn() lineId: string;
  @DateColumn() changeDate: string;
  /**
   * 0: the pro-rata adjustment of a change on changeDate, kept by the daily pass while its period is not invoiced.
   * 1, 2, …: late corrections (rule 'correction') of an item already billed — the recurring or arrears charge of the
   * period starting on changeDate, or the adjustment of changeDate — see src/invoices/late-corrections.ts.
   */
  @IntColumn({ default: 0 }) revision: number;
  @DateColumn() periodStart: string;
  @DateColumn() periodEnd: string;
  @TextColumn(20) rule: string;
  @DecimalColumn() quantity: Decimal;
  @DecimalColumn() quantityBefore: Decimal;
  @DecimalColumn() quantityAfter: Decimal;
  @DecimalColumn({ nullable: true }) highWaterMark: Decimal | null;
  @DecimalColumn() unitPrice: Decimal;
  @IntColumn() days: number;
  @IntColumn() periodDays: number;
  /** The engine's provenance for the line (JSON). */
  @JsonTextColumn() provenanceJson: string;
  /** Set in the transaction that bills it; never cleared. */
  @IdColumn({ nullable: true }) invoicedInvoiceId: string | null;
}

/** The last day the daily pass finished for a tenant; catch-up resumes the day after. */
@Entity('billing_daily_progress')
export class BillingDailyProgress extends TenantOwnedEntity {
  @DateColumn() lastDate: string;
}
