import { Entity } from 'typeorm';
import { BoolColumn, IdColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

export type ImportRunStatus = 'running' | 'succeeded' | 'failed' | 'partial';

@Entity('import_runs')
export class ImportRun extends TenantOwnedEntity {
  /** Comma-separated entities: customers, products, subscriptions, usage. */
  @TextColumn(120) entities: string;
  /** 'cli', 'http', 'schedule', 'webhook'. */
  @TextColumn(20) trigger: string;
  @TextColumn(255) startedBy: string;
  @InstantColumn() startedAt: Date;
  @InstantColumn({ nullable: true }) finishedAt: Date | null;
  @TextColumn(20) status: ImportRunStatus;
  @BoolColumn() dryRun: boolean;
  /** {entity: {created, updated, unchanged, deactivated, skipped, errors}} */
  @JsonTextColumn() countsJson: string;
  @JsonTextColumn({ nullable: true }) message: string | null;
  @IdColumn({ nullable: true }) jobId: string | null;
}

@Entity('import_errors')
export class ImportError extends TenantOwnedEntity {
  @IdColumn() importRunId: string;
  @TextColumn(40) entity: string;
  @TextColumn(64, { nullable: true }) pax8Id: string | null;
  @JsonTextColumn() message: string;
  @JsonTextColumn({ nullable: true }) rawPayload: string | null;
}
