import { Entity, PrimaryColumn } from 'typeorm';
import { BoolColumn, InstantColumn, JsonTextColumn, TextColumn } from '../columns.js';

/** One Pax8 partner connection. Credentials are sealed with SecretBox; see src/tenants. */
@Entity('tenants')
export class Tenant {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Short unique handle used on the CLI (`--tenant NAME`). */
  @TextColumn(100)
  name: string;

  @TextColumn(200)
  displayName: string;

  /** IANA zone; billing days are calendar dates in this zone. */
  @TextColumn(64)
  timeZone: string;

  @BoolColumn()
  enabled: boolean;

  @TextColumn(200, { nullable: true })
  pax8ClientId: string | null;

  @JsonTextColumn({ nullable: true })
  pax8ClientSecretSealed: string | null;

  @TextColumn(500, { nullable: true })
  pax8TokenUrl: string | null;

  @TextColumn(200, { nullable: true })
  pax8Audience: string | null;

  @TextColumn(500, { nullable: true })
  pax8ApiUrl: string | null;

  /** Import, mapping and schedule settings as JSON; validated by src/tenants/settings.ts. */
  @JsonTextColumn()
  settingsJson: string;

  @InstantColumn()
  createdAt: Date;

  @InstantColumn()
  updatedAt: Date;
}
