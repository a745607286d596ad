import { Decimal } from 'decimal.js';
import {
  XeroApiError,
  XeroClient,
  XERO_ENDPOINTS,
  amount,
  xeroDate,
  type XeroCreditNote,
  type XeroCreditNoteInput,
  type XeroDocumentStatus,
  type XeroInvoice,
  type XeroInvoiceInput,
  type XeroLineItem,
  type XeroSession,
  type XeroTokenSet,
} from '../../xero/client/index.js';
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
 * Xero behind the accounting connector interface (client: src/xero/client).
 *
 * - A Recurra invoice is an ACCREC invoice, a wholly negative one an ACCRECCREDIT credit note; Recurra's number is both
 *   the InvoiceNumber (CreditNoteNumber) and the Reference, and an earlier push is found by that number.
 * - LineAmountTypes Exclusive; each line carries AccountCode (the ledger target is an account, by its code), TaxType
 *   (null: NONE), Recurra's TaxAmount and LineAmount, so Xero's totals are Recurra's to the cent. Unit amounts go with
 *   unitdp=4; a line whose unit amount has more places than Xero keeps goes as one unit of its amount instead, its
 *   quantity and unit price kept in the description.
 * - Status: DRAFT → draft; SUBMITTED/AUTHORISED → open, or partly_paid once AmountPaid > 0; PAID → paid;
 *   VOIDED/DELETED → voided. The version is UpdatedDateUTC (Xero takes no concurrency token on update: a change made
 *   in Xero meanwhile is simply replaced, except that a paid or voided document is refused: 'locked').
 * - An approved document cannot go back to draft in Xero: an update of an open one stays AUTHORISED.
 */

const IDS_PER_CALL = 50;

function toAccountingError(err: unknown): unknown {
  if (!(err instanceof XeroApiError)) return err;
  return new AccountingError(err.kind, err.message, err.status);
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAccountingError(err);
  }
}

export function statusOf(status: XeroDocumentStatus, amountPaid: Decimal): ExternalStatus {
  switch (status) {
    case 'DRAFT':
      return 'draft';
    case 'PAID':
      return 'paid';
    case 'VOIDED':
    case 'DELETED':
      return 'voided';
    default:
      return amountPaid.gt(0) ? 'partly_paid' : 'open';
  }
}

/** One Recurra line as a Xero line item (numbers as JSON numbers, from their exact decimal strings). */
export function lineItemFor(l: DocumentLine): XeroLineItem {
  const unit = l.unitAmount.toDecimalPlaces(4, Decimal.ROUND_HALF_UP);
  const fits = l.unitAmount.eq(unit) && l.quantity.times(unit).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).eq(l.amount.toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
  const base = { AccountCode: l.ledgerRef, TaxType: l.taxCode ?? 'NONE', TaxAmount: Number(l.taxAmount.toFixed(2)), LineAmount: Number(l.amount.toFixed(2)) };
  if (fits) return { Description: l.description, Quantity: Number(l.quantity.toString()), UnitAmount: Number(unit.toString()), ...base };
  return { Description: `${l.description} (${l.quantity.toString()} × ${l.unitAmount.toString()})`, Quantity: 1, UnitAmount: Number(l.amount.toFixed(2)), ...base };
}

function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function createXeroConnector(deps: ConnectorDeps): AccountingConnector {
  const endpoints = deps.app.endpoints;
  const client = new XeroClient({
    clientId: deps.app.clientId,
    clientSecret: deps.app.clientSecret,
    redirectUri: deps.app.redirectUri,
    endpoints,
    connectionKey: deps.connectionKey,
    ...(deps.budget ? { budget: deps.budget } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const onRealXero = endpoints.apiUrl.replace(/\/+$/, '') === XERO_ENDPOINTS.apiUrl;
  const xs = (s: ConnectorSession): XeroSession => ({ accessToken: s.accessToken, tenantId: s.organisationId, ...(s.signal ? { signal: s.signal } : {}) });
  const tokensOf = (t: XeroTokenSet): ConnectionTokens => ({
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    accessExpiresAt: new Date(t.accessExpiresAt),
    refreshExpiresAt: null, // Xero does not say (its FAQ: unused refresh tokens expire after 60 days)
  });

  const fromInvoice = (i: XeroInvoice): ExternalDocument => {
    const paid = amount(i.AmountPaid);
    return {
      type: 'invoice',
      id: i.InvoiceID,
      number: i.InvoiceNumber,
      status: statusOf(i.Status, paid),
      total: amount(i.Total),
      amountPaid: paid,
      amountDue: amount(i.AmountDue),
      dueDate: xeroDate(i.DueDate ?? i.DueDateString),
      version: i.UpdatedDateUTC ?? null,
      url: onRealXero ? `https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=${encodeURIComponent(i.InvoiceID)}` : null,
    };
  };

  const fromCreditNote = (c: XeroCreditNote): ExternalDocument => {
    const total = amount(c.Total);
    const remaining = c.RemainingCredit === undefined ? total : amount(c.RemainingCredit);
    const used = total.minus(remaining);
    return {
      type: 'credit_note',
      id: c.CreditNoteID,
      number: c.CreditNoteNumber,
      status: statusOf(c.Status, used),
      total,
      amountPaid: used,
      amountDue: remaining,
      dueDate: null,
      version: c.UpdatedDateUTC ?? null,
      url: onRealXero ? `https://go.xero.com/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=${encodeURIComponent(c.CreditNoteID)}` : null,
    };
  };

  const invoiceInput = (doc: AccountingDocument, status: XeroDocumentStatus): XeroInvoiceInput => ({
    Type: 'ACCREC',
    InvoiceNumber: doc.number,
    Reference: doc.number,
    Contact: { ContactID: doc.contactId },
    Date: doc.date,
    ...(doc.dueDate ? { DueDate: doc.dueDate } : {}),
    Status: status,
    LineAmountTypes: 'Exclusive',
    CurrencyCode: doc.currency,
    LineItems: doc.lines.map(lineItemFor),
  });

  const creditNoteInput = (doc: AccountingDocument, status: XeroDocumentStatus): XeroCreditNoteInput => ({
    Type: 'ACCRECCREDIT',
    CreditNoteNumber: doc.number,
    Reference: doc.number,
    Contact: { ContactID: doc.contactId },
    Date: doc.date,
    Status: status,
    LineAmountTypes: 'Exclusive',
    CurrencyCode: doc.currency,
    LineItems: doc.lines.map(lineItemFor),
  });

  /** Prefer a live document over a voided or deleted one with the same number. */
  const pick = <T extends { Status: XeroDocumentStatus }>(rows: T[]): T | undefined =>
    rows.find((r) => r.Status !== 'VOIDED' && r.Status !== 'DELETED') ?? rows[0];

  return {
    vendor: 'xero',

    authorizationUrl: (state) => client.authorizeUrl(state),

    exchangeCode: ({ code }) =>
      mapped(async () => {
        const tokens = await client.exchangeCode(code);
        const connections = await client.connections(tokens.accessToken);
        return {
          tokens: tokensOf(tokens),
          organisations: connections
            .filter((c) => !c.tenantType || c.tenantType === 'ORGANISATION')
            .map((c) => ({ id: c.tenantId, name: c.tenantName })),
        };
      }),

    refresh: (refreshToken) => mapped(async () => tokensOf(await client.refresh(refreshToken))),

    revoke: (refreshToken) => mapped(() => client.revoke(refreshToken)),

    contacts: (session) =>
      mapped(async () =>
        (await client.contacts(xs(session), { where: 'ContactStatus=="ACTIVE"' })).map((c) => ({ id: c.ContactID, name: c.Name, email: c.EmailAddress || null })),
      ),

    createContact: (session, input) =>
      mapped(async () => {
        const c = await client.createContact(xs(session), { Name: input.name, ...(input.email ? { EmailAddress: input.email } : {}) });
        return { id: c.ContactID, name: c.Name, email: c.EmailAddress || null };
      }),

    ledgerTargets: (session) =>
      mapped(async () =>
        (await client.accounts(xs(session)))
          .filter((a) => a.Class === 'REVENUE' && a.Status === 'ACTIVE' && a.Code)
          .map((a) => ({ ref: a.Code!, name: a.Name, kind: 'account' as const })),
      ),

    taxRates: (session) =>
      mapped(async () =>
        (await client.taxRates(xs(session)))
          .filter((t) => (t.Status ?? 'ACTIVE') === 'ACTIVE' && t.CanApplyToRevenue !== false)
          .map((t) => ({ code: t.TaxType, name: t.Name, rate: amount(t.EffectiveRate ?? t.DisplayTaxRate ?? 0).div(100) })),
      ),

    findDocument: (session, type, number) =>
      mapped(async () => {
        if (type === 'invoice') {
          const rows = (await client.invoices(xs(session), { InvoiceNumbers: [number] })).filter((i) => i.Type === 'ACCREC' && i.InvoiceNumber === number);
          const found = pick(rows);
          return found ? fromInvoice(found) : null;
        }
        const rows = (await client.creditNotes(xs(session), { where: `CreditNoteNumber==${quoted(number)}` })).filter((c) => c.Type === 'ACCRECCREDIT' && c.CreditNoteNumber === number);
        const found = pick(rows);
        return found ? fromCreditNote(found) : null;
      }),

    createDocument: (session, doc) =>
      mapped(async () => {
        const status: XeroDocumentStatus = doc.post === 'approved' ? 'AUTHORISED' : 'DRAFT';
        return doc.type === 'invoice'
          ? fromInvoice(await client.createInvoice(xs(session), invoiceInput(doc, status)))
          : fromCreditNote(await client.createCreditNote(xs(session), creditNoteInput(doc, status)));
      }),

    updateDocument: (session, existing, doc) =>
      mapped(async () => {
        if (existing.type !== doc.type) throw new AccountingError('invalid', `the ${existing.type.replace('_', ' ')} ${existing.number} in Xero cannot become a ${doc.type.replace('_', ' ')}`);
        if (existing.status === 'paid' || existing.status === 'partly_paid' || existing.status === 'voided') {
          throw new AccountingError('locked', `${existing.number} is ${existing.status.replace('_', ' ')} in Xero and can no longer change there`);
        }
        const status: XeroDocumentStatus = existing.status === 'draft' && doc.post === 'draft' ? 'DRAFT' : 'AUTHORISED';
        return doc.type === 'invoice'
          ? fromInvoice(await client.updateInvoice(xs(session), existing.id, invoiceInput(doc, status)))
          : fromCreditNote(await client.updateCreditNote(xs(session), existing.id, creditNoteInput(doc, status)));
      }),

    documents: (session, refs) =>
      mapped(async () => {
        const out: ExternalDocument[] = [];
        const invoiceIds = refs.filter((r) => r.type === 'invoice').map((r) => r.id);
        for (let i = 0; i < invoiceIds.length; i += IDS_PER_CALL) {
          const rows = await client.invoices(xs(session), { IDs: invoiceIds.slice(i, i + IDS_PER_CALL) });
          out.push(...rows.map(fromInvoice));
        }
        // Xero's GET /CreditNotes takes no IDs list (xero_accounting.yaml): one call per credit note.
        for (const ref of refs.filter((r) => r.type === ('credit_note' satisfies ExternalDocumentType))) {
          const c = await client.creditNote(xs(session), ref.id);
          if (c) out.push(fromCreditNote(c));
        }
        return out;
      }),
  };
}
