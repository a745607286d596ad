import { Entity } from 'typeorm';
import { BoolColumn, InstantColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/** The last imported state of a Pax8 company. */
@Entity('pax8_companies')
export class Pax8Company extends TenantOwnedEntity {
  @TextColumn(64) pax8Id: string;
  @TextColumn(255) name: string;
  @TextColumn(40) status: string;
  @TextColumn(255, { nullable: true }) street: string | null;
  @TextColumn(255, { nullable: true }) street2: string | null;
  @TextColumn(120, { nullable: true }) city: string | null;
  @TextColumn(120, { nullable: true }) stateOrProvince: string | null;
  @TextColumn(40, { nullable: true }) postalCode: string | null;
  @TextColumn(80, { nullable: true }) country: string | null;
  @TextColumn(120, { nullable: true }) externalId: string | null;
  @BoolColumn() isPartnerOwn: boolean;
  /** Hash of the normalised record: an unchanged re-import compares it and writes nothing. */
  @TextColumn(64) contentHash: string;
  @InstantColumn({ nullable: true }) pax8UpdatedAt: Date | null;
}
