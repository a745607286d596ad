import type { Decimal } from 'decimal.js';
import { Entity } from 'typeorm';
import { DateColumn, DecimalColumn, IdColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/* What Recurra does over an accounting connection (issue 27, migration 1764310050000); vendor is 'xero' | 'quickbooks'. */

export const CONTACT_LINK_HOWS = ['matched', 'manual', 'created'] as const;
export type ContactLinkHow = (typeof CONTACT_LINK_HOWS)[number];

/** The vendor contact a customer's invoices go to; one per tenant, vendor and customer. */
@Entity('accounting_contact_links')
export class AccountingContactLink extends TenantOwnedEntity {
  @TextColumn(20) vendor: string;
  @IdColumn() customerId: string;
  @TextColumn(100) externalContactId: string;
  @TextColumn(255) externalContactName: string;
  @TextColumn(10) how: ContactLinkHow;
  @TextColumn(255) linkedBy: string;
}

/**
 * Where lines post and how tax goes across, per vendor: `product_group` / `line_kind` / `default_ledger` map to a ledger
 * target (`ExternalLedgerTarget.ref`), `tax_code` (a Recurra tax code) / `tax_rate` (a rate without a code, "0.1") /
 * `default_tax` to a vendor tax code. One per tenant, vendor, kind and key (the default's key is '').
 */
export const LEDGER_MAPPING_KINDS = ['product_group', 'line_kind', 'default_ledger', 'tax_code', 'tax_rate', 'default_tax'] as const;
export type LedgerMappingKind = (typeof LEDGER_MAPPING_KINDS)[number];

@Entity('accounting_ledger_mappings')
export class AccountingLedgerMapping extends TenantOwnedEntity {
  @TextColumn(20) vendor: string;
  @TextColumn(20) kind: LedgerMappingKind;
  @TextColumn(120) mapKey: string;
  @TextColumn(100) target: string;
  @TextColumn(255, { nullable: true }) targetName: string | null;
  @TextColumn(255) mappedBy: string;
}

export const ACCOUNTING_PUSH_STATUSES = ['queued', 'pushing', 'pushed', 'failed', 'refused'] as const;
export type AccountingPushStatus = (typeof ACCOUNTING_PUSH_STATUSES)[number];

/** One invoice in one vendor's books: queued, claimed by one worker (pushing), then pushed, failed (retryable) or refused. */
@Entity('accounting_pushes')
export class AccountingPush extends TenantOwnedEntity {
  @TextColumn(20) vendor: string;
  @IdColumn() invoiceId: string;
  @TextColumn(20) status: AccountingPushStatus;
  @TextColumn(100, { nullable: true }) externalId: string | null;
  @TextColumn(20, { nullable: true }) externalType: string | null;
  @TextColumn(100, { nullable: true }) externalNumber: string | null;
  @TextColumn(500, { nullable: true }) externalUrl: string | null;
  /** contentHash of the AccountingDocument last sent (src/common/content-hash.ts). */
  @TextColumn(64, { nullable: true }) contentHash: string | null;
  @IntColumn() attempts: number;
  /** Why the last attempt failed or was refused, in words (the vendor's, where it gave them). */
  @JsonTextColumn({ nullable: true }) lastError: string | null;
  @TextColumn(255) queuedBy: string;
  @InstantColumn({ nullable: true }) nextAttemptAt: Date | null;
  @InstantColumn({ nullable: true }) claimedAt: Date | null;
  @InstantColumn({ nullable: true }) pushedAt: Date | null;
  /** The document's state as last read back: draft | open | partly_paid | paid | voided. */
  @TextColumn(20, { nullable: true }) externalStatus: string | null;
  @DecimalColumn({ nullable: true }) amountPaid: Decimal | null;
  @DecimalColumn({ nullable: true }) amountDue: Decimal | null;
  @DateColumn({ nullable: true }) dueDate: string | null;
  @InstantColumn({ nullable: true }) paymentCheckedAt: Date | null;
}
