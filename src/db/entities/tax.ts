import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import type { TaxKind } from '../../billing/tax.js';
import { DecimalColumn, IdColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/** A tenant's tax code (migration 1764301000000): the name its accounting system knows, a rate and a kind. Unique per (tenant, code). */
@Entity('tax_codes')
export class TaxCode extends TenantOwnedEntity {
  @TextColumn(60) code: string;
  /** A fraction (0.2 for 20 %); billed only by `standard` codes. */
  @DecimalColumn() rate: Decimal;
  @TextColumn(20) kind: TaxKind;
}

/** The tax code of every line whose product is in this product group (`products.productGroup`). Unique per (tenant, group). */
@Entity('product_group_tax_codes')
export class ProductGroupTaxCode extends TenantOwnedEntity {
  @TextColumn(120) productGroup: string;
  @IdColumn() taxCodeId: string;
}
