import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, DecimalColumn, IdColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import type { LineKind } from '../../billing/line-kinds.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export type InvoiceStatus = 'draft' | 'issued';

/** One invoice of a recurring invoice for one period; unique per (tenant, recurring invoice, period start). */
@Entity('invoices')
export class Invoice extends TenantOwnedEntity {
  @IdColumn() recurringInvoiceId: string;
  @IdColumn() customerId: string;
  @DateColumn() invoiceDate: string;
  @DateColumn() periodStart: string;
  @DateColumn() periodEnd: string;
  @TextColumn(3) currency: string;
  @DecimalColumn() taxRate: Decimal;
  @TextColumn(20) status: InvoiceStatus;
  /** Sequential per tenant, without gaps; taken when the invoice is issued (drafts have none until approved). */
  @IntColumn({ nullable: true }) number: number | null;
  @DecimalColumn() subtotal: Decimal;
  @DecimalColumn() tax: Decimal;
  @DecimalColumn() total: Decimal;
  /** JSON array of review reasons that held the invoice as a draft. */
  @JsonTextColumn() reviewJson: string;
  @InstantColumn({ nullable: true }) issuedAt: Date | null;
  @TextColumn(255, { nullable: true }) approvedBy: string | null;
  /** Created by a run dated after that day in the tenant's zone (`--allow-future`); migration 1764300400000. */
  @BoolColumn({ default: false }) forwardDated: boolean;
  /** Invoice date + paymentTermsDays (the customer's, else the tenant's), set at creation; migration 1764301100000 (null before it). */
  @DateColumn({ nullable: true }) dueDate: string | null;
  @IntColumn({ nullable: true }) paymentTermsDays: number | null;
  /** The seller details (tenant settings `invoicing`) as they were when the invoice was created (JSON, src/invoices/terms.ts). */
  @JsonTextColumn({ nullable: true }) sellerJson: string | null;
  /** The recurring invoice's inputsVersion when the daily pass last planned this invoice's late corrections (-1: never); migration 1764309900000. */
  @IntColumn({ default: -1 }) lateCheckedVersion: number;
}

@Entity('invoice_lines')
export class InvoiceLine extends TenantOwnedEntity {
  @IdColumn() invoiceId: string;
  @IntColumn() position: number;
  @IdColumn({ nullable: true }) recurringInvoiceLineId: string | null;
  @IdColumn({ nullable: true }) adjustmentId: string | null;
  /** One of LINE_KINDS (src/billing/line-kinds.ts). */
  @TextColumn(20) kind: LineKind;
  @TextColumn(255) description: string;
  @DateColumn() fromDate: string;
  @DateColumn() toDate: string;
  @DecimalColumn() quantity: Decimal;
  @DecimalColumn() unitPrice: Decimal;
  @DecimalColumn() amount: Decimal;
  @DecimalColumn() tax: Decimal;
  /** The rate, tax code and kind this line was billed at (migration 1764301000000; lines before it: their invoice's rate, no code). */
  @DecimalColumn({ nullable: true }) taxRate: Decimal | null;
  @TextColumn(60, { nullable: true }) taxCode: string | null;
  @TextColumn(20, { nullable: true }) taxKind: string | null;
  /** JSON array of review reasons (empty when none). */
  @JsonTextColumn() reviewJson: string;
  /** The unit cost this line was billed against (the followed subscription's Pax8 cost for its period, or the line's own) and the
   * cost of the line (unit cost × quantity, by the same days as the amount for pro-rata lines); null: not known. Migration 1764301110000. */
  @DecimalColumn({ nullable: true }) unitCost: Decimal | null;
  @DecimalColumn({ nullable: true }) cost: Decimal | null;
  /** Where the figures came from: the engine's provenance plus the exact amount (JSON). */
  @JsonTextColumn() provenanceJson: string;
}

/** The last invoice number a tenant issued; updated inside the transaction that issues the next one. */
@Entity('invoice_counters')
export class InvoiceCounter extends TenantOwnedEntity {
  @IntColumn() lastNumber: number;
}

/**
 * The next invoice of an active recurring invoice, composed ahead by the daily pass (src/invoices/upcoming.ts): its
 * recurring, arrears and usage lines as the run would bill them, and the version of the inputs they were composed from.
 * Its lines are stored in invoice_lines under the upcoming invoice's id, which becomes the invoice's id when the run
 * issues it (only while that version is still the recurring invoice's); until then no invoice row exists for them.
 * Pro-rata adjustments are added at the run.
 */
@Entity('upcoming_invoices')
export class UpcomingInvoice extends TenantOwnedEntity {
  @IdColumn() recurringInvoiceId: string;
  @DateColumn() periodStart: string;
  @DateColumn() periodEnd: string;
  @TextColumn(3) currency: string;
  @DecimalColumn() taxRate: Decimal;
  /** Of its lines only (the adjustments come at the run). */
  @DecimalColumn() subtotal: Decimal;
  @DecimalColumn() tax: Decimal;
  /** JSON array: the invoice-level review reasons of its lines. */
  @JsonTextColumn() reviewJson: string;
  /** JSON array of the recurring invoice's lines (id, position, description, reviewRequired), to describe adjustments. */
  @JsonTextColumn() linesJson: string;
  @IntColumn() lineCount: number;
  /** The recurring invoice's inputsVersion its lines were composed at (-1: none, compose again). */
  @IntColumn() inputsVersion: number;
  /** The tenant's imports.reviewUsageLines when composed. */
  @BoolColumn() reviewUsageLines: boolean;
}
