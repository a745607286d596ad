import { Decimal } from 'decimal.js';
import {
  QuickBooksClient,
  QuickBooksError,
  whereEq,
  whereIn,
  type QboCreditMemo,
  type QboInvoice,
  type QboSalesItemLine,
  type QboTransactionInput,
  type QuickBooksSession,
} from '../../quickbooks/client/index.js';
import {
  AccountingError,
  type AccountingConnector,
  type AccountingDocument,
  type ConnectionTokens,
  type ConnectorDeps,
  type ConnectorSession,
  type DocumentLine,
  type ExternalDocument,
  type ExternalDocumentType,
  type ExternalStatus,
} from '../connector.js';

/**
 * QuickBooks Online behind the accounting connector interface.
 *
 * - A Recurra invoice is a QuickBooks Invoice, a wholly negative one a CreditMemo; Recurra's number is the DocNumber
 *   (QuickBooks allows 21 characters), by which an earlier push is found. QuickBooks has no drafts: a document posted as
 *   'draft' is created as an ordinary (open) invoice all the same.
 * - Lines are SalesItemLineDetail lines: the ledger target is an Item (ItemRef; the item carries the income account),
 *   with Qty, UnitPrice, TaxCodeRef (null: NON) and ServiceDate. Recurra's own tax total goes as TxnTaxDetail.TotalTax,
 *   so QuickBooks' totals are Recurra's to the cent.
 * - Status: voided (TotalAmt 0 and "Voided" in PrivateNote, as Intuit's void leaves it), Balance 0 → paid,
 *   0 < Balance < TotalAmt → partly_paid, else open. The version is the SyncToken, sent back on update: a change made in
 *   QuickBooks meanwhile is Fault 5010, a 'conflict'.
 * - Updates are sparse (only what Recurra owns: customer, dates, lines, tax), so a memo or e-mail set in QuickBooks stays.
 *   A document with payments applied, or voided, is 'locked'.
 */

const DOC_NUMBER_MAX = 21;
const IDS_PER_QUERY = 30;

const dec = (n: number | undefined | null) => new Decimal(n ?? 0);
const money = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();

function entityOf(type: ExternalDocumentType): 'Invoice' | 'CreditMemo' {
  return type === 'invoice' ? 'Invoice' : 'CreditMemo';
}

function toAccountingError(err: unknown): unknown {
  if (!(err instanceof QuickBooksError)) return err;
  const kind = err.kind === 'duplicate' ? 'invalid' : err.kind;
  return new AccountingError(kind, err.message, err.status ?? null);
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAccountingError(err);
  }
}

export function statusOf(t: { TotalAmt: number; Balance: number; PrivateNote?: string }): ExternalStatus {
  const total = dec(t.TotalAmt);
  const balance = dec(t.Balance);
  if (total.isZero() && /^Voided/.test(t.PrivateNote ?? '')) return 'voided';
  if (balance.lte(0)) return 'paid';
  if (balance.lt(total)) return 'partly_paid';
  return 'open';
}

/** Qty and UnitPrice as QuickBooks checks them: Amount must equal UnitPrice × Qty to the cent, else it refuses the line. */
export function lineFor(l: DocumentLine): QboSalesItemLine {
  const amount = money(l.amount);
  const detail: QboSalesItemLine['SalesItemLineDetail'] = {
    ItemRef: { value: l.ledgerRef },
    TaxCodeRef: { value: l.taxCode ?? 'NON' },
    ...(l.serviceDate ? { ServiceDate: l.serviceDate } : {}),
  };
  const fits = (unit: Decimal) => l.quantity.times(unit).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).eq(new Decimal(amount));
  if (fits(l.unitAmount)) {
    detail.Qty = l.quantity.toNumber();
    detail.UnitPrice = l.unitAmount.toNumber();
  } else if (!l.quantity.isZero()) {
    // Recurra rounded the amount (pro-rata): state the unit price that gives it, to 7 places, or leave both out.
    const unit = new Decimal(amount).div(l.quantity).toDecimalPlaces(7, Decimal.ROUND_HALF_UP);
    if (fits(unit)) {
      detail.Qty = l.quantity.toNumber();
      detail.UnitPrice = unit.toNumber();
    }
  }
  return { DetailType: 'SalesItemLineDetail', Amount: amount, Description: l.description.slice(0, 4000), SalesItemLineDetail: detail };
}

function bodyFor(doc: AccountingDocument): QboTransactionInput {
  if (doc.number.length > DOC_NUMBER_MAX) {
    throw new AccountingError('invalid', `QuickBooks takes invoice numbers of at most ${DOC_NUMBER_MAX} characters; ${doc.number} has ${doc.number.length}`);
  }
  return {
    DocNumber: doc.number,
    TxnDate: doc.date,
    ...(doc.type === 'invoice' && doc.dueDate ? { DueDate: doc.dueDate } : {}),
    CustomerRef: { value: doc.contactId },
    CurrencyRef: { value: doc.currency },
    GlobalTaxCalculation: 'TaxExcluded',
    Line: doc.lines.map(lineFor),
    TxnTaxDetail: { TotalTax: money(doc.tax) },
  };
}

export function createQuickBooksConnector(deps: ConnectorDeps): AccountingConnector {
  const { app } = deps;
  const client = new QuickBooksClient({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    endpoints: app.endpoints,
    connectionKey: `quickbooks:${deps.connectionKey}`,
    ...(deps.budget ? { budget: deps.budget } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const qs = (s: ConnectorSession): QuickBooksSession => ({ accessToken: s.accessToken, realmId: s.organisationId, ...(s.signal ? { signal: s.signal } : {}) });

  /** A link into QuickBooks' own app for Intuit's hosts (the hosts intuit-oauth names); none for a local sandbox. */
  const appBase = (() => {
    const host = new URL(app.endpoints.apiUrl).hostname;
    if (host === 'quickbooks.api.intuit.com') return 'https://qbo.intuit.com/app/';
    if (host === 'sandbox-quickbooks.api.intuit.com') return 'https://sandbox.qbo.intuit.com/app/';
    return null;
  })();

  const external = (type: ExternalDocumentType, t: QboInvoice | QboCreditMemo): ExternalDocument => {
    const total = dec(t.TotalAmt);
    const due = Decimal.max(dec(t.Balance), 0);
    return {
      type,
      id: t.Id,
      number: t.DocNumber ?? '',
      status: statusOf(t),
      total,
      amountPaid: total.minus(due),
      amountDue: due,
      dueDate: type === 'invoice' ? (t as QboInvoice).DueDate ?? null : null,
      version: t.SyncToken,
      url: appBase ? `${appBase}${type === 'invoice' ? 'invoice' : 'creditmemo'}?txnId=${encodeURIComponent(t.Id)}` : null,
    };
  };

  const tokens = (t: { accessToken: string; refreshToken: string; accessExpiresAt: Date; refreshExpiresAt: Date | null }): ConnectionTokens => ({ ...t });

  const find = async (session: ConnectorSession, type: ExternalDocumentType, number: string): Promise<ExternalDocument | null> => {
    if (number.length > DOC_NUMBER_MAX) return null; // never sent: QuickBooks cannot hold it
    const page = await client.query(qs(session), entityOf(type), { where: whereEq('DocNumber', number), maxResults: 10 });
    const hit = page.items.find((t) => t.DocNumber === number);
    return hit ? external(type, hit) : null;
  };

  const save = (session: ConnectorSession, type: ExternalDocumentType, body: QboTransactionInput) =>
    type === 'invoice' ? client.saveInvoice(qs(session), body) : client.saveCreditMemo(qs(session), body);

  return {
    vendor: 'quickbooks',

    authorizationUrl: (state) => client.authorizationUrl(state),

    exchangeCode: ({ code, realmId }) =>
      mapped(async () => {
        if (!realmId) throw new AccountingError('invalid', 'QuickBooks sent no realmId with the code: connect again from Recurra');
        const t = await client.exchangeCode(code);
        let name = `QuickBooks company ${realmId}`;
        try {
          name = (await client.companyInfo({ accessToken: t.accessToken, realmId })).CompanyName || name;
        } catch {
          // the name is a courtesy; the connection works without it
        }
        return { tokens: tokens(t), organisations: [{ id: realmId, name }] };
      }),

    refresh: (refreshToken) => mapped(async () => tokens(await client.refresh(refreshToken))),

    revoke: (refreshToken) => mapped(() => client.revoke(refreshToken)),

    contacts: (session) =>
      mapped(async () =>
        (await client.queryAll(qs(session), 'Customer'))
          .filter((c) => c.Active !== false)
          .map((c) => ({ id: c.Id, name: c.DisplayName, email: c.PrimaryEmailAddr?.Address ?? null })),
      ),

    createContact: (session, input) =>
      mapped(async () => {
        const c = await client.createCustomer(qs(session), { DisplayName: input.name, ...(input.email ? { PrimaryEmailAddr: { Address: input.email } } : {}) });
        return { id: c.Id, name: c.DisplayName, email: c.PrimaryEmailAddr?.Address ?? null };
      }),

    ledgerTargets: (session) =>
      mapped(async () =>
        (await client.queryAll(qs(session), 'Item'))
          .filter((i) => i.Active !== false && i.Type !== 'Category')
          .map((i) => ({ ref: i.Id, name: i.IncomeAccountRef?.name ? `${i.FullyQualifiedName ?? i.Name} (${i.IncomeAccountRef.name})` : i.FullyQualifiedName ?? i.Name, kind: 'item' as const })),
      ),

    taxRates: (session) =>
      mapped(async () => {
        const [codes, rates] = await Promise.all([client.queryAll(qs(session), 'TaxCode'), client.queryAll(qs(session), 'TaxRate')]);
        const rateById = new Map(rates.map((r) => [r.Id, new Decimal(r.RateValue ?? 0)]));
        return codes.flatMap((c) => {
          if (c.Active === false) return [];
          if (c.Taxable === false) return [{ code: c.Id, name: c.Name, rate: new Decimal(0) }];
          // The US pseudo-code TAX takes its rate from the transaction's tax code, not from itself: it cannot be a line's rate.
          if (!c.TaxGroup) return [];
          const details = c.SalesTaxRateList?.TaxRateDetail ?? [];
          if (details.length === 0) return [];
          const percent = details.reduce((sum, d) => sum.plus(rateById.get(d.TaxRateRef.value) ?? 0), new Decimal(0));
          return [{ code: c.Id, name: c.Name, rate: percent.div(100) }];
        });
      }),

    findDocument: (session, type, number) => mapped(() => find(session, type, number)),

    createDocument: (session, doc) =>
      mapped(async () => {
        const body = bodyFor(doc);
        try {
          return external(doc.type, await save(session, doc.type, body));
        } catch (err) {
          // Another worker created it first (Fault 6140): that one is ours.
          if (err instanceof QuickBooksError && err.kind === 'duplicate') {
            const existing = await find(session, doc.type, doc.number);
            if (existing) return existing;
          }
          throw err;
        }
      }),

    updateDocument: (session, existing, doc) =>
      mapped(async () => {
        const what = `${doc.number} in QuickBooks`;
        if (existing.status === 'voided') throw new AccountingError('locked', `${what} is voided: it can no longer be changed`);
        if (existing.status === 'paid' || existing.status === 'partly_paid' || existing.amountPaid.gt(0)) {
          throw new AccountingError('locked', `${what} has payments applied (${existing.amountPaid.toFixed(2)} of ${existing.total.toFixed(2)}): it can no longer be changed`);
        }
        if (existing.type !== doc.type) {
          throw new AccountingError('invalid', `${what} is ${existing.type === 'invoice' ? 'an invoice' : 'a credit memo'}; it cannot become ${doc.type === 'invoice' ? 'an invoice' : 'a credit memo'}`);
        }
        if (existing.version === null) throw new AccountingError('conflict', `${what}: its SyncToken is unknown; read it again`);
        const body: QboTransactionInput = { ...bodyFor(doc), Id: existing.id, SyncToken: existing.version, sparse: true };
        try {
          return external(doc.type, await save(session, doc.type, body));
        } catch (err) {
          // Paid or voided in QuickBooks since it was read.
          if (err instanceof QuickBooksError && err.kind === 'invalid' && err.faults.some((f) => /paid|voided/i.test(f.Detail ?? ''))) {
            throw new AccountingError('locked', `${what}: ${err.faults.map((f) => f.Detail).join('; ')}`, err.status ?? null);
          }
          throw err;
        }
      }),

    documents: (session, refs) =>
      mapped(async () => {
        const out: ExternalDocument[] = [];
        for (const type of ['invoice', 'credit_note'] as const) {
          const ids = [...new Set(refs.filter((r) => r.type === type).map((r) => r.id))];
          for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
            const chunk = ids.slice(i, i + IDS_PER_QUERY);
            const page = await client.query(qs(session), entityOf(type), { where: whereIn('Id', chunk), maxResults: chunk.length });
            out.push(...page.items.map((t) => external(type, t)));
          }
        }
        return out;
      }),
  };
}
