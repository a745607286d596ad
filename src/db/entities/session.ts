import { Entity, PrimaryColumn } from 'typeorm';
import { IdColumn, InstantColumn, TextColumn } from '../columns.js';

/** A signed-in browser. The cookie carries a random token; only its SHA-256 is stored (as the id). */
@Entity('sessions')
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash: string;

  @IdColumn()
  userId: string;

  /** Synchroniser token for CSRF protection of this session's state-changing requests. */
  @TextColumn(64)
  csrfToken: string;

  @TextColumn(100, { nullable: true })
  ip: string | null;

  @InstantColumn()
  createdAt: Date;

  @InstantColumn()
  lastSeenAt: Date;

  @InstantColumn()
  expiresAt: Date;
}
