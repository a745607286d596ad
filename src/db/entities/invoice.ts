import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { DateColumn, DecimalColumn, IdColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
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
}

@Entity('invoice_lines')
export class InvoiceLine extends TenantOwnedEntity {
  @IdColumn() invoiceId: string;
  @IntColumn() position: number;
  @IdColumn({ nullable: true }) recurringInvoiceLineId: string | null;
  @IdColumn({ nullable: true }) adjustmentId: string | null;
  /** 'recurring', 'arrears', 'usage' or 'prorata'. */
  @TextColumn(20) kind: string;
  @TextColumn(255) description: string;
  @DateColumn() fromDate: string;
  @DateColumn() toDate: string;
  @DecimalColumn() quantity: Decimal;
  @DecimalColumn() unitPrice: Decimal;
  @DecimalColumn() amount: Decimal;
  @DecimalColumn() tax: Decimal;
  /** JSON array of review reasons (empty when none). */
  @JsonTextColumn() reviewJson: string;
  /** Where the figures came from: the engine's provenance plus the exact amount (JSON). */
  @JsonTextColumn() provenanceJson: string;
}

/** The last invoice number a tenant issued; updated inside the transaction that issues the next one. */
@Entity('invoice_counters')
export class InvoiceCounter extends TenantOwnedEntity {
  @IntColumn() lastNumber: number;
}
