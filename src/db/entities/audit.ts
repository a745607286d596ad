import { Entity, PrimaryColumn } from 'typeorm';
import { IdColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';

/** Who did what: sign-ins, user and token changes, and state-changing API calls. */
@Entity('audit_events')
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @InstantColumn()
  at: Date;

  @IdColumn({ nullable: true })
  userId: string | null;

  @IdColumn({ nullable: true })
  tenantId: string | null;

  @TextColumn(80)
  action: string;

  @JsonTextColumn({ nullable: true })
  detail: string | null;
}
