import { Entity } from 'typeorm';
import { IdColumn, InstantColumn, IntColumn, JsonTextColumn, TextColumn } from '../columns.js';
import { TenantOwnedEntity } from './tenant-owned.js';

/** The vendors (as src/accounting/connector.ts ACCOUNTING_VENDORS; db imports no feature folder). */
type AccountingVendor = 'xero' | 'quickbooks';

export const ACCOUNTING_CONNECTION_STATUSES = ['not_connected', 'connected', 'needs_reconnect'] as const;
export type AccountingConnectionStatus = (typeof ACCOUNTING_CONNECTION_STATUSES)[number];

/**
 * A tenant's connection to one accounting vendor (migration 1764310000000): its app registration there (the client
 * secret sealed with the context `accounting:<tenant>:<vendor>:clientSecret`), the OAuth grant (tokens sealed the same
 * way), the organisation it reaches. Unique per (tenant, vendor). Read and written by src/accounting only.
 */
@Entity('accounting_connections')
export class AccountingConnection extends TenantOwnedEntity {
  @TextColumn(20) vendor: AccountingVendor;
  @TextColumn(200) clientId: string;
  @JsonTextColumn() clientSecretSealed: string;
  @TextColumn(500) authorizeUrl: string;
  @TextColumn(500) tokenUrl: string;
  @TextColumn(500) revokeUrl: string;
  @TextColumn(500) apiUrl: string;
  /** The callback sent with the last authorisation (the code exchange must name the same). */
  @TextColumn(500, { nullable: true }) redirectUri: string | null;
  @TextColumn(20) status: AccountingConnectionStatus;
  @TextColumn(100, { nullable: true }) organisationId: string | null;
  @TextColumn(255, { nullable: true }) organisationName: string | null;
  /** JSON [{id, name}] while the user must choose one of several organisations the grant reaches (Xero). */
  @JsonTextColumn({ nullable: true }) organisationChoicesJson: string | null;
  @JsonTextColumn({ nullable: true }) accessTokenSealed: string | null;
  @JsonTextColumn({ nullable: true }) refreshTokenSealed: string | null;
  @InstantColumn({ nullable: true }) accessExpiresAt: Date | null;
  @InstantColumn({ nullable: true }) refreshExpiresAt: Date | null;
  @InstantColumn({ nullable: true }) connectedAt: Date | null;
  @TextColumn(255, { nullable: true }) connectedBy: string | null;
  /** Grows with every change of the tokens; a refresh claims the row by a conditional UPDATE on it. */
  @IntColumn() tokenVersion: number;
  /** Set while one process refreshes the tokens (a claim older than a minute is taken over). */
  @InstantColumn({ nullable: true }) refreshingSince: Date | null;
  /** Why the connection needs reconnecting (the vendor's words), or the last failed refresh. */
  @JsonTextColumn({ nullable: true }) lastError: string | null;
  /** Per-connection settings the accounting feature keeps (JSON object). */
  @JsonTextColumn({ nullable: true }) settingsJson: string | null;
}

/** A pending OAuth authorisation: the sha256 of the state sent to the vendor, who started it, until when; used once. */
@Entity('accounting_oauth_states')
export class AccountingOAuthState extends TenantOwnedEntity {
  @TextColumn(20) vendor: AccountingVendor;
  @TextColumn(64) stateHash: string;
  @IdColumn() userId: string;
  @InstantColumn() expiresAt: Date;
  @InstantColumn({ nullable: true }) usedAt: Date | null;
}
