import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { BoolColumn, DecimalColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

@Entity('products')
export class Product extends TenantOwnedEntity {
  /** Recurra's SKU: vendor part number + term + billing suffix (src/pax8/sku.ts). */
  @TextColumn(120) sku: string;
  @TextColumn(255) name: string;
  @TextColumn(120, { nullable: true }) vendorName: string | null;
  @TextColumn(120, { nullable: true }) category: string | null;
  @TextColumn(64, { nullable: true }) pax8ProductId: string | null;
  @TextColumn(120, { nullable: true }) pax8Sku: string | null;
  @TextColumn(120, { nullable: true }) vendorSku: string | null;
  @TextColumn(120, { nullable: true }) productGroup: string | null;
  @DecimalColumn({ nullable: true }) retailPrice: Decimal | null;
  @BoolColumn() visible: boolean;
  @BoolColumn() featured: boolean;
}
