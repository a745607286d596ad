import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, DecimalColumn, IdColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

@Entity('usage_summaries')
export class UsageSummary extends TenantOwnedEntity {
  @TextColumn(64) pax8Id: string;
  @TextColumn(64) pax8SubscriptionId: string;
  @TextColumn(64, { nullable: true }) pax8CompanyId: string | null;
  @TextColumn(64, { nullable: true }) pax8ProductId: string | null;
  @TextColumn(255, { nullable: true }) resourceGroup: string | null;
  @TextColumn(120, { nullable: true }) vendorName: string | null;
  /** Resolved owner; null means unmapped (listed for the admin, never dropped). */
  @IdColumn({ nullable: true }) customerId: string | null;
  /** How the owner was found: 'company', 'resource_group', or null. */
  @TextColumn(20, { nullable: true }) mappedBy: string | null;
  @DecimalColumn() currentCharges: Decimal;
  @DecimalColumn() partnerTotal: Decimal;
  @TextColumn(3) currency: string;
  @BoolColumn() isTrial: boolean;
  /** True when the imported lines do not add up to currentCharges. */
  @BoolColumn() linesMismatch: boolean;
  @TextColumn(64) contentHash: string;
  /** What its last clean import read (src/imports/usage-plan.ts): days of the open months final through this date. */
  @DateColumn({ nullable: true }) linesFinalThrough: string | null;
  /** Date of the last full read of the open months. */
  @DateColumn({ nullable: true }) lastFullRead: string | null;
  /** The latest month ('YYYY-MM') whose close refresh was made. */
  @TextColumn(7, { nullable: true }) closedMonth: string | null;
}

/** A summary's charges per calendar month, so the month's final figure survives Pax8's reset on the 1st. */
@Entity('usage_monthly_charges')
export class UsageMonthlyCharge extends TenantOwnedEntity {
  @IdColumn() usageSummaryId: string;
  @TextColumn(7) month: string;
  @DecimalColumn() charges: Decimal;
  @DecimalColumn() partnerTotal: Decimal;
}

@Entity('usage_lines')
export class UsageLine extends TenantOwnedEntity {
  @IdColumn() usageSummaryId: string;
  @DateColumn() usageDate: string;
  /** Stable key of the line within its summary and date (product + unit). */
  @TextColumn(64) lineKey: string;
  @TextColumn(64, { nullable: true }) pax8ProductId: string | null;
  @TextColumn(255, { nullable: true }) productName: string | null;
  @TextColumn(60, { nullable: true }) unitOfMeasure: string | null;
  @DecimalColumn() quantity: Decimal;
  @DecimalColumn() unitPrice: Decimal;
  @DecimalColumn() charges: Decimal;
  @DecimalColumn() partnerTotal: Decimal;
  @TextColumn(3) currency: string;
}
