import { Decimal } from 'decimal.js';
import { faults, SandboxFault } from './faults.js';
import type { ParsedQuery } from './query.js';

/**
 * One QuickBooks Online company (realm) in memory: its customers, items, tax codes and rates, invoices, credit memos and
 * payments, with the business rules Recurra meets (SyncToken concurrency, DocNumber rules, paid and voided
 * transactions). Amounts are computed in decimal and answered as JSON numbers, as Intuit does.
 */

type Json = Record<string, unknown>;
type Ref = { value: string; name?: string };

export interface SandboxLine {
  Id: string;
  LineNum: number;
  Description?: string;
  Amount: number;
  DetailType: 'SalesItemLineDetail';
  SalesItemLineDetail: { ItemRef: Ref; Qty?: number; UnitPrice?: number; TaxCodeRef: Ref; ServiceDate?: string };
}

export interface SandboxTxn {
  kind: 'Invoice' | 'CreditMemo';
  Id: string;
  SyncToken: string;
  DocNumber: string;
  TxnDate: string;
  DueDate?: string;
  CustomerRef: Ref;
  CurrencyRef: Ref;
  Line: SandboxLine[];
  TxnTaxDetail: { TxnTaxCodeRef?: Ref; TotalTax: number };
  GlobalTaxCalculation?: string;
  TotalAmt: number;
  Balance: number;
  PrivateNote?: string;
  LinkedTxn: Array<{ TxnId: string; TxnType: string }>;
  CreateTime: string;
  LastUpdatedTime: string;
  voided: boolean;
}

export interface SandboxCustomer {
  Id: string;
  SyncToken: string;
  DisplayName: string;
  CompanyName?: string;
  PrimaryEmailAddr?: { Address: string };
  Active: boolean;
  CreateTime: string;
  LastUpdatedTime: string;
}

export interface SandboxItem {
  Id: string;
  Name: string;
  Type: 'Service' | 'NonInventory';
  IncomeAccountRef: Ref;
  Taxable: boolean;
  UnitPrice: number;
}

export interface SandboxTaxRate {
  Id: string;
  Name: string;
  RateValue: number;
}

export interface SandboxTaxCode {
  Id: string;
  Name: string;
  Description: string;
  Taxable: boolean;
  TaxGroup: boolean;
  rateIds: string[];
}

export interface CompanyOptions {
  realmId: string;
  name: string;
  /** ISO 4217; documents in another currency are refused unless multiCurrency (README.md). */
  homeCurrency: string;
  multiCurrency: boolean;
  /** Refuse a DocNumber already used by a transaction of the same type (Intuit's "warn on duplicate numbers" setting). */
  rejectDuplicateDocNumber: boolean;
}

const DEFAULT_ITEMS: SandboxItem[] = [
  { Id: '1', Name: 'Services', Type: 'Service', IncomeAccountRef: { value: '1', name: 'Services' }, Taxable: true, UnitPrice: 0 },
  { Id: '2', Name: 'Hours', Type: 'Service', IncomeAccountRef: { value: '1', name: 'Services' }, Taxable: true, UnitPrice: 0 },
  { Id: '3', Name: 'Software Licences', Type: 'NonInventory', IncomeAccountRef: { value: '79', name: 'Sales of Product Income' }, Taxable: true, UnitPrice: 0 },
  { Id: '4', Name: 'Cloud Usage', Type: 'Service', IncomeAccountRef: { value: '80', name: 'Cloud Services Income' }, Taxable: true, UnitPrice: 0 },
];

const DEFAULT_RATES: SandboxTaxRate[] = [
  { Id: '1', Name: 'Standard 20%', RateValue: 20 },
  { Id: '2', Name: 'Reduced 5%', RateValue: 5 },
  { Id: '3', Name: 'Zero 0%', RateValue: 0 },
  { Id: '4', Name: 'State 7.1%', RateValue: 7.1 },
  { Id: '5', Name: 'City 2%', RateValue: 2 },
];

const DEFAULT_CODES: SandboxTaxCode[] = [
  { Id: 'TAX', Name: 'TAX', Description: 'TAX', Taxable: true, TaxGroup: false, rateIds: [] },
  { Id: 'NON', Name: 'NON', Description: 'NON', Taxable: false, TaxGroup: false, rateIds: [] },
  { Id: '2', Name: '20.0% S', Description: 'Standard rate sales', Taxable: true, TaxGroup: true, rateIds: ['1'] },
  { Id: '3', Name: '5.0% R', Description: 'Reduced rate sales', Taxable: true, TaxGroup: true, rateIds: ['2'] },
  { Id: '4', Name: '0.0% Z', Description: 'Zero-rated sales', Taxable: true, TaxGroup: true, rateIds: ['3'] },
  { Id: '5', Name: 'Tucson', Description: 'Tucson', Taxable: true, TaxGroup: true, rateIds: ['4', '5'] },
];

const DEFAULT_CUSTOMERS = [
  { DisplayName: 'Northwind Traders', email: 'accounts@northwind.example' },
  { DisplayName: 'Contoso Ltd', email: 'ap@contoso.example' },
];

const D = (v: Decimal.Value) => new Decimal(v);
const num = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();

export class Company {
  readonly customers = new Map<string, SandboxCustomer>();
  readonly items = new Map<string, SandboxItem>();
  readonly taxRates = new Map<string, SandboxTaxRate>();
  readonly taxCodes = new Map<string, SandboxTaxCode>();
  readonly invoices = new Map<string, SandboxTxn>();
  readonly creditMemos = new Map<string, SandboxTxn>();
  readonly payments = new Map<string, { Id: string; invoiceId: string; amount: number; TxnDate: string }>();
  readonly #seq = new Map<string, number>();

  constructor(readonly opts: CompanyOptions, private readonly now: () => number) {
    for (const i of DEFAULT_ITEMS) this.items.set(i.Id, { ...i });
    for (const r of DEFAULT_RATES) this.taxRates.set(r.Id, { ...r });
    for (const c of DEFAULT_CODES) this.taxCodes.set(c.Id, { ...c, rateIds: [...c.rateIds] });
    this.#seq.set('Item', DEFAULT_ITEMS.length);
    for (const c of DEFAULT_CUSTOMERS) this.createCustomer({ DisplayName: c.DisplayName, PrimaryEmailAddr: { Address: c.email } });
  }

  #nextId(kind: string): string {
    const n = (this.#seq.get(kind) ?? 0) + 1;
    this.#seq.set(kind, n);
    return String(n);
  }

  #stamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  // ---- customers --------------------------------------------------------------------------------------------------

  createCustomer(body: Json): SandboxCustomer {
    if (body.Id !== undefined) throw faults.invalid('Id', 'Recurra\'s sandbox supports creating customers only (no customer update)');
    const name = typeof body.DisplayName === 'string' ? body.DisplayName.trim() : '';
    if (!name) throw faults.required('DisplayName');
    if (name.length > 500) throw faults.length('DisplayName', 500, name.length);
    if ([...this.customers.values()].some((c) => c.DisplayName.toLowerCase() === name.toLowerCase())) throw faults.duplicateName();
    const email = (body.PrimaryEmailAddr as { Address?: unknown } | undefined)?.Address;
    if (email !== undefined && (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email))) {
      throw new SandboxFault(400, '2210', 'Email Address does not conform to the syntax rules of RFC 822', 'Email Address does not conform to the syntax rules of RFC 822.', 'ValidationFault', 'PrimaryEmailAddr');
    }
    const at = this.#stamp();
    const c: SandboxCustomer = {
      Id: this.#nextId('Customer'),
      SyncToken: '0',
      DisplayName: name,
      ...(typeof body.CompanyName === 'string' ? { CompanyName: body.CompanyName } : {}),
      ...(typeof email === 'string' ? { PrimaryEmailAddr: { Address: email } } : {}),
      Active: true,
      CreateTime: at,
      LastUpdatedTime: at,
    };
    this.customers.set(c.Id, c);
    return c;
  }

  // ---- transactions -----------------------------------------------------------------------------------------------

  #store(kind: SandboxTxn['kind']): Map<string, SandboxTxn> {
    return kind === 'Invoice' ? this.invoices : this.creditMemos;
  }

  /** Create (no Id) or update (Id + SyncToken, sparse or full) an Invoice or CreditMemo. */
  saveTxn(kind: SandboxTxn['kind'], body: Json): SandboxTxn {
    if (body.Id === undefined || body.Id === null) return this.#create(kind, body);
    return this.#update(kind, body);
  }

  #create(kind: SandboxTxn['kind'], body: Json): SandboxTxn {
    if (body.SyncToken !== undefined) throw faults.invalid('SyncToken', 'SyncToken is read only on create');
    const at = this.#stamp();
    const txn: SandboxTxn = {
      kind,
      Id: '',
      SyncToken: '0',
      DocNumber: '',
      TxnDate: this.today(),
      CustomerRef: { value: '' },
      CurrencyRef: { value: this.opts.homeCurrency },
      Line: [],
      TxnTaxDetail: { TotalTax: 0 },
      TotalAmt: 0,
      Balance: 0,
      LinkedTxn: [],
      CreateTime: at,
      LastUpdatedTime: at,
      voided: false,
    };
    this.#apply(txn, body, true);
    txn.Id = this.#nextId(kind);
    if (!txn.DocNumber) txn.DocNumber = String(1000 + Number(txn.Id));
    this.#checkDocNumber(txn);
    this.#total(txn, D(0));
    this.#store(kind).set(txn.Id, txn);
    return txn;
  }

  #update(kind: SandboxTxn['kind'], body: Json): SandboxTxn {
    const id = String(body.Id);
    const existing = this.#store(kind).get(id);
    if (!existing) throw faults.notFound(kind, id);
    if (body.SyncToken === undefined || body.SyncToken === null || body.SyncToken === '') throw faults.required('SyncToken');
    if (String(body.SyncToken) !== existing.SyncToken) throw faults.stale();
    if (existing.voided) throw faults.business(`This ${kind === 'Invoice' ? 'invoice' : 'credit memo'} has been voided and can no longer be changed.`);
    const paid = this.#paidOn(existing);
    if (kind === 'Invoice' && paid.gt(0) && existing.Balance === 0) {
      throw faults.business('This invoice has been paid in full. Remove its payments before you change it.');
    }
    const next: SandboxTxn = structuredClone(existing);
    this.#apply(next, body, body.sparse !== true);
    this.#checkDocNumber(next);
    this.#total(next, paid);
    if (next.Balance < 0) throw faults.business('The payments applied to this invoice exceed its new total.');
    next.SyncToken = String(Number(existing.SyncToken) + 1);
    next.LastUpdatedTime = this.#stamp();
    this.#store(kind).set(id, next);
    return next;
  }

  /** Copies the writable fields of `body` onto `txn`; a full write clears the ones left out. */
  #apply(txn: SandboxTxn, body: Json, full: boolean): void {
    for (const key of Object.keys(body)) {
      if (!WRITABLE.has(key)) throw faults.invalid(key, `Property Name:${key} is not a writable property of ${txn.kind} in this sandbox`);
    }
    const has = (k: string) => body[k] !== undefined && body[k] !== null;
    if (has('CustomerRef') || full) {
      const ref = body.CustomerRef as Ref | undefined;
      if (!ref?.value) throw faults.required('CustomerRef');
      const c = this.customers.get(String(ref.value));
      if (!c || !c.Active) throw faults.invalidRef('CustomerRef', String(ref.value));
      txn.CustomerRef = { value: c.Id, name: c.DisplayName };
    }
    if (has('Line') || full) {
      if (!Array.isArray(body.Line) || body.Line.length === 0) throw faults.required('Line');
      txn.Line = this.#lines(body.Line as Json[]);
    }
    if (has('DocNumber')) {
      const doc = String(body.DocNumber);
      if (doc.length > 21) throw faults.length('DocNumber', 21, doc.length);
      txn.DocNumber = doc;
    }
    if (has('TxnDate')) txn.TxnDate = date(body.TxnDate, 'TxnDate');
    else if (full && txn.Id) txn.TxnDate = this.today();
    if (txn.kind === 'Invoice') {
      if (has('DueDate')) txn.DueDate = date(body.DueDate, 'DueDate');
      else if (full) txn.DueDate = addDays(txn.TxnDate, 30);
    }
    if (has('CurrencyRef')) {
      const cur = String((body.CurrencyRef as Ref).value ?? '').toUpperCase();
      if (!/^[A-Z]{3}$/.test(cur)) throw faults.invalid('CurrencyRef', `Invalid currency ${cur}`);
      if (cur !== this.opts.homeCurrency && !this.opts.multiCurrency) {
        throw faults.business(`Multicurrency is not enabled for this company; its home currency is ${this.opts.homeCurrency} and the transaction is in ${cur}.`);
      }
      txn.CurrencyRef = { value: cur };
    }
    if (has('GlobalTaxCalculation')) {
      const g = String(body.GlobalTaxCalculation);
      if (!['TaxExcluded', 'TaxInclusive', 'NotApplicable'].includes(g)) throw faults.invalid('GlobalTaxCalculation', `Invalid Enumeration : ${g}`);
      txn.GlobalTaxCalculation = g;
    }
    if (has('PrivateNote')) {
      const note = String(body.PrivateNote);
      if (note.length > 4000) throw faults.length('PrivateNote', 4000, note.length);
      txn.PrivateNote = note;
    } else if (full) delete txn.PrivateNote;
    if (has('TxnTaxDetail')) {
      const t = body.TxnTaxDetail as { TotalTax?: unknown; TxnTaxCodeRef?: Ref };
      txn.TxnTaxDetail = { TotalTax: NaN };
      if (t.TxnTaxCodeRef?.value) {
        if (!this.taxCodes.has(String(t.TxnTaxCodeRef.value))) throw faults.invalidRef('TxnTaxCodeRef', String(t.TxnTaxCodeRef.value));
        txn.TxnTaxDetail.TxnTaxCodeRef = { value: String(t.TxnTaxCodeRef.value) };
      }
      if (t.TotalTax !== undefined && t.TotalTax !== null) {
        if (typeof t.TotalTax !== 'number' || !Number.isFinite(t.TotalTax) || t.TotalTax < 0) throw faults.invalid('TotalTax', 'TotalTax must be a non-negative number');
        txn.TxnTaxDetail.TotalTax = t.TotalTax;
      }
    } else if (full || has('Line')) {
      txn.TxnTaxDetail = { TotalTax: NaN }; // computed
    }
  }

  #lines(input: Json[]): SandboxLine[] {
    const out: SandboxLine[] = [];
    for (const l of input) {
      if (l.DetailType === 'SubTotalLineDetail') continue; // QuickBooks computes the subtotal line itself
      if (l.DetailType !== 'SalesItemLineDetail') throw faults.invalid('DetailType', `Line DetailType ${String(l.DetailType)} is not supported by this sandbox (SalesItemLineDetail only)`);
      const d = (l.SalesItemLineDetail ?? {}) as Json;
      const itemRef = d.ItemRef as Ref | undefined;
      if (!itemRef?.value) throw faults.required('ItemRef');
      const item = this.items.get(String(itemRef.value));
      if (!item) throw faults.invalidRef('ItemRef', String(itemRef.value));
      const taxId = String((d.TaxCodeRef as Ref | undefined)?.value ?? 'NON');
      const code = this.taxCodes.get(taxId);
      if (!code) throw faults.invalidRef('TaxCodeRef', taxId);
      if (typeof l.Amount !== 'number' || !Number.isFinite(l.Amount)) throw faults.required('Amount');
      const qty = d.Qty;
      const price = d.UnitPrice;
      if (qty !== undefined && typeof qty !== 'number') throw faults.invalid('Qty', 'Qty must be a number');
      if (price !== undefined && typeof price !== 'number') throw faults.invalid('UnitPrice', 'UnitPrice must be a number');
      if (typeof qty === 'number' && typeof price === 'number' && !D(qty).times(price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).eq(D(l.Amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP))) {
        throw faults.amount(String(l.Amount));
      }
      const line: SandboxLine = {
        Id: String(out.length + 1),
        LineNum: out.length + 1,
        ...(typeof l.Description === 'string' ? { Description: l.Description.slice(0, 4000) } : {}),
        Amount: num(D(l.Amount)),
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: {
          ItemRef: { value: item.Id, name: item.Name },
          ...(typeof qty === 'number' ? { Qty: qty } : {}),
          ...(typeof price === 'number' ? { UnitPrice: price } : {}),
          TaxCodeRef: { value: code.Id },
          ...(d.ServiceDate !== undefined ? { ServiceDate: date(d.ServiceDate, 'ServiceDate') } : {}),
        },
      };
      out.push(line);
    }
    if (out.length === 0) throw faults.required('Line');
    return out;
  }

  #checkDocNumber(txn: SandboxTxn): void {
    if (!this.opts.rejectDuplicateDocNumber) return;
    for (const other of this.#store(txn.kind).values()) {
      if (other.Id !== txn.Id && other.DocNumber === txn.DocNumber) throw faults.duplicateDoc(txn.DocNumber, txn.kind, other.Id);
    }
  }

  /** The rate (as a fraction) of a tax code's sales rates. */
  rateOf(codeId: string): Decimal {
    const code = this.taxCodes.get(codeId);
    if (!code || !code.Taxable) return D(0);
    return code.rateIds.reduce((sum, id) => sum.plus(D(this.taxRates.get(id)?.RateValue ?? 0).div(100)), D(0));
  }

  /** TotalTax (given, or computed per tax code), TotalAmt and Balance (TotalAmt less what was paid). */
  #total(txn: SandboxTxn, paid: Decimal): void {
    const net = txn.Line.reduce((s, l) => s.plus(l.Amount), D(0));
    if (Number.isNaN(txn.TxnTaxDetail.TotalTax)) {
      const byCode = new Map<string, Decimal>();
      for (const l of txn.Line) {
        const id = l.SalesItemLineDetail.TaxCodeRef.value;
        const codeId = id === 'TAX' ? txn.TxnTaxDetail.TxnTaxCodeRef?.value ?? 'NON' : id;
        byCode.set(codeId, (byCode.get(codeId) ?? D(0)).plus(l.Amount));
      }
      let tax = D(0);
      for (const [codeId, amount] of byCode) tax = tax.plus(amount.times(this.rateOf(codeId)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
      txn.TxnTaxDetail.TotalTax = num(tax);
    }
    const total = net.plus(txn.TxnTaxDetail.TotalTax);
    txn.TotalAmt = num(total);
    txn.Balance = num(total.minus(paid));
  }

  #paidOn(txn: SandboxTxn): Decimal {
    let paid = D(0);
    for (const p of this.payments.values()) if (txn.kind === 'Invoice' && p.invoiceId === txn.Id) paid = paid.plus(p.amount);
    return paid;
  }

  /** Test helper: a payment of `amount` against an invoice (Balance falls; LinkedTxn gains the Payment). */
  recordPayment(invoiceId: string, amount: Decimal.Value): { paymentId: string; invoice: SandboxTxn } {
    const inv = this.invoices.get(invoiceId);
    if (!inv) throw new Error(`no invoice ${invoiceId} in realm ${this.opts.realmId}`);
    if (inv.voided) throw new Error(`invoice ${invoiceId} is voided`);
    const a = D(amount);
    if (a.lte(0) || a.gt(inv.Balance)) throw new Error(`a payment of ${a.toString()} does not fit the balance ${inv.Balance}`);
    const id = this.#nextId('Payment');
    this.payments.set(id, { Id: id, invoiceId, amount: num(a), TxnDate: this.today() });
    inv.Balance = num(D(inv.Balance).minus(a));
    inv.LinkedTxn.push({ TxnId: id, TxnType: 'Payment' });
    inv.SyncToken = String(Number(inv.SyncToken) + 1);
    inv.LastUpdatedTime = this.#stamp();
    return { paymentId: id, invoice: inv };
  }

  /** Test helper: voids an invoice as Intuit's `operation=void` does (amounts zeroed, "Voided" prefixed to PrivateNote). */
  voidInvoice(invoiceId: string): SandboxTxn {
    const inv = this.invoices.get(invoiceId);
    if (!inv) throw new Error(`no invoice ${invoiceId} in realm ${this.opts.realmId}`);
    if (this.#paidOn(inv).gt(0)) throw new Error(`invoice ${invoiceId} has payments; remove them first`);
    inv.voided = true;
    for (const l of inv.Line) {
      l.Amount = 0;
      if (l.SalesItemLineDetail.Qty !== undefined) l.SalesItemLineDetail.Qty = 0;
    }
    inv.TxnTaxDetail = { ...inv.TxnTaxDetail, TotalTax: 0 };
    inv.TotalAmt = 0;
    inv.Balance = 0;
    inv.PrivateNote = inv.PrivateNote ? `Voided - ${inv.PrivateNote}` : 'Voided';
    inv.SyncToken = String(Number(inv.SyncToken) + 1);
    inv.LastUpdatedTime = this.#stamp();
    return inv;
  }

  // ---- JSON views -------------------------------------------------------------------------------------------------

  companyInfoJson(): Json {
    return {
      Id: '1',
      SyncToken: '0',
      CompanyName: this.opts.name,
      LegalName: this.opts.name,
      Country: this.opts.homeCurrency === 'USD' ? 'US' : this.opts.homeCurrency.slice(0, 2),
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: '2026-01-01T00:00:00Z', LastUpdatedTime: '2026-01-01T00:00:00Z' },
    };
  }

  customerJson(c: SandboxCustomer): Json {
    return {
      Id: c.Id,
      SyncToken: c.SyncToken,
      DisplayName: c.DisplayName,
      FullyQualifiedName: c.DisplayName,
      PrintOnCheckName: c.DisplayName,
      ...(c.CompanyName ? { CompanyName: c.CompanyName } : {}),
      ...(c.PrimaryEmailAddr ? { PrimaryEmailAddr: { ...c.PrimaryEmailAddr } } : {}),
      Active: c.Active,
      Taxable: true,
      Job: false,
      BillWithParent: false,
      Balance: this.#customerBalance(c.Id),
      CurrencyRef: { value: this.opts.homeCurrency },
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: c.CreateTime, LastUpdatedTime: c.LastUpdatedTime },
    };
  }

  #customerBalance(id: string): number {
    let b = D(0);
    for (const i of this.invoices.values()) if (i.CustomerRef.value === id) b = b.plus(i.Balance);
    for (const m of this.creditMemos.values()) if (m.CustomerRef.value === id) b = b.minus(m.Balance);
    return num(b);
  }

  itemJson(i: SandboxItem): Json {
    return {
      Id: i.Id,
      SyncToken: '0',
      Name: i.Name,
      FullyQualifiedName: i.Name,
      Type: i.Type,
      Active: true,
      Taxable: i.Taxable,
      UnitPrice: i.UnitPrice,
      IncomeAccountRef: { ...i.IncomeAccountRef },
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: '2026-01-01T00:00:00Z', LastUpdatedTime: '2026-01-01T00:00:00Z' },
    };
  }

  taxCodeJson(c: SandboxTaxCode): Json {
    const base: Json = { Id: c.Id, Name: c.Name, Description: c.Description, Taxable: c.Taxable, TaxGroup: c.TaxGroup, MetaData: { CreateTime: '2026-01-01T00:00:00Z', LastUpdatedTime: '2026-01-01T00:00:00Z' } };
    if (!c.TaxGroup) return base; // the pseudo codes TAX and NON, as Intuit lists them
    return {
      ...base,
      SyncToken: '0',
      Active: true,
      domain: 'QBO',
      sparse: false,
      PurchaseTaxRateList: { TaxRateDetail: [] },
      SalesTaxRateList: {
        TaxRateDetail: c.rateIds.map((id) => ({ TaxTypeApplicable: 'TaxOnAmount', TaxRateRef: { value: id, name: this.taxRates.get(id)?.Name ?? id }, TaxOrder: 0 })),
      },
    };
  }

  taxRateJson(r: SandboxTaxRate): Json {
    return {
      Id: r.Id,
      SyncToken: '0',
      Name: r.Name,
      Description: 'Sales Tax',
      RateValue: r.RateValue,
      AgencyRef: { value: '1' },
      SpecialTaxType: 'NONE',
      DisplayType: 'ReadOnly',
      Active: true,
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: '2026-01-01T00:00:00Z', LastUpdatedTime: '2026-01-01T00:00:00Z' },
    };
  }

  txnJson(t: SandboxTxn): Json {
    const subtotal = num(t.Line.reduce((s, l) => s.plus(l.Amount), D(0)));
    const out: Json = {
      Id: t.Id,
      SyncToken: t.SyncToken,
      DocNumber: t.DocNumber,
      TxnDate: t.TxnDate,
      ...(t.kind === 'Invoice' && t.DueDate ? { DueDate: t.DueDate } : {}),
      CustomerRef: { ...t.CustomerRef },
      CurrencyRef: { value: t.CurrencyRef.value, name: CURRENCY_NAMES[t.CurrencyRef.value] ?? t.CurrencyRef.value },
      Line: [...t.Line.map((l) => structuredClone(l)), { DetailType: 'SubTotalLineDetail', Amount: subtotal, SubTotalLineDetail: {} }],
      TxnTaxDetail: { ...(t.TxnTaxDetail.TxnTaxCodeRef ? { TxnTaxCodeRef: { ...t.TxnTaxDetail.TxnTaxCodeRef } } : {}), TotalTax: t.TxnTaxDetail.TotalTax },
      ...(t.GlobalTaxCalculation ? { GlobalTaxCalculation: t.GlobalTaxCalculation } : {}),
      TotalAmt: t.TotalAmt,
      Balance: t.Balance,
      ...(t.kind === 'CreditMemo' ? { RemainingCredit: t.Balance } : {}),
      ...(t.PrivateNote !== undefined ? { PrivateNote: t.PrivateNote } : {}),
      ...(t.kind === 'Invoice' ? { LinkedTxn: t.LinkedTxn.map((l) => ({ ...l })), Deposit: 0 } : {}),
      ApplyTaxAfterDiscount: false,
      PrintStatus: 'NotSet',
      EmailStatus: 'NotSet',
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: t.CreateTime, LastUpdatedTime: t.LastUpdatedTime },
    };
    return out;
  }

  // ---- query ------------------------------------------------------------------------------------------------------

  /** Rows of one entity as JSON, in Id order, for the query endpoint. */
  rows(entity: string): Json[] | null {
    const byId = <T extends { Id: string }>(m: Map<string, T>) => [...m.values()].sort((a, b) => idOrder(a.Id, b.Id));
    switch (entity.toLowerCase()) {
      case 'customer':
        return byId(this.customers).map((c) => this.customerJson(c));
      case 'item':
        return byId(this.items).map((i) => this.itemJson(i));
      case 'taxcode':
        return byId(this.taxCodes).map((c) => this.taxCodeJson(c));
      case 'taxrate':
        return byId(this.taxRates).map((r) => this.taxRateJson(r));
      case 'invoice':
        return byId(this.invoices).map((t) => this.txnJson(t));
      case 'creditmemo':
        return byId(this.creditMemos).map((t) => this.txnJson(t));
      default:
        return null;
    }
  }

  query(q: ParsedQuery): { entity: string; rows: Json[] } {
    const entity = ENTITY_NAMES[q.entity.toLowerCase()];
    const all = entity ? this.rows(entity) : null;
    if (!entity || !all) throw faults.query(`Entity ${q.entity} is not supported by this sandbox`);
    if (q.maxResults > 1000) throw faults.query('MAXRESULTS may be at most 1000');
    let rows = all.filter((r) =>
      q.where.every((c) => {
        const v = fieldOf(r, c.field);
        return v !== undefined && c.values.some((want) => String(v).toLowerCase() === want.toLowerCase());
      }),
    );
    if (q.orderBy) {
      const { field, desc } = q.orderBy;
      rows = [...rows].sort((a, b) => {
        const x = String(fieldOf(a, field) ?? '');
        const y = String(fieldOf(b, field) ?? '');
        const c = field.toLowerCase() === 'id' ? idOrder(x, y) : x.localeCompare(y);
        return desc ? -c : c;
      });
    }
    return { entity, rows: rows.slice(q.startPosition - 1, q.startPosition - 1 + q.maxResults) };
  }
}

const WRITABLE = new Set(['Id', 'SyncToken', 'sparse', 'DocNumber', 'TxnDate', 'DueDate', 'CustomerRef', 'CurrencyRef', 'Line', 'TxnTaxDetail', 'GlobalTaxCalculation', 'PrivateNote', 'domain']);

const ENTITY_NAMES: Record<string, string> = { customer: 'Customer', item: 'Item', taxcode: 'TaxCode', taxrate: 'TaxRate', invoice: 'Invoice', creditmemo: 'CreditMemo' };

const CURRENCY_NAMES: Record<string, string> = { USD: 'United States Dollar', GBP: 'British Pound Sterling', EUR: 'Euro', CAD: 'Canadian Dollar', AUD: 'Australian Dollar', NZD: 'New Zealand Dollar' };

function idOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  if (Number.isFinite(na)) return 1; // TAX and NON before the numbered codes
  if (Number.isFinite(nb)) return -1;
  return a.localeCompare(b);
}

/** A top-level field, case-insensitively ("docnumber" finds DocNumber), or a dotted path such as CustomerRef.value. */
function fieldOf(row: Json, field: string): unknown {
  let cur: unknown = row;
  for (const part of field.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    const key = Object.keys(cur).find((k) => k.toLowerCase() === part.toLowerCase());
    cur = key === undefined ? undefined : (cur as Json)[key];
  }
  if (cur && typeof cur === 'object' && 'value' in cur) return (cur as Ref).value; // CustomerRef = '1'
  return cur;
}

function date(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw faults.invalid(field, `${field} must be a date (yyyy-MM-dd), not ${JSON.stringify(v)}`);
  }
  return v;
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
