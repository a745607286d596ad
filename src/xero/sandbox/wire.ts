import type { Decimal } from 'decimal.js';
import type { SandboxAccount, SandboxTaxRate } from './chart.js';
import type { Books, SandboxContact, SandboxDocument } from './state.js';

/** Xero's JSON date form: `/Date(1551744000000+0000)/`. */
export function msDate(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

function dayMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function num(d: Decimal): number {
  return Number(d.toFixed(2));
}

function unitNum(d: Decimal): number {
  return Number(d.toFixed(4));
}

/** The envelope every Accounting API answer carries (as in the spec's examples). */
export function envelope(now: number, body: Record<string, unknown>): Record<string, unknown> {
  return { Id: crypto.randomUUID(), Status: 'OK', ProviderName: 'Recurra Xero sandbox', DateTimeUTC: msDate(now), ...body };
}

export function contactWire(c: SandboxContact): Record<string, unknown> {
  return {
    ContactID: c.ContactID,
    ContactStatus: c.ContactStatus,
    Name: c.Name,
    EmailAddress: c.EmailAddress,
    Addresses: [],
    Phones: [],
    UpdatedDateUTC: msDate(c.updatedMs),
    ContactGroups: [],
    IsSupplier: false,
    IsCustomer: true,
    ContactPersons: [],
    HasAttachments: false,
    HasValidationErrors: false,
  };
}

export function accountWire(a: SandboxAccount & { AccountID: string }, updatedMs: number): Record<string, unknown> {
  return {
    AccountID: a.AccountID,
    Code: a.Code,
    Name: a.Name,
    Status: a.Status,
    Type: a.Type,
    TaxType: a.TaxType,
    Class: a.Class,
    EnablePaymentsToAccount: false,
    ShowInExpenseClaims: false,
    BankAccountType: a.Type === 'BANK' ? 'BANK' : '',
    ReportingCode: a.Class.slice(0, 3),
    ReportingCodeName: a.Class.charAt(0) + a.Class.slice(1).toLowerCase(),
    HasAttachments: false,
    UpdatedDateUTC: msDate(updatedMs),
    AddToWatchlist: false,
  };
}

export function taxRateWire(t: SandboxTaxRate): Record<string, unknown> {
  const rate = Number(t.Rate);
  return {
    Name: t.Name,
    TaxType: t.TaxType,
    ReportTaxType: t.ReportTaxType,
    CanApplyToAssets: t.CanApplyToExpenses,
    CanApplyToEquity: t.CanApplyToExpenses,
    CanApplyToExpenses: t.CanApplyToExpenses,
    CanApplyToLiabilities: t.CanApplyToExpenses,
    CanApplyToRevenue: t.CanApplyToRevenue,
    DisplayTaxRate: rate,
    EffectiveRate: rate,
    Status: t.Status,
    TaxComponents: [{ Name: 'VAT', Rate: rate, IsCompound: false, IsNonRecoverable: false }],
  };
}

function linesWire(doc: SandboxDocument): Array<Record<string, unknown>> {
  return doc.lines.map((l) => ({
    LineItemID: l.LineItemID,
    Description: l.Description,
    Quantity: unitNum(l.Quantity),
    UnitAmount: unitNum(l.UnitAmount),
    AccountCode: l.AccountCode,
    TaxType: l.TaxType,
    TaxAmount: num(l.TaxAmount),
    LineAmount: num(l.LineAmount),
    Tracking: [],
  }));
}

function contactRef(books: Books, id: string): Record<string, unknown> {
  const c = books.contacts.get(id);
  return { ContactID: id, Name: c?.Name ?? '', Addresses: [], Phones: [], ContactGroups: [], ContactPersons: [], HasValidationErrors: false };
}

function paymentsWire(doc: SandboxDocument): Array<Record<string, unknown>> {
  return doc.payments.map((p) => ({ PaymentID: p.PaymentID, Date: msDate(p.dateMs), Amount: num(p.Amount), Reference: '', CurrencyRate: 1, HasAccount: false, HasValidationErrors: false }));
}

export function invoiceWire(books: Books, doc: SandboxDocument): Record<string, unknown> {
  return {
    Type: doc.Type,
    InvoiceID: doc.id,
    InvoiceNumber: doc.number,
    Reference: doc.Reference,
    Payments: paymentsWire(doc),
    CreditNotes: [],
    Prepayments: [],
    Overpayments: [],
    AmountDue: num(doc.Total.minus(doc.AmountPaid)),
    AmountPaid: num(doc.AmountPaid),
    AmountCredited: 0,
    CurrencyRate: 1,
    IsDiscounted: false,
    HasAttachments: false,
    HasErrors: false,
    Contact: contactRef(books, doc.contactId),
    DateString: `${doc.date}T00:00:00`,
    Date: msDate(dayMs(doc.date)),
    ...(doc.dueDate ? { DueDateString: `${doc.dueDate}T00:00:00`, DueDate: msDate(dayMs(doc.dueDate)) } : {}),
    ...(doc.fullyPaidMs !== null ? { FullyPaidOnDate: msDate(doc.fullyPaidMs) } : {}),
    Status: doc.Status,
    LineAmountTypes: doc.LineAmountTypes,
    LineItems: linesWire(doc),
    SubTotal: num(doc.SubTotal),
    TotalTax: num(doc.TotalTax),
    Total: num(doc.Total),
    UpdatedDateUTC: msDate(doc.updatedMs),
    CurrencyCode: doc.CurrencyCode,
  };
}

export function creditNoteWire(books: Books, doc: SandboxDocument): Record<string, unknown> {
  return {
    CreditNoteID: doc.id,
    CreditNoteNumber: doc.number,
    Payments: paymentsWire(doc),
    CurrencyRate: 1,
    Type: doc.Type,
    Reference: doc.Reference,
    RemainingCredit: num(doc.Total.minus(doc.AmountPaid)),
    Allocations: [],
    HasAttachments: false,
    Contact: contactRef(books, doc.contactId),
    DateString: `${doc.date}T00:00:00`,
    Date: msDate(dayMs(doc.date)),
    ...(doc.fullyPaidMs !== null ? { FullyPaidOnDate: msDate(doc.fullyPaidMs) } : {}),
    Status: doc.Status,
    LineAmountTypes: doc.LineAmountTypes,
    LineItems: linesWire(doc),
    SubTotal: num(doc.SubTotal),
    TotalTax: num(doc.TotalTax),
    Total: num(doc.Total),
    UpdatedDateUTC: msDate(doc.updatedMs),
    CurrencyCode: doc.CurrencyCode,
  };
}
