import { Entity, PrimaryColumn } from 'typeorm';
import { IdColumn, InstantColumn, TextColumn } from '../columns.js';

/** A bearer token for scripts (`rct_...`), shown once; only its SHA-256 is stored. */
@Entity('api_tokens')
export class ApiToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @IdColumn()
  userId: string;

  @TextColumn(100)
  name: string;

  @TextColumn(64)
  tokenHash: string;

  /** First characters of the token, to recognise it in lists. */
  @TextColumn(16)
  prefix: string;

  @InstantColumn()
  createdAt: Date;

  @InstantColumn({ nullable: true })
  lastUsedAt: Date | null;

  @InstantColumn({ nullable: true })
  revokedAt: Date | null;

  /** After this instant the token is refused (401); null: never expires. */
  @InstantColumn({ nullable: true })
  expiresAt: Date | null;
}
