import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { AccountingError, type AccountingConnector, type AccountingDocument, type ConnectorSession } from '../../../src/accounting/connector.js';
import { connectorFor } from '../../../src/accounting/connectors/index.js';
import { startXeroSandbox, type RunningXeroSandbox } from '../../../src/xero/sandbox/index.js';

/** The Xero adapter behind Recurra's accounting interface, against the Xero sandbox over real HTTP. */
const REDIRECT = 'http://127.0.0.1:3999/accounting/xero/callback';
const d = (s: string) => new Decimal(s);

function doc(number: string, contactId: string, over: Partial<AccountingDocument> = {}): AccountingDocument {
  return {
    type: 'invoice', number, contactId, date: '2026-11-01', dueDate: '2026-11-15', currency: 'GBP', post: 'approved',
    lines: [
      { description: 'Microsoft 365 Business Basic', quantity: d('10'), unitAmount: d('4.9'), amount: d('49.00'), ledgerRef: '200', taxCode: 'OUTPUT2', taxAmount: d('9.80'), serviceDate: '2026-11-01' },
      { description: 'Azure usage', quantity: d('1'), unitAmount: d('12.345678'), amount: d('12.35'), ledgerRef: '260', taxCode: 'OUTPUT2', taxAmount: d('2.47'), serviceDate: '2026-10-01' },
      { description: 'Setup (exempt)', quantity: d('1'), unitAmount: d('25'), amount: d('25.00'), ledgerRef: '260', taxCode: null, taxAmount: d('0'), serviceDate: null },
    ],
    subtotal: d('86.35'), tax: d('12.27'), total: d('98.62'),
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<AccountingError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(AccountingError);
    return e as AccountingError;
  }
  expect.fail('expected an AccountingError');
}

describe('Xero connector (src/accounting/connectors/xero.ts) against the Xero sandbox', function () {
  this.timeout(30_000);
  let sb: RunningXeroSandbox;
  let xero: AccountingConnector;
  let session: ConnectorSession;
  let refreshToken: string;
  let contactId: string;
  const clock = { t: Date.parse('2026-11-20T09:00:00Z') };

  before(async () => {
    sb = await startXeroSandbox({ autoApprove: true, now: () => clock.t, organisationName: 'Contoso MSP Ltd' });
    xero = connectorFor('xero', {
      app: { clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: REDIRECT, endpoints: sb.endpoints },
      connectionKey: `xero-conn-${randomUUID()}`,
      now: () => clock.t,
    });
    expect(xero.vendor).to.equal('xero');
    const res = await fetch(xero.authorizationUrl('state-42'), { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('state')).to.equal('state-42');
    const { tokens, organisations } = await xero.exchangeCode({ code: back.searchParams.get('code')! });
    expect(organisations).to.deep.equal([{ id: sb.tenantId, name: 'Contoso MSP Ltd' }]);
    expect(tokens.accessExpiresAt.toISOString()).to.equal('2026-11-20T09:30:00.000Z');
    expect(tokens.refreshExpiresAt).to.equal(null);
    session = { accessToken: tokens.accessToken, organisationId: organisations[0]!.id };
    refreshToken = tokens.refreshToken;
  });
  after(() => sb.close());

  it('refresh gives new tokens and the old refresh token is refused as unauthorized', async () => {
    const fresh = await xero.refresh(refreshToken);
    expect((await rejection(xero.refresh(refreshToken))).kind).to.equal('unauthorized');
    refreshToken = fresh.refreshToken;
    session = { ...session, accessToken: fresh.accessToken };
  });

  it('contacts, ledger targets (revenue accounts by code) and tax rates (fractions)', async () => {
    const c = await xero.createContact(session, { name: 'Northwind Traders', email: 'ap@northwind.example' });
    contactId = c.id;
    expect(c).to.deep.equal({ id: c.id, name: 'Northwind Traders', email: 'ap@northwind.example' });
    await xero.createContact(session, { name: 'Adventure Works', email: null });
    expect((await xero.contacts(session)).map((x) => [x.name, x.email])).to.deep.equal([['Adventure Works', null], ['Northwind Traders', 'ap@northwind.example']]);
    const dup = await rejection(xero.createContact(session, { name: 'Northwind Traders', email: null }));
    expect(dup.kind).to.equal('invalid');
    expect(dup.message).to.contain('The contact name Northwind Traders is already assigned to another contact');

    const targets = await xero.ledgerTargets(session);
    expect(targets.map((t) => t.ref)).to.deep.equal(['200', '250', '260', '270']);
    expect(targets[0]).to.deep.equal({ ref: '200', name: 'Sales', kind: 'account' });
    const rates = await xero.taxRates(session);
    expect(rates.find((r) => r.code === 'OUTPUT2')!.rate.toString()).to.equal('0.2');
    expect(rates.map((r) => r.code)).to.include.members(['ZERORATEDOUTPUT', 'EXEMPTOUTPUT', 'NONE']).and.not.include('INPUT2');
  });

  it('invoice: not found before, created once with Recurra\'s totals, found by number, updated, then read as partly paid and paid', async () => {
    expect(await xero.findDocument(session, 'invoice', 'INV-000123')).to.equal(null);
    const created = await xero.createDocument(session, doc('INV-000123', contactId));
    expect(created).to.include({ type: 'invoice', number: 'INV-000123', status: 'open', dueDate: '2026-11-15', url: null });
    expect(created.total.toFixed(2)).to.equal('98.62');
    expect(created.amountDue.toFixed(2)).to.equal('98.62');
    expect(created.version).to.match(/^\/Date\(\d+\+0000\)\/$/);
    const stored = sb.invoices()[0]!;
    expect(stored).to.include({ Type: 'ACCREC', Reference: 'INV-000123', LineAmountTypes: 'Exclusive', SubTotal: 86.35, TotalTax: 12.27, Total: 98.62 });
    const lines = stored['LineItems'] as Array<Record<string, unknown>>;
    expect(lines.map((l) => [l['AccountCode'], l['TaxType'], l['LineAmount'], l['TaxAmount']])).to.deep.equal([['200', 'OUTPUT2', 49, 9.8], ['260', 'OUTPUT2', 12.35, 2.47], ['260', 'NONE', 25, 0]]);
    // 12.345678 has more places than Xero keeps: one unit of the line's amount, the quantity and price in the description.
    expect(lines[1]).to.include({ Quantity: 1, UnitAmount: 12.35, Description: 'Azure usage (1 × 12.345678)' });

    const found = await xero.findDocument(session, 'invoice', 'INV-000123');
    expect(found!.id).to.equal(created.id);

    clock.t += 60_000;
    const edited = doc('INV-000123', contactId, { lines: [doc('x', contactId).lines[0]!], subtotal: d('49'), tax: d('9.8'), total: d('58.8') });
    const updated = await xero.updateDocument(session, found!, edited);
    expect(updated.total.toFixed(2)).to.equal('58.80');
    expect(updated.version).to.not.equal(created.version);
    expect(sb.counters()).to.include({ invoicesCreated: 1, invoicesUpdated: 1 });

    sb.recordPayment(created.id, '20.00');
    const [part] = await xero.documents(session, [{ type: 'invoice', id: created.id }, { type: 'invoice', id: randomUUID() }]);
    expect(part).to.include({ status: 'partly_paid' });
    expect(part!.amountPaid.toFixed(2)).to.equal('20.00');
    expect(part!.amountDue.toFixed(2)).to.equal('38.80');
    const partLocked = await rejection(xero.updateDocument(session, part!, edited));
    expect(partLocked.kind).to.equal('locked');

    sb.recordPayment(created.id, '38.80');
    const [paid] = await xero.documents(session, [{ type: 'invoice', id: created.id }]);
    expect(paid!.status).to.equal('paid');
    // Even from a stale read (open), Xero's refusal of a paid invoice is 'locked' with Xero's reason.
    const stale = await rejection(xero.updateDocument(session, { ...paid!, status: 'open' }, edited));
    expect(stale.kind).to.equal('locked');
    expect(stale.message).to.contain('This document cannot be edited as it has a payment or credit note allocated to it.');
  });

  it('a draft stays a draft on update, an approved one cannot go back; a voided one reads as voided and is locked', async () => {
    const draft = await xero.createDocument(session, doc('INV-000124', contactId, { post: 'draft' }));
    expect(draft.status).to.equal('draft');
    expect((await xero.updateDocument(session, draft, doc('INV-000124', contactId, { post: 'draft' }))).status).to.equal('draft');
    const approved = await xero.updateDocument(session, draft, doc('INV-000124', contactId));
    expect(approved.status).to.equal('open');
    expect((await xero.updateDocument(session, approved, doc('INV-000124', contactId, { post: 'draft' }))).status).to.equal('open');
    sb.voidInvoice(approved.id);
    const voided = (await xero.findDocument(session, 'invoice', 'INV-000124'))!;
    expect(voided.status).to.equal('voided');
    expect((await rejection(xero.updateDocument(session, voided, doc('INV-000124', contactId)))).kind).to.equal('locked');
  });

  it('a wholly negative invoice goes as an ACCRECCREDIT credit note, found by CreditNoteNumber, paid when its credit is used', async () => {
    const credit = doc('INV-000130', contactId, {
      type: 'credit_note',
      lines: [{ description: 'Credit: licences removed', quantity: d('2'), unitAmount: d('4.9'), amount: d('9.80'), ledgerRef: '200', taxCode: 'OUTPUT2', taxAmount: d('1.96'), serviceDate: null }],
      subtotal: d('9.8'), tax: d('1.96'), total: d('11.76'),
    });
    expect(await xero.findDocument(session, 'credit_note', 'INV-000130')).to.equal(null);
    const cn = await xero.createDocument(session, credit);
    expect(cn).to.include({ type: 'credit_note', number: 'INV-000130', status: 'open', dueDate: null });
    expect(cn.total.toFixed(2)).to.equal('11.76');
    expect(sb.creditNotes()[0]).to.include({ Type: 'ACCRECCREDIT', Reference: 'INV-000130' });
    expect((await xero.findDocument(session, 'credit_note', 'INV-000130'))!.id).to.equal(cn.id);
    expect(await xero.findDocument(session, 'invoice', 'INV-000130')).to.equal(null);
    sb.recordPayment(cn.id, '11.76');
    const [used] = await xero.documents(session, [{ type: 'credit_note', id: cn.id }, { type: 'credit_note', id: randomUUID() }]);
    expect(used).to.include({ status: 'paid' });
    expect(used!.amountDue.toFixed(2)).to.equal('0.00');
  });

  it('Xero\'s validation errors are AccountingError invalid in Xero\'s words', async () => {
    const bad = doc('INV-000140', contactId, { lines: [{ ...doc('x', contactId).lines[0]!, ledgerRef: '999' }] });
    const e = await rejection(xero.createDocument(session, bad));
    expect(e.kind).to.equal('invalid');
    expect(e.status).to.equal(400);
    expect(e.message).to.equal("Xero refused it: Account code '999' is not a valid code for this document.");
  });

  it('an expired access token is unauthorized; a revoked grant cannot refresh', async () => {
    clock.t += 31 * 60_000;
    expect((await rejection(xero.taxRates(session))).kind).to.equal('unauthorized');
    const fresh = await xero.refresh(refreshToken);
    await xero.revoke(fresh.refreshToken);
    expect((await rejection(xero.refresh(fresh.refreshToken))).kind).to.equal('unauthorized');
  });
});
