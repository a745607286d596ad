import { Entity } from 'typeorm';
import { BoolColumn, IntColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/**
 * One commitment term of a Pax8 product, as its product data says (GET /products/{id}/dependencies, Pax8's
 * `Commitment`), stored per product and term by the product sync (src/imports/commitment-rules-import.ts) and read by
 * the commitment rule (src/subscriptions/commitment-rules.ts). A null flag is one Pax8 did not send (unknown).
 */
@Entity('commitment_rules')
export class CommitmentRule extends TenantOwnedEntity {
  @TextColumn(64) pax8ProductId: string;
  /** Pax8's term, e.g. `1-Year`, as subscriptions carry it in `commitment.term`. */
  @TextColumn(40) term: string;
  /** The commitment record's id (a subscription on this term carries it as `commitment.id`). */
  @TextColumn(64, { nullable: true }) pax8CommitmentId: string | null;
  @BoolColumn({ nullable: true }) autoRenew: boolean | null;
  /** Days before the term's end when the renewal window opens. */
  @IntColumn({ nullable: true }) renewalWindowDaysBefore: number | null;
  /** Days after the term's end when the renewal window closes: the first days of the next term. */
  @IntColumn({ nullable: true }) renewalWindowDaysAfter: number | null;
  @BoolColumn({ nullable: true }) allowIncrease: boolean | null;
  @BoolColumn({ nullable: true }) allowDecrease: boolean | null;
  @BoolColumn({ nullable: true }) allowEarlyCancellation: boolean | null;
  @BoolColumn({ nullable: true }) cancellationFeeApplied: boolean | null;
  @BoolColumn({ nullable: true }) isTransferable: boolean | null;
}
