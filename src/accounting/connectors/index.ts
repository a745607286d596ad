import { AccountingError, type AccountingConnector, type AccountingVendor, type ConnectorDeps } from '../connector.js';
import { createQuickBooksConnector } from './quickbooks.js';
import { createXeroConnector } from './xero.js';

/**
 * The registry of vendor adapters: the only place src/accounting reaches src/xero and src/quickbooks (through
 * `./xero.ts` and `./quickbooks.ts`, which import their vendor's client); the vendor folders import nothing of
 * src/accounting but the types in connector.ts, so the folder graph has no cycle.
 */
type Factory = (deps: ConnectorDeps) => AccountingConnector;

const FACTORIES: Partial<Record<AccountingVendor, Factory>> = { xero: createXeroConnector, quickbooks: createQuickBooksConnector };

/** The adapter for one connection: its app (client id and secret, endpoints), and its pacing key (the connection's id). */
export function connectorFor(vendor: AccountingVendor, deps: ConnectorDeps): AccountingConnector {
  const factory = FACTORIES[vendor];
  if (!factory) throw new AccountingError('unavailable', `no ${vendor} connector in this build`);
  return factory(deps);
}
