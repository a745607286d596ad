import { PrimaryColumn } from 'typeorm';
import { IdColumn, InstantColumn } from '../columns.js';

/** Base of every row that belongs to one tenant; reach such rows only through a TenantScope. */
export abstract class TenantOwnedEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @IdColumn()
  tenantId: string;

  @InstantColumn()
  createdAt: Date;

  @InstantColumn()
  updatedAt: Date;
}
