import type { Decimal } from 'decimal.js';

/**
 * What Recurra asks of an accounting system (Xero, QuickBooks Online). The feature (`src/accounting`) speaks only this
 * interface; each vendor's adapter (`src/accounting/connectors/<vendor>.ts`) turns it into the vendor's API calls through
 * that vendor's client (`src/xero/client`, `src/quickbooks/client`). Adapters pace their own calls per connection and
 * retry what the vendor says may be retried; every other failure is an `AccountingError` with a kind.
 */

export const ACCOUNTING_VENDORS = ['xero', 'quickbooks'] as const;
export type AccountingVendor = (typeof ACCOUNTING_VENDORS)[number];

/** Where a vendor is reached: its real hosts by default, or a local stand-in (tests, demo). */
export interface VendorEndpoints {
  /** The OAuth 2.0 authorization page the user's browser is sent to. */
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** The API's base: Xero `https://api.xero.com`, QuickBooks `https://quickbooks.api.intuit.com`. */
  apiUrl: string;
}

/** The tenant's app registration at the vendor (client secret decrypted only to build a connector). */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** Recurra's callback, registered with the vendor. */
  redirectUri: string;
  endpoints: VendorEndpoints;
}

export interface ConnectionTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token stops working (Xero: 30 minutes, QuickBooks: 60 minutes after it was issued). */
  accessExpiresAt: Date;
  /** When the refresh token stops working, where the vendor says (QuickBooks `x_refresh_token_expires_in`). */
  refreshExpiresAt: Date | null;
}

/** The organisation a connection reaches: Xero's tenantId, QuickBooks' realmId. */
export interface AccountingOrganisation {
  id: string;
  name: string;
}

/** One call's credentials: a valid access token for one organisation. */
export interface ConnectorSession {
  accessToken: string;
  organisationId: string;
  signal?: AbortSignal;
}

export interface ExternalContact {
  id: string;
  name: string;
  email: string | null;
}

/** Where a line posts: Xero an account (by its code), QuickBooks an item (product/service, by id) whose income account it carries. */
export interface ExternalLedgerTarget {
  ref: string;
  name: string;
  kind: 'account' | 'item';
}

export interface ExternalTaxRate {
  /** Xero `TaxType`, QuickBooks `TaxCode` id. */
  code: string;
  name: string;
  /** A fraction: 0.2 for 20 %. */
  rate: Decimal;
}

export type ExternalDocumentType = 'invoice' | 'credit_note';

export interface DocumentLine {
  description: string;
  quantity: Decimal;
  unitAmount: Decimal;
  /** Net amount (quantity × unit amount as Recurra rounded it). */
  amount: Decimal;
  /** An `ExternalLedgerTarget.ref`. */
  ledgerRef: string;
  /** An `ExternalTaxRate.code`; null: the vendor's no-tax code. */
  taxCode: string | null;
  taxAmount: Decimal;
  /** First day the line covers (YYYY-MM-DD). */
  serviceDate: string | null;
}

/** A Recurra invoice as it goes to the books. A wholly negative invoice goes as a credit note with positive lines. */
export interface AccountingDocument {
  type: ExternalDocumentType;
  /** Recurra's invoice number ("INV-000123"): the vendor's invoice number / reference, by which an earlier push is found. */
  number: string;
  contactId: string;
  date: string;
  dueDate: string | null;
  currency: string;
  lines: DocumentLine[];
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
  /** Posted as a draft in the books, or approved (Xero AUTHORISED; QuickBooks has no drafts and always posts). */
  post: 'draft' | 'approved';
}

/** Payment state as the books see it; "overdue" is Recurra's reading of an open document past its due date. */
export type ExternalStatus = 'draft' | 'open' | 'partly_paid' | 'paid' | 'voided';

export interface ExternalDocument {
  type: ExternalDocumentType;
  id: string;
  number: string;
  status: ExternalStatus;
  total: Decimal;
  amountPaid: Decimal;
  amountDue: Decimal;
  dueDate: string | null;
  /** The vendor's concurrency token (QuickBooks `SyncToken`; Xero `UpdatedDateUTC`), passed back on update. */
  version: string | null;
  /** A link a person can open in the vendor's app, if the vendor has one. */
  url: string | null;
}

export type AccountingErrorKind =
  /** The vendor refused the credentials (token revoked or expired beyond refresh): the tenant must connect again. */
  | 'unauthorized'
  /** The vendor refused the document or contact (validation): the message says why, in the vendor's words. */
  | 'invalid'
  /** Too many calls even after pacing and retries (a daily cap reached): try again later. */
  | 'rate_limited'
  /** A concurrent change at the vendor (QuickBooks stale SyncToken): re-read and try again. */
  | 'conflict'
  /** The document exists and may no longer change (paid or voided). */
  | 'locked'
  | 'not_found'
  /** The vendor failed or could not be reached. */
  | 'unavailable';

export class AccountingError extends Error {
  override name = 'AccountingError';
  constructor(readonly kind: AccountingErrorKind, message: string, readonly status: number | null = null) {
    super(message);
  }
}

export interface AccountingConnector {
  readonly vendor: AccountingVendor;
  /** The page to send the user's browser to; `state` comes back on the callback. */
  authorizationUrl(state: string): string;
  /** The callback's code for tokens, and the organisations they reach (QuickBooks sends `realmId` on the callback). */
  exchangeCode(input: { code: string; realmId?: string }): Promise<{ tokens: ConnectionTokens; organisations: AccountingOrganisation[] }>;
  refresh(refreshToken: string): Promise<ConnectionTokens>;
  /** Best effort: the vendor forgets the grant. */
  revoke(refreshToken: string): Promise<void>;

  contacts(session: ConnectorSession): Promise<ExternalContact[]>;
  createContact(session: ConnectorSession, input: { name: string; email: string | null }): Promise<ExternalContact>;
  ledgerTargets(session: ConnectorSession): Promise<ExternalLedgerTarget[]>;
  taxRates(session: ConnectorSession): Promise<ExternalTaxRate[]>;

  /** The document pushed earlier under this number, if any (so a retry after a lost answer never creates a second). */
  findDocument(session: ConnectorSession, type: ExternalDocumentType, number: string): Promise<ExternalDocument | null>;
  createDocument(session: ConnectorSession, doc: AccountingDocument): Promise<ExternalDocument>;
  /** Replaces an existing document's content; `locked` when it is paid or voided there. */
  updateDocument(session: ConnectorSession, existing: ExternalDocument, doc: AccountingDocument): Promise<ExternalDocument>;
  /** Current state (payments) of documents pushed earlier; ones the vendor no longer has are left out. */
  documents(session: ConnectorSession, refs: ReadonlyArray<{ type: ExternalDocumentType; id: string }>): Promise<ExternalDocument[]>;
}

/** What every adapter's factory takes. */
export interface ConnectorDeps {
  app: OAuthApp;
  /** Paces calls for one connection across this process (and, when given, across processes). */
  connectionKey: string;
  /**
   * The connection's call budget shared by every process on the database (src/accounting/request-budget.ts): each
   * vendor API call takes a start from it as well as from the in-process pacer. Without it, pacing is per process.
   */
  budget?: { take(signal?: AbortSignal): Promise<void> };
  fetch?: typeof fetch;
  now?: () => number;
}
