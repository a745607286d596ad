import type { DataSource } from 'typeorm';
import type { Clock } from '../common/clock.js';
import type { AccountingConnector, AccountingVendor, ConnectorSession } from './connector.js';

/** A tenant's open connection to one vendor: the adapter and one call's credentials. */
export interface OpenConnection {
  connector: AccountingConnector;
  session: ConnectorSession;
}

/**
 * Opens the tenant's connection to a vendor (production: openAccountingSession in session.ts, refreshing the token
 * first; tests: a fake connector). Throws an AppError `conflict` when the tenant has not connected that vendor.
 */
export type OpenAccounting = (tenantId: string, vendor: AccountingVendor, now: Date) => Promise<OpenConnection>;

/** What the pushes and the payment reads need. */
export interface AccountingDeps {
  ds: DataSource;
  open: OpenAccounting;
  clock?: Clock;
}
