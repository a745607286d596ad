import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { DecimalColumn, InstantColumn, IntColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/**
 * A leakage notice sent for one tenant, month and currency (at most one each, so a re-run of the
 * reconciliation does not notify admins again unless the leakage grew past the amount last notified).
 */
@Entity('leakage_notices')
export class LeakageNotice extends TenantOwnedEntity {
  @TextColumn(7) month: string;
  @TextColumn(3) currency: string;
  @DecimalColumn() leakage: Decimal;
  @DecimalColumn() threshold: Decimal;
  @IntColumn() findings: number;
  @IntColumn() recipients: number;
  @InstantColumn() notifiedAt: Date;
}
