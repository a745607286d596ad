import { Entity } from 'typeorm';
import { IdColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/** Ties one Pax8 company to one local customer (one to one per tenant), optionally with a usage resource group. */
@Entity('customer_mappings')
export class CustomerMapping extends TenantOwnedEntity {
  @TextColumn(64) pax8CompanyId: string;
  @IdColumn() customerId: string;
  @TextColumn(255, { nullable: true }) resourceGroup: string | null;
  /** 'manual', 'generated' or 'import'. */
  @TextColumn(20) source: string;
}
