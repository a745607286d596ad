import { Entity } from 'typeorm';
import { BoolColumn, IdColumn, IntColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

@Entity('customers')
export class Customer extends TenantOwnedEntity {
  @TextColumn(255)
  name: string;

  @TextColumn(255, { nullable: true })
  topLevel: string | null;

  @BoolColumn()
  active: boolean;

  @TextColumn(255, { nullable: true }) siteStreet: string | null;
  @TextColumn(255, { nullable: true }) siteStreet2: string | null;
  @TextColumn(120, { nullable: true }) siteCity: string | null;
  @TextColumn(120, { nullable: true }) siteStateOrProvince: string | null;
  @TextColumn(40, { nullable: true }) sitePostalCode: string | null;
  @TextColumn(80, { nullable: true }) siteCountry: string | null;

  /** 'manual' or 'pax8_import'. */
  @TextColumn(20)
  source: string;

  /** Billing settings: the recurring invoices new Pax8 subscriptions join. */
  @IdColumn({ nullable: true }) monthlyRecurringInvoiceId: string | null;
  @IdColumn({ nullable: true }) annualRecurringInvoiceId: string | null;
  @BoolColumn() noAutomaticInvoiceLines: boolean;
  /** An exempt or reverse-charge tax code for all its lines (src/tax); null: none (migration 1764301000000). */
  @IdColumn({ nullable: true }) taxCodeId: string | null;
  /** Days from invoice date to due date; null: the tenant's invoicing.paymentTermsDays (migration 1764301100000). */
  @IntColumn({ nullable: true }) paymentTermsDays: number | null;
}
