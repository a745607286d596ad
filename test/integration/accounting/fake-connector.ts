import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import {
  AccountingError, type AccountingConnector, type AccountingDocument, type AccountingVendor, type ConnectorSession, type ExternalContact,
  type ExternalDocument, type ExternalDocumentType, type ExternalLedgerTarget, type ExternalTaxRate,
} from '../../../src/accounting/connector.js';
import type { OpenAccounting } from '../../../src/accounting/access.js';

/** A stored document of the fake books. */
export interface FakeDocument extends ExternalDocument {
  sent: AccountingDocument;
  updates: number;
}

/**
 * The books in memory, behind the AccountingConnector interface: contacts, accounts, tax rates, documents (found by
 * number), payments. Counts the calls that write, so tests can say "created once".
 */
export class FakeBooks implements AccountingConnector {
  readonly contactList: ExternalContact[] = [];
  readonly targets: ExternalLedgerTarget[] = [{ ref: '200', name: 'Sales', kind: 'account' }, { ref: '260', name: 'Other Revenue', kind: 'account' }];
  readonly rates: ExternalTaxRate[] = [
    { code: 'OUTPUT2', name: '20% (VAT on Income)', rate: new Decimal('0.2') },
    { code: 'OUTPUT10', name: '10% GST', rate: new Decimal('0.1') },
    { code: 'NONE', name: 'No VAT', rate: new Decimal(0) },
  ];
  readonly docs: FakeDocument[] = [];
  calls = { create: 0, update: 0, find: 0, documents: 0, createContact: 0 };
  /** Called after a document was created, before it is returned (a crash there: the caller never hears of it). */
  afterCreate: (() => void) | null = null;
  /** Waits inside findDocument (to let two pushes overlap). */
  findDelayMs = 0;

  constructor(readonly vendor: AccountingVendor = 'xero') {}

  addContact(name: string, email: string | null = null): ExternalContact {
    const c = { id: randomUUID(), name, email };
    this.contactList.push(c);
    return c;
  }

  pay(number: string, amount: string): void {
    const d = this.docs.find((x) => x.number === number)!;
    d.amountPaid = d.amountPaid.plus(amount);
    d.amountDue = d.total.minus(d.amountPaid);
    d.status = d.amountDue.lte(0) ? 'paid' : 'partly_paid';
  }

  authorizationUrl(): string { return 'http://fake/authorize'; }
  async exchangeCode(): Promise<never> { throw new Error('not used'); }
  async refresh(): Promise<never> { throw new Error('not used'); }
  async revoke(): Promise<void> {}

  async contacts(_s: ConnectorSession): Promise<ExternalContact[]> { return this.contactList.map((c) => ({ ...c })); }
  async createContact(_s: ConnectorSession, input: { name: string; email: string | null }): Promise<ExternalContact> {
    this.calls.createContact++;
    return this.addContact(input.name, input.email);
  }
  async ledgerTargets(): Promise<ExternalLedgerTarget[]> { return this.targets; }
  async taxRates(): Promise<ExternalTaxRate[]> { return this.rates; }

  private view(d: FakeDocument): ExternalDocument {
    return { type: d.type, id: d.id, number: d.number, status: d.status, total: d.total, amountPaid: d.amountPaid, amountDue: d.amountDue, dueDate: d.dueDate, version: d.version, url: d.url };
  }

  async findDocument(_s: ConnectorSession, type: ExternalDocumentType, number: string): Promise<ExternalDocument | null> {
    this.calls.find++;
    if (this.findDelayMs) await new Promise((r) => setTimeout(r, this.findDelayMs));
    const d = this.docs.find((x) => x.type === type && x.number === number && x.status !== 'voided');
    return d ? this.view(d) : null;
  }

  async createDocument(_s: ConnectorSession, doc: AccountingDocument): Promise<ExternalDocument> {
    this.calls.create++;
    if (!this.contactList.some((c) => c.id === doc.contactId)) throw new AccountingError('invalid', 'Contact not found', 400);
    const d: FakeDocument = {
      type: doc.type, id: randomUUID(), number: doc.number, status: doc.post === 'draft' ? 'draft' : 'open', total: doc.total,
      amountPaid: new Decimal(0), amountDue: doc.total, dueDate: doc.dueDate, version: '1', url: null, sent: doc, updates: 0,
    };
    this.docs.push(d);
    this.afterCreate?.();
    return this.view(d);
  }

  async updateDocument(_s: ConnectorSession, existing: ExternalDocument, doc: AccountingDocument): Promise<ExternalDocument> {
    this.calls.update++;
    const d = this.docs.find((x) => x.id === existing.id);
    if (!d) throw new AccountingError('not_found', 'no such document', 404);
    if (d.status === 'paid' || d.status === 'partly_paid' || d.status === 'voided') throw new AccountingError('locked', `Invoice ${d.number} is ${d.status}`, 400);
    Object.assign(d, { total: doc.total, amountDue: doc.total.minus(d.amountPaid), dueDate: doc.dueDate, sent: doc, updates: d.updates + 1, version: String(Number(d.version) + 1) });
    return this.view(d);
  }

  async documents(_s: ConnectorSession, refs: ReadonlyArray<{ type: ExternalDocumentType; id: string }>): Promise<ExternalDocument[]> {
    this.calls.documents++;
    return this.docs.filter((d) => refs.some((r) => r.id === d.id && r.type === d.type)).map((d) => this.view(d));
  }
}

/** An opener that gives the fake books for any tenant (one per vendor). */
export function fakeOpen(books: FakeBooks | Partial<Record<AccountingVendor, FakeBooks>>): OpenAccounting {
  return async (_tenantId, vendor) => {
    const b = books instanceof FakeBooks ? books : books[vendor];
    if (!b) throw Object.assign(new Error(`connect ${vendor} first`), { kind: 'conflict' });
    return { connector: b, session: { accessToken: 'fake', organisationId: 'org-1' } };
  };
}
