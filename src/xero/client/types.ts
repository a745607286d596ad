/** The parts of Xero's wire objects this client reads and writes (names as in Xero's OpenAPI, xero_accounting.yaml). */

export interface XeroEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** Base of both GET /connections and the Accounting API (`/api.xro/2.0`). */
  apiUrl: string;
}

/** Xero's real hosts (developer.xero.com, "OAuth 2.0 auth flow"; servers in xero-identity.yaml and xero_accounting.yaml). */
export const XERO_ENDPOINTS: XeroEndpoints = {
  authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
  tokenUrl: 'https://identity.xero.com/connect/token',
  revokeUrl: 'https://identity.xero.com/connect/revocation',
  apiUrl: 'https://api.xero.com',
};

export const XERO_SCOPES = ['offline_access', 'accounting.transactions', 'accounting.contacts', 'accounting.settings'] as const;

export interface XeroTokenSet {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, from `expires_in` and the client's clock. */
  accessExpiresAt: number;
  scope: string | null;
}

export interface XeroConnection {
  id: string;
  tenantId: string;
  tenantName: string;
  tenantType: string;
  authEventId?: string;
  createdDateUtc?: string;
  updatedDateUtc?: string;
}

/** One organisation's credentials for one call. */
export interface XeroSession {
  accessToken: string;
  tenantId: string;
  signal?: AbortSignal;
}

export interface XeroContact {
  ContactID: string;
  Name: string;
  EmailAddress?: string;
  ContactStatus?: 'ACTIVE' | 'ARCHIVED' | 'GDPRREQUEST';
  UpdatedDateUTC?: string;
}

export interface XeroAccount {
  AccountID: string;
  Code?: string;
  Name: string;
  Type: string;
  Class?: 'ASSET' | 'EQUITY' | 'EXPENSE' | 'LIABILITY' | 'REVENUE';
  Status?: 'ACTIVE' | 'ARCHIVED' | 'DELETED';
  TaxType?: string;
}

export interface XeroTaxRate {
  Name: string;
  TaxType: string;
  Status?: 'ACTIVE' | 'DELETED' | 'ARCHIVED' | 'PENDING';
  CanApplyToRevenue?: boolean;
  /** Percent (20 for 20 %). */
  EffectiveRate?: number;
  DisplayTaxRate?: number;
}

export interface XeroLineItem {
  LineItemID?: string;
  Description: string;
  Quantity: number | string;
  UnitAmount: number | string;
  LineAmount?: number | string;
  AccountCode: string;
  TaxType?: string;
  TaxAmount?: number | string;
}

export type XeroDocumentStatus = 'DRAFT' | 'SUBMITTED' | 'DELETED' | 'AUTHORISED' | 'PAID' | 'VOIDED';

/** What is sent to create or update an invoice (PUT/POST /Invoices). */
export interface XeroInvoiceInput {
  Type: 'ACCREC' | 'ACCPAY';
  InvoiceID?: string;
  InvoiceNumber?: string;
  Reference?: string;
  Contact: { ContactID: string };
  Date: string;
  DueDate?: string;
  Status: XeroDocumentStatus;
  LineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  CurrencyCode?: string;
  LineItems: XeroLineItem[];
}

export interface XeroCreditNoteInput extends Omit<XeroInvoiceInput, 'Type' | 'InvoiceID' | 'InvoiceNumber' | 'DueDate'> {
  Type: 'ACCRECCREDIT' | 'ACCPAYCREDIT';
  CreditNoteID?: string;
  CreditNoteNumber?: string;
}

/** Numbers arrive as JSON numbers; read them with `amount()` in xero-client.ts (never float arithmetic on money). */
export interface XeroInvoice {
  InvoiceID: string;
  InvoiceNumber: string;
  Type: string;
  Reference?: string;
  Status: XeroDocumentStatus;
  Contact?: { ContactID: string; Name?: string };
  Date?: string;
  DueDate?: string;
  DueDateString?: string;
  LineAmountTypes?: string;
  LineItems?: XeroLineItem[];
  SubTotal?: number;
  TotalTax?: number;
  Total: number;
  AmountDue: number;
  AmountPaid: number;
  AmountCredited?: number;
  CurrencyCode?: string;
  UpdatedDateUTC?: string;
}

export interface XeroCreditNote {
  CreditNoteID: string;
  CreditNoteNumber: string;
  Type: string;
  Reference?: string;
  Status: XeroDocumentStatus;
  Contact?: { ContactID: string; Name?: string };
  Date?: string;
  LineItems?: XeroLineItem[];
  SubTotal?: number;
  TotalTax?: number;
  Total: number;
  RemainingCredit?: number;
  CurrencyCode?: string;
  UpdatedDateUTC?: string;
}

export interface XeroPagination {
  page: number;
  pageSize: number;
  pageCount: number;
  itemCount: number;
}
