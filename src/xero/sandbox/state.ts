import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { DEFAULT_ACCOUNTS, DEFAULT_TAX_RATES, type SandboxAccount, type SandboxTaxRate } from './chart.js';

/**
 * The in-memory books of one sandbox organisation: contacts, accounts, tax rates, invoices and credit notes, with
 * the validation Xero applies to a submitted invoice or credit note. Amounts are Decimal; the wire form (numbers,
 * `/Date(ms+0000)/` dates) is made in `wire.ts`.
 */
export type DocKind = 'invoice' | 'credit_note';
export type DocStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED';

export interface SandboxContact {
  ContactID: string;
  Name: string;
  EmailAddress: string;
  ContactStatus: 'ACTIVE' | 'ARCHIVED';
  updatedMs: number;
}

export interface SandboxLine {
  LineItemID: string;
  Description: string;
  Quantity: Decimal;
  UnitAmount: Decimal;
  AccountCode: string;
  TaxType: string;
  TaxAmount: Decimal;
  LineAmount: Decimal;
}

export interface SandboxPayment {
  PaymentID: string;
  dateMs: number;
  Amount: Decimal;
}

export interface SandboxDocument {
  kind: DocKind;
  id: string;
  /** ACCREC / ACCPAY for invoices, ACCRECCREDIT / ACCPAYCREDIT for credit notes. */
  Type: string;
  number: string;
  Reference: string;
  contactId: string;
  date: string;
  dueDate: string | null;
  Status: DocStatus;
  LineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  CurrencyCode: string;
  lines: SandboxLine[];
  SubTotal: Decimal;
  TotalTax: Decimal;
  Total: Decimal;
  payments: SandboxPayment[];
  AmountPaid: Decimal;
  fullyPaidMs: number | null;
  updatedMs: number;
}

/** A refused write: Xero's ValidationException, one element per submitted document. */
export class ValidationFailure extends Error {
  constructor(readonly element: Record<string, unknown>, readonly messages: string[]) {
    super(messages.join('; '));
  }
}

export const MESSAGES = {
  contactMissing: 'The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber',
  contactNotFound: (id: string) => `The contact with ContactID ${id} could not be found.`,
  contactNameTaken: (name: string) => `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`,
  accountInvalid: (code: string) => `Account code '${code}' is not a valid code for this document.`,
  accountArchived: (code: string) => `Account code '${code}' has been archived, or has been deleted. Each line item must reference a valid account.`,
  taxTypeInvalid: (code: string) => `The TaxType code ${code} does not exist or cannot be used for this type of transaction.`,
  invoiceNumberTaken: 'Invoice # must be unique.',
  creditNoteNumberTaken: 'Credit Note # must be unique.',
  lineAmountMismatch: (n: number) => `Line item ${n}: the LineAmount does not equal Quantity multiplied by UnitAmount.`,
  taxAmountMismatch: (n: number) => `Line item ${n}: the TaxAmount differs from the tax rate applied to the LineAmount by more than the rounding allowed.`,
  noLines: 'At least one line item is required.',
  numberInvalid: (n: number) => `Line item ${n}: Quantity and UnitAmount must be numbers.`,
  dateInvalid: 'Date must be a valid date (YYYY-MM-DD).',
  dueDateRequired: 'Due Date is required for an approved invoice.',
  paidLocked: 'This document cannot be edited as it has a payment or credit note allocated to it.',
  statusLocked: (label: string) => `${label} not of valid status for modification`,
  statusBackToDraft: (label: string) => `${label} cannot be returned to DRAFT once it has been approved.`,
  typeInvalid: (t: string) => `Type ${t} is not valid for this endpoint.`,
  notFound: 'The document with the supplied id was not found for this endpoint.',
};

/** Xero accepts a supplied TaxAmount within this of the rate applied to the line (a guess; see README). */
const TAX_TOLERANCE = new Decimal('0.02');
const DATE = /^\d{4}-\d{2}-\d{2}(T00:00:00)?$/;

export class Books {
  readonly accounts: Array<SandboxAccount & { AccountID: string }>;
  readonly taxRates: SandboxTaxRate[];
  readonly contacts = new Map<string, SandboxContact>();
  readonly documents = new Map<string, SandboxDocument>();

  constructor(private readonly now: () => number, chart?: { accounts?: SandboxAccount[]; taxRates?: SandboxTaxRate[] }) {
    this.accounts = (chart?.accounts ?? DEFAULT_ACCOUNTS).map((a) => ({ ...a, AccountID: randomUUID() }));
    this.taxRates = (chart?.taxRates ?? DEFAULT_TAX_RATES).map((t) => ({ ...t }));
  }

  // ---- contacts ----

  createContact(input: Record<string, unknown>): SandboxContact {
    const name = typeof input['Name'] === 'string' ? input['Name'].trim() : '';
    if (!name) throw new ValidationFailure(input, [MESSAGES.contactMissing]);
    if ([...this.contacts.values()].some((c) => c.ContactStatus === 'ACTIVE' && c.Name.toLowerCase() === name.toLowerCase())) {
      throw new ValidationFailure(input, [MESSAGES.contactNameTaken(name)]);
    }
    const contact: SandboxContact = {
      ContactID: randomUUID(),
      Name: name,
      EmailAddress: typeof input['EmailAddress'] === 'string' ? input['EmailAddress'] : '',
      ContactStatus: 'ACTIVE',
      updatedMs: this.now(),
    };
    this.contacts.set(contact.ContactID, contact);
    return contact;
  }

  // ---- invoices and credit notes ----

  documentsOf(kind: DocKind): SandboxDocument[] {
    return [...this.documents.values()].filter((d) => d.kind === kind);
  }

  /** PUT (create) or POST (create or update) of one submitted document. */
  write(kind: DocKind, input: Record<string, unknown>, mode: 'create' | 'upsert', pathId?: string): { doc: SandboxDocument; created: boolean } {
    const idField = kind === 'invoice' ? 'InvoiceID' : 'CreditNoteID';
    const numberField = kind === 'invoice' ? 'InvoiceNumber' : 'CreditNoteNumber';
    const id = pathId ?? (typeof input[idField] === 'string' ? (input[idField] as string) : undefined);
    let existing: SandboxDocument | undefined;
    if (mode === 'upsert' && id) {
      existing = this.documents.get(id);
      if (!existing || existing.kind !== kind) throw new ValidationFailure(input, [MESSAGES.notFound]);
    } else if (mode === 'upsert' && typeof input[numberField] === 'string' && input[numberField]) {
      existing = this.documentsOf(kind).find((d) => d.number === input[numberField] && d.Status !== 'DELETED' && d.Status !== 'VOIDED');
    }
    return existing ? { doc: this.update(existing, input), created: false } : { doc: this.create(kind, input), created: true };
  }

  private label(kind: DocKind): string {
    return kind === 'invoice' ? 'Invoice' : 'Credit Note';
  }

  private create(kind: DocKind, input: Record<string, unknown>): SandboxDocument {
    const errors: string[] = [];
    const type = String(input['Type'] ?? '');
    const allowed = kind === 'invoice' ? ['ACCREC', 'ACCPAY'] : ['ACCRECCREDIT', 'ACCPAYCREDIT'];
    if (!allowed.includes(type)) errors.push(MESSAGES.typeInvalid(type || '(none)'));
    const numberField = kind === 'invoice' ? 'InvoiceNumber' : 'CreditNoteNumber';
    const number = typeof input[numberField] === 'string' ? (input[numberField] as string).trim() : '';
    if (number && this.documentsOf(kind).some((d) => d.number.toLowerCase() === number.toLowerCase() && d.Type === type && d.Status !== 'DELETED')) {
      errors.push(kind === 'invoice' ? MESSAGES.invoiceNumberTaken : MESSAGES.creditNoteNumberTaken);
    }
    const status = (typeof input['Status'] === 'string' ? input['Status'] : 'DRAFT') as DocStatus;
    if (!['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(status)) errors.push(MESSAGES.statusLocked(this.label(kind)));
    const content = this.content(kind, input, status, errors);
    if (errors.length) throw new ValidationFailure(input, errors);
    const seq = this.documentsOf(kind).length + 1;
    const doc: SandboxDocument = {
      kind,
      id: randomUUID(),
      Type: type,
      number: number || `${kind === 'invoice' ? 'INV' : 'CN'}-${String(seq).padStart(4, '0')}`,
      Status: status,
      payments: [],
      AmountPaid: new Decimal(0),
      fullyPaidMs: null,
      updatedMs: this.now(),
      ...content!,
    };
    this.documents.set(doc.id, doc);
    return doc;
  }

  private update(doc: SandboxDocument, input: Record<string, unknown>): SandboxDocument {
    const label = this.label(doc.kind);
    if (doc.Status === 'PAID' || doc.AmountPaid.gt(0)) throw new ValidationFailure(input, [MESSAGES.paidLocked]);
    if (doc.Status === 'VOIDED' || doc.Status === 'DELETED') throw new ValidationFailure(input, [MESSAGES.statusLocked(label)]);
    const status = (typeof input['Status'] === 'string' ? input['Status'] : doc.Status) as DocStatus;
    const errors: string[] = [];
    if (status === 'DRAFT' && doc.Status !== 'DRAFT') errors.push(MESSAGES.statusBackToDraft(label));
    if (status === 'DELETED' && doc.Status !== 'DRAFT' && doc.Status !== 'SUBMITTED') errors.push(MESSAGES.statusLocked(label));
    if (status === 'VOIDED' && doc.Status !== 'AUTHORISED') errors.push(MESSAGES.statusLocked(label));
    if (status === 'PAID') errors.push(MESSAGES.statusLocked(label));
    const numberField = doc.kind === 'invoice' ? 'InvoiceNumber' : 'CreditNoteNumber';
    const number = typeof input[numberField] === 'string' ? (input[numberField] as string).trim() : doc.number;
    if (number !== doc.number && this.documentsOf(doc.kind).some((d) => d.id !== doc.id && d.number.toLowerCase() === number.toLowerCase() && d.Status !== 'DELETED')) {
      errors.push(doc.kind === 'invoice' ? MESSAGES.invoiceNumberTaken : MESSAGES.creditNoteNumberTaken);
    }
    // Only a status change (void, delete) may leave the content out; otherwise the submitted fields replace the old.
    const merged: Record<string, unknown> = {
      Contact: { ContactID: doc.contactId },
      Date: doc.date,
      DueDate: doc.dueDate ?? undefined,
      Reference: doc.Reference,
      LineAmountTypes: doc.LineAmountTypes,
      CurrencyCode: doc.CurrencyCode,
      ...input,
    };
    const content = input['LineItems'] === undefined ? { ...this.contentWithoutLines(doc, merged, status, errors) } : this.content(doc.kind, merged, status, errors);
    if (errors.length) throw new ValidationFailure(input, errors);
    Object.assign(doc, content, { number, Status: status, updatedMs: Math.max(this.now(), doc.updatedMs + 1) });
    return doc;
  }

  private contentWithoutLines(doc: SandboxDocument, input: Record<string, unknown>, status: DocStatus, errors: string[]) {
    const c = this.content(doc.kind, { ...input, LineItems: doc.lines.map((l) => ({ ...l })) }, status, errors);
    return c ? { ...c, lines: doc.lines } : undefined;
  }

  /** Validates and computes everything a submission carries; pushes Xero's messages onto `errors`. */
  private content(kind: DocKind, input: Record<string, unknown>, status: DocStatus, errors: string[]) {
    const contact = input['Contact'] as Record<string, unknown> | undefined;
    let contactId = '';
    if (!contact || (!contact['ContactID'] && !contact['Name'])) errors.push(MESSAGES.contactMissing);
    else if (typeof contact['ContactID'] === 'string' && contact['ContactID']) {
      if (!this.contacts.has(contact['ContactID'])) errors.push(MESSAGES.contactNotFound(contact['ContactID']));
      else contactId = contact['ContactID'];
    } else {
      const name = String(contact['Name']).trim();
      const found = [...this.contacts.values()].find((c) => c.Name.toLowerCase() === name.toLowerCase());
      contactId = found ? found.ContactID : this.createContact({ Name: name, EmailAddress: contact['EmailAddress'] }).ContactID;
    }
    const date = typeof input['Date'] === 'string' ? input['Date'] : new Date(this.now()).toISOString().slice(0, 10);
    if (!DATE.test(date)) errors.push(MESSAGES.dateInvalid);
    const dueDate = typeof input['DueDate'] === 'string' && input['DueDate'] ? input['DueDate'] : null;
    if (dueDate && !DATE.test(dueDate)) errors.push(MESSAGES.dateInvalid);
    if (kind === 'invoice' && status === 'AUTHORISED' && !dueDate) errors.push(MESSAGES.dueDateRequired);
    const lineAmountTypes = (input['LineAmountTypes'] ?? 'Exclusive') as SandboxDocument['LineAmountTypes'];
    const rawLines = Array.isArray(input['LineItems']) ? (input['LineItems'] as Array<Record<string, unknown>>) : [];
    if (rawLines.length === 0 && status !== 'DRAFT') errors.push(MESSAGES.noLines);
    const lines: SandboxLine[] = [];
    rawLines.forEach((raw, i) => {
      const n = i + 1;
      const quantity = dec(raw['Quantity'], 1);
      const unit = dec(raw['UnitAmount'], 0);
      if (quantity.isNaN() || unit.isNaN()) errors.push(MESSAGES.numberInvalid(n));
      const computed = quantity.times(unit).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      const lineAmount = raw['LineAmount'] === undefined ? computed : dec(raw['LineAmount'], 0);
      if (lineAmount.minus(computed).abs().gt('0.01')) errors.push(MESSAGES.lineAmountMismatch(n));
      const code = String(raw['AccountCode'] ?? '');
      const account = this.accounts.find((a) => a.Code === code);
      if (!account) errors.push(MESSAGES.accountInvalid(code));
      else if (account.Status !== 'ACTIVE') errors.push(MESSAGES.accountArchived(code));
      const taxType = String(raw['TaxType'] ?? account?.TaxType ?? 'NONE');
      const rate = this.taxRates.find((t) => t.TaxType === taxType && t.Status === 'ACTIVE');
      const forSales = kind === 'invoice' ? input['Type'] !== 'ACCPAY' : input['Type'] !== 'ACCPAYCREDIT';
      if (!rate || !(forSales ? rate.CanApplyToRevenue : rate.CanApplyToExpenses)) errors.push(MESSAGES.taxTypeInvalid(taxType));
      const pct = new Decimal(rate?.Rate ?? 0).div(100);
      const expectedTax =
        lineAmountTypes === 'NoTax' ? new Decimal(0)
        : lineAmountTypes === 'Inclusive' ? lineAmount.minus(lineAmount.div(pct.plus(1))).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
        : lineAmount.times(pct).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      const taxAmount = raw['TaxAmount'] === undefined ? expectedTax : dec(raw['TaxAmount'], 0);
      if (taxAmount.minus(expectedTax).abs().gt(TAX_TOLERANCE)) errors.push(MESSAGES.taxAmountMismatch(n));
      lines.push({
        LineItemID: typeof raw['LineItemID'] === 'string' ? raw['LineItemID'] : randomUUID(),
        Description: String(raw['Description'] ?? ''),
        Quantity: quantity,
        UnitAmount: unit,
        AccountCode: code,
        TaxType: taxType,
        TaxAmount: taxAmount,
        LineAmount: lineAmount,
      });
    });
    if (errors.length) return undefined;
    const lineSum = lines.reduce((s, l) => s.plus(l.LineAmount), new Decimal(0));
    const tax = lines.reduce((s, l) => s.plus(l.TaxAmount), new Decimal(0));
    const subTotal = lineAmountTypes === 'Inclusive' ? lineSum.minus(tax) : lineSum;
    return {
      contactId,
      date: date.slice(0, 10),
      dueDate: dueDate ? dueDate.slice(0, 10) : null,
      Reference: typeof input['Reference'] === 'string' ? input['Reference'] : '',
      LineAmountTypes: lineAmountTypes,
      CurrencyCode: typeof input['CurrencyCode'] === 'string' ? input['CurrencyCode'] : 'GBP',
      lines,
      SubTotal: subTotal,
      TotalTax: tax,
      Total: subTotal.plus(tax),
    };
  }

  // ---- test helpers: what happens in the books outside the API ----

  recordPayment(id: string, amount: Decimal.Value): SandboxDocument {
    const doc = this.documents.get(id);
    if (!doc) throw new Error(`no document ${id}`);
    if (doc.Status !== 'AUTHORISED') throw new Error(`payments can only be made against AUTHORISED documents (this one is ${doc.Status})`);
    const value = new Decimal(amount);
    const due = doc.Total.minus(doc.AmountPaid);
    if (value.lte(0) || value.gt(due)) throw new Error(`the payment amount must be positive and at most the amount outstanding (${due.toFixed(2)})`);
    const at = this.now();
    doc.payments.push({ PaymentID: randomUUID(), dateMs: at, Amount: value });
    doc.AmountPaid = doc.AmountPaid.plus(value);
    if (doc.AmountPaid.eq(doc.Total)) {
      doc.Status = 'PAID';
      doc.fullyPaidMs = at;
    }
    doc.updatedMs = Math.max(at, doc.updatedMs + 1);
    return doc;
  }

  voidDocument(id: string): SandboxDocument {
    const doc = this.documents.get(id);
    if (!doc) throw new Error(`no document ${id}`);
    if (doc.AmountPaid.gt(0)) throw new Error(MESSAGES.paidLocked);
    doc.Status = doc.Status === 'DRAFT' ? 'DELETED' : 'VOIDED';
    doc.updatedMs = Math.max(this.now(), doc.updatedMs + 1);
    return doc;
  }
}

function dec(v: unknown, fallback: number): Decimal {
  if (v === undefined || v === null || v === '') return new Decimal(fallback);
  try {
    return new Decimal(typeof v === 'number' ? String(v) : (v as string));
  } catch {
    return new Decimal(Number.NaN);
  }
}
