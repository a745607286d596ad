/**
 * The QuickBooks Online (Accounting API v3) shapes Recurra reads and writes: only the fields it uses, as Intuit's
 * API reference describes them (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
 * and its siblings). Amounts are JSON numbers on the wire; the connector turns them into Decimals.
 */

export interface QboRef {
  value: string;
  name?: string;
}

export interface QboMetaData {
  CreateTime?: string;
  LastUpdatedTime?: string;
}

export interface QboCompanyInfo {
  Id: string;
  CompanyName: string;
  LegalName?: string;
  Country?: string;
  SyncToken?: string;
}

export interface QboCustomer {
  Id: string;
  SyncToken: string;
  DisplayName: string;
  CompanyName?: string;
  PrimaryEmailAddr?: { Address: string };
  Active?: boolean;
  Balance?: number;
  MetaData?: QboMetaData;
}

export interface QboItem {
  Id: string;
  SyncToken: string;
  Name: string;
  FullyQualifiedName?: string;
  Type: 'Service' | 'NonInventory' | 'Inventory' | 'Category' | 'Group';
  Active?: boolean;
  Taxable?: boolean;
  UnitPrice?: number;
  IncomeAccountRef?: QboRef;
  MetaData?: QboMetaData;
}

export interface QboTaxRateDetail {
  TaxRateRef: QboRef;
  TaxTypeApplicable?: string;
  TaxOrder?: number;
}

export interface QboTaxCode {
  Id: string;
  SyncToken?: string;
  Name: string;
  Description?: string;
  Active?: boolean;
  Taxable?: boolean;
  TaxGroup?: boolean;
  SalesTaxRateList?: { TaxRateDetail: QboTaxRateDetail[] };
  PurchaseTaxRateList?: { TaxRateDetail: QboTaxRateDetail[] };
  MetaData?: QboMetaData;
}

export interface QboTaxRate {
  Id: string;
  SyncToken?: string;
  Name: string;
  /** A percentage: 20 for 20 %. */
  RateValue: number;
  Active?: boolean;
  AgencyRef?: QboRef;
  MetaData?: QboMetaData;
}

export interface QboSalesItemLine {
  Id?: string;
  LineNum?: number;
  Description?: string;
  Amount: number;
  DetailType: 'SalesItemLineDetail';
  SalesItemLineDetail: {
    ItemRef: QboRef;
    Qty?: number;
    UnitPrice?: number;
    TaxCodeRef?: QboRef;
    ServiceDate?: string;
  };
}

export interface QboSubTotalLine {
  Id?: string;
  Amount: number;
  DetailType: 'SubTotalLineDetail';
  SubTotalLineDetail: Record<string, never>;
}

export type QboLine = QboSalesItemLine | QboSubTotalLine;

export interface QboLinkedTxn {
  TxnId: string;
  TxnType: string;
}

export interface QboTxnTaxDetail {
  TxnTaxCodeRef?: QboRef;
  TotalTax?: number;
}

/** What Invoice and CreditMemo share. */
export interface QboSalesTransaction {
  Id: string;
  SyncToken: string;
  DocNumber?: string;
  TxnDate?: string;
  CustomerRef: QboRef;
  CurrencyRef?: QboRef;
  Line: QboLine[];
  TxnTaxDetail?: QboTxnTaxDetail;
  GlobalTaxCalculation?: 'TaxExcluded' | 'TaxInclusive' | 'NotApplicable';
  TotalAmt: number;
  Balance: number;
  PrivateNote?: string;
  domain?: string;
  sparse?: boolean;
  MetaData?: QboMetaData;
}

export interface QboInvoice extends QboSalesTransaction {
  DueDate?: string;
  LinkedTxn?: QboLinkedTxn[];
}

export interface QboCreditMemo extends QboSalesTransaction {
  RemainingCredit?: number;
}

/** A transaction as Recurra sends it (create: no Id/SyncToken; update: with them). */
export interface QboTransactionInput {
  Id?: string;
  SyncToken?: string;
  sparse?: boolean;
  DocNumber?: string;
  TxnDate?: string;
  DueDate?: string;
  CustomerRef?: QboRef;
  CurrencyRef?: QboRef;
  Line?: QboLine[];
  TxnTaxDetail?: QboTxnTaxDetail;
  GlobalTaxCalculation?: 'TaxExcluded' | 'TaxInclusive' | 'NotApplicable';
  PrivateNote?: string;
}

export type QboEntityName = 'Customer' | 'Item' | 'TaxCode' | 'TaxRate' | 'Invoice' | 'CreditMemo';

export interface QboEntityMap {
  Customer: QboCustomer;
  Item: QboItem;
  TaxCode: QboTaxCode;
  TaxRate: QboTaxRate;
  Invoice: QboInvoice;
  CreditMemo: QboCreditMemo;
}

/** One Fault.Error entry. */
export interface QboFaultError {
  Message: string;
  Detail?: string;
  code: string;
  element?: string;
}

export interface QboTokenResponse {
  token_type: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  id_token?: string;
}
