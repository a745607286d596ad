import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { DecimalColumn, IdColumn, InstantColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export const USAGE_REVIEW_DECISIONS = ['approved', 'adjusted'] as const;
export type UsageReviewDecision = (typeof USAGE_REVIEW_DECISIONS)[number];

/**
 * A reviewer's decision on one usage summary's month (src/usage-review): approved as imported, or adjusted to another
 * amount, with a note. It holds while the month's imported charges are still `importedCharges`; the invoice bills
 * `adjustedCharges` of an adjusted month (src/invoices/loader.ts). Unique per (tenant, summary, month).
 */
@Entity('usage_reviews')
export class UsageReview extends TenantOwnedEntity {
  @IdColumn() usageSummaryId: string;
  @TextColumn(7) month: string;
  @TextColumn(20) decision: UsageReviewDecision;
  /** The month's charges when the decision was made. */
  @DecimalColumn() importedCharges: Decimal;
  /** What the invoice bills instead (adjusted only). */
  @DecimalColumn({ nullable: true }) adjustedCharges: Decimal | null;
  @TextColumn(1000, { nullable: true }) note: string | null;
  @IdColumn() decidedBy: string;
  @TextColumn(255) decidedByEmail: string;
  @InstantColumn() decidedAt: Date;
}
