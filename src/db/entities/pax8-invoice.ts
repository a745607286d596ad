import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, DecimalColumn, IdColumn, InstantColumn, IntColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/** One of Pax8's invoices to the partner (GET /invoices), as last imported. */
@Entity('pax8_invoices')
export class Pax8Invoice extends TenantOwnedEntity {
  @TextColumn(64) pax8Id: string;
  @DateColumn({ nullable: true }) invoiceDate: string | null;
  @DateColumn({ nullable: true }) dueDate: string | null;
  @TextColumn(40, { nullable: true }) status: string | null;
  @DecimalColumn({ nullable: true }) total: Decimal | null;
  @DecimalColumn({ nullable: true }) balance: Decimal | null;
  @TextColumn(3, { nullable: true }) currency: string | null;
  /** Number of items imported (the items are replaced as a whole when the invoice changes). */
  @IntColumn() itemCount: number;
  @InstantColumn() importedAt: Date;
}

/**
 * One item of a Pax8 invoice, or a draft item of a month Pax8 has not invoiced yet (draft = true,
 * pax8InvoiceId null). `month` (YYYY-MM) is the month of startPeriod: the month reconciliation counts it in.
 */
@Entity('pax8_invoice_items')
export class Pax8InvoiceItem extends TenantOwnedEntity {
  /** Local Pax8Invoice id; null for draft items. */
  @IdColumn({ nullable: true }) invoiceId: string | null;
  @TextColumn(64, { nullable: true }) pax8InvoiceId: string | null;
  @BoolColumn() draft: boolean;
  @TextColumn(7) month: string;
  @TextColumn(64, { nullable: true }) pax8ItemId: string | null;
  /** 'subscription', 'prorate', 'one-time', 'service-credit', … as Pax8 sends it. */
  @TextColumn(40, { nullable: true }) type: string | null;
  @TextColumn(64, { nullable: true }) pax8CompanyId: string | null;
  @TextColumn(255, { nullable: true }) companyName: string | null;
  @TextColumn(64, { nullable: true }) pax8SubscriptionId: string | null;
  @TextColumn(64, { nullable: true }) pax8ProductId: string | null;
  @TextColumn(255, { nullable: true }) productName: string | null;
  @TextColumn(255, { nullable: true }) description: string | null;
  @TextColumn(80, { nullable: true }) sku: string | null;
  @TextColumn(40, { nullable: true }) term: string | null;
  @DateColumn({ nullable: true }) startPeriod: string | null;
  @DateColumn({ nullable: true }) endPeriod: string | null;
  @DecimalColumn() quantity: Decimal;
  /** Partner unit cost and total as Pax8 states them. */
  @DecimalColumn({ nullable: true }) unitCost: Decimal | null;
  @DecimalColumn({ nullable: true }) costTotal: Decimal | null;
  /** What the partner owes Pax8 for the item (the cost reconciliation uses). */
  @DecimalColumn() amountDue: Decimal;
  @TextColumn(3) currency: string;
}
