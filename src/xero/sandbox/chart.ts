/**
 * The organisation a new sandbox starts with: a UK-style chart of accounts (the codes Xero's demo company uses for
 * sales and other revenue, 200 and 260) and the UK sales tax rates. Codes, names and rates are a sample, not Xero's
 * whole default chart (see README.md).
 */
export interface SandboxAccount {
  Code: string;
  Name: string;
  Type: string;
  Class: 'ASSET' | 'EQUITY' | 'EXPENSE' | 'LIABILITY' | 'REVENUE';
  TaxType: string;
  Status: 'ACTIVE' | 'ARCHIVED';
}

export const DEFAULT_ACCOUNTS: SandboxAccount[] = [
  { Code: '090', Name: 'Business Bank Account', Type: 'BANK', Class: 'ASSET', TaxType: 'NONE', Status: 'ACTIVE' },
  { Code: '200', Name: 'Sales', Type: 'REVENUE', Class: 'REVENUE', TaxType: 'OUTPUT2', Status: 'ACTIVE' },
  { Code: '250', Name: 'Software Licences', Type: 'REVENUE', Class: 'REVENUE', TaxType: 'OUTPUT2', Status: 'ACTIVE' },
  { Code: '260', Name: 'Other Revenue', Type: 'REVENUE', Class: 'REVENUE', TaxType: 'OUTPUT2', Status: 'ACTIVE' },
  { Code: '270', Name: 'Interest Income', Type: 'OTHERINCOME', Class: 'REVENUE', TaxType: 'EXEMPTOUTPUT', Status: 'ACTIVE' },
  { Code: '280', Name: 'Old Consulting Income', Type: 'REVENUE', Class: 'REVENUE', TaxType: 'OUTPUT2', Status: 'ARCHIVED' },
  { Code: '310', Name: 'Cost of Goods Sold', Type: 'DIRECTCOSTS', Class: 'EXPENSE', TaxType: 'INPUT2', Status: 'ACTIVE' },
  { Code: '400', Name: 'Advertising', Type: 'OVERHEADS', Class: 'EXPENSE', TaxType: 'INPUT2', Status: 'ACTIVE' },
  { Code: '610', Name: 'Accounts Receivable', Type: 'CURRENT', Class: 'ASSET', TaxType: 'NONE', Status: 'ACTIVE' },
  { Code: '800', Name: 'Accounts Payable', Type: 'CURRLIAB', Class: 'LIABILITY', TaxType: 'NONE', Status: 'ACTIVE' },
  { Code: '820', Name: 'VAT', Type: 'CURRLIAB', Class: 'LIABILITY', TaxType: 'NONE', Status: 'ACTIVE' },
  { Code: '970', Name: 'Owner A Funds Introduced', Type: 'EQUITY', Class: 'EQUITY', TaxType: 'NONE', Status: 'ACTIVE' },
];

export interface SandboxTaxRate {
  Name: string;
  TaxType: string;
  /** Percent, as Xero's EffectiveRate and DisplayTaxRate ("20.0000"). */
  Rate: string;
  ReportTaxType: string;
  Status: 'ACTIVE' | 'ARCHIVED';
  CanApplyToRevenue: boolean;
  CanApplyToExpenses: boolean;
}

export const DEFAULT_TAX_RATES: SandboxTaxRate[] = [
  { Name: '20% (VAT on Income)', TaxType: 'OUTPUT2', Rate: '20', ReportTaxType: 'OUTPUT', Status: 'ACTIVE', CanApplyToRevenue: true, CanApplyToExpenses: false },
  { Name: '5% (VAT on Income)', TaxType: 'RROUTPUT', Rate: '5', ReportTaxType: 'OUTPUT', Status: 'ACTIVE', CanApplyToRevenue: true, CanApplyToExpenses: false },
  { Name: 'Zero Rated Income', TaxType: 'ZERORATEDOUTPUT', Rate: '0', ReportTaxType: 'OUTPUT', Status: 'ACTIVE', CanApplyToRevenue: true, CanApplyToExpenses: false },
  { Name: 'Exempt Income', TaxType: 'EXEMPTOUTPUT', Rate: '0', ReportTaxType: 'EXEMPTOUTPUT', Status: 'ACTIVE', CanApplyToRevenue: true, CanApplyToExpenses: false },
  { Name: 'Reverse Charge Income', TaxType: 'ECZROUTPUTSERVICES', Rate: '0', ReportTaxType: 'ECOUTPUTSERVICES', Status: 'ACTIVE', CanApplyToRevenue: true, CanApplyToExpenses: false },
  { Name: '20% (VAT on Expenses)', TaxType: 'INPUT2', Rate: '20', ReportTaxType: 'INPUT', Status: 'ACTIVE', CanApplyToRevenue: false, CanApplyToExpenses: true },
  { Name: 'No VAT', TaxType: 'NONE', Rate: '0', ReportTaxType: 'NONE', Status: 'ACTIVE', CanApplyToRevenue: true, CanApplyToExpenses: true },
];
