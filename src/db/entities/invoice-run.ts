import { Entity } from 'typeorm';
import { BoolColumn, DateColumn, IdColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export const INVOICE_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type InvoiceRunStatus = (typeof INVOICE_RUN_STATUSES)[number];

/**
 * An invoice run queued from the web app or the API (the `invoices:run` job does the work): queued, running, then
 * succeeded (with what it came to) or failed (with the reason). What a progress panel reads, also after a reload.
 */
@Entity('invoice_runs')
export class InvoiceRunRecord extends TenantOwnedEntity {
  /** The invoice date the run bills up to ('YYYY-MM-DD', tenant-local). */
  @DateColumn() runDate: string;
  @BoolColumn() allowFuture: boolean;
  /** 'http', 'cli', 'schedule'. */
  @TextColumn(20) trigger: string;
  @TextColumn(255) startedBy: string;
  @TextColumn(20) status: InvoiceRunStatus;
  @IdColumn({ nullable: true }) jobId: string | null;
  @InstantColumn() queuedAt: Date;
  @InstantColumn({ nullable: true }) startedAt: Date | null;
  @InstantColumn({ nullable: true }) finishedAt: Date | null;
  /** {created, drafts, issued, alreadyInvoiced, failed: [{recurringInvoiceId, periodStart, message}]} once it succeeded. */
  @JsonTextColumn({ nullable: true }) resultJson: string | null;
  @JsonTextColumn({ nullable: true }) error: string | null;
}
