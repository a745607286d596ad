import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { AccountingError, type AccountingConnector, type AccountingDocument, type ConnectorSession } from '../../../src/accounting/connector.js';
import { connectorFor } from '../../../src/accounting/connectors/index.js';
import { startQuickBooksSandbox, type RunningQuickBooksSandbox } from '../../../src/quickbooks/sandbox/index.js';

const REDIRECT = 'http://127.0.0.1:9/accounting/quickbooks/callback';
const d = (v: string) => new Decimal(v);

function invoiceDoc(number: string, contactId: string, over: Partial<AccountingDocument> = {}): AccountingDocument {
  return {
    type: 'invoice',
    number,
    contactId,
    date: '2026-11-01',
    dueDate: '2026-12-01',
    currency: 'USD',
    lines: [
      { description: 'Microsoft 365 Business Premium', quantity: d('10'), unitAmount: d('22'), amount: d('220'), ledgerRef: '3', taxCode: '2', taxAmount: d('44'), serviceDate: '2026-11-01' },
      // pro-rata: 3 × 7.3333… rounded by Recurra to 22.00
      { description: 'Adjustment, 11 of 30 days', quantity: d('3'), unitAmount: d('7.333333'), amount: d('22'), ledgerRef: '1', taxCode: null, taxAmount: d('0'), serviceDate: '2026-11-20' },
    ],
    subtotal: d('242'),
    tax: d('44'),
    total: d('286'),
    post: 'approved',
    ...over,
  };
}

describe('QuickBooks connector (src/accounting/connectors/quickbooks.ts) against the local QuickBooks Online sandbox', function () {
  let sb: RunningQuickBooksSandbox;
  let connector: AccountingConnector;
  let session: ConnectorSession;
  let clock = Date.parse('2026-11-20T09:00:00Z');
  let contactId: string;

  before(async () => {
    sb = await startQuickBooksSandbox({ now: () => clock, autoApprove: true, realms: [{ name: 'Acme IT (QuickBooks)' }] });
    connector = connectorFor('quickbooks', {
      app: { clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: REDIRECT, endpoints: sb.endpoints },
      connectionKey: `connector-test-${Math.random()}`,
      now: () => clock,
    });
  });
  after(() => sb.close());

  it('connects: the consent redirect carries the realmId, the code buys tokens, and the organisation is the company by name', async () => {
    const res = await fetch(connector.authorizationUrl('state-1'), { redirect: 'manual' });
    const cb = new URL(res.headers.get('location')!).searchParams;
    expect(cb.get('state')).to.equal('state-1');
    const { tokens, organisations } = await connector.exchangeCode({ code: cb.get('code')!, realmId: cb.get('realmId')! });
    expect(organisations).to.deep.equal([{ id: sb.realmId, name: 'Acme IT (QuickBooks)' }]);
    expect(tokens.accessExpiresAt.getTime() - clock).to.equal(3600_000);
    expect(tokens.refreshExpiresAt).to.be.instanceOf(Date);
    session = { accessToken: tokens.accessToken, organisationId: organisations[0]!.id };
    const noRealm = await connector.exchangeCode({ code: 'x' }).catch((e: unknown) => e);
    expect((noRealm as AccountingError).kind).to.equal('invalid');

    clock += 3601_000;
    const expired = await connector.contacts(session).catch((e: unknown) => e);
    expect((expired as AccountingError).kind).to.equal('unauthorized');
    const fresh = await connector.refresh(tokens.refreshToken);
    session = { ...session, accessToken: fresh.accessToken };
  });

  it('lists customers as contacts and creates one; items are the ledger targets; tax codes carry their rates', async () => {
    const contacts = await connector.contacts(session);
    expect(contacts.map((c) => c.name)).to.include('Northwind Traders');
    const created = await connector.createContact(session, { name: 'Fabrikam Inc', email: 'billing@fabrikam.example' });
    expect(created).to.include({ name: 'Fabrikam Inc', email: 'billing@fabrikam.example' });
    contactId = created.id;
    const again = await connector.createContact(session, { name: 'Fabrikam Inc', email: null }).catch((e: unknown) => e);
    expect((again as AccountingError).kind).to.equal('invalid');
    expect((again as AccountingError).message).to.contain('Duplicate Name Exists Error');

    const targets = await connector.ledgerTargets(session);
    expect(targets.every((t) => t.kind === 'item')).to.equal(true);
    expect(targets.find((t) => t.ref === '1')!.name).to.equal('Services (Services)');
    const rates = await connector.taxRates(session);
    const byCode = Object.fromEntries(rates.map((r) => [r.code, r.rate.toString()]));
    expect(byCode).to.include({ NON: '0', '2': '0.2', '3': '0.05', '5': '0.091' });
    expect(byCode).to.not.have.property('TAX');
  });

  it('pushes an invoice once: found by number afterwards, with Recurra\'s tax and total to the cent', async () => {
    expect(await connector.findDocument(session, 'invoice', 'INV-000201')).to.equal(null);
    const created = await connector.createDocument(session, invoiceDoc('INV-000201', contactId));
    expect(created).to.include({ type: 'invoice', number: 'INV-000201', status: 'open', dueDate: '2026-12-01', version: '0', url: null });
    expect(created.total.toString()).to.equal('286');
    expect(created.amountDue.toString()).to.equal('286');
    const found = await connector.findDocument(session, 'invoice', 'INV-000201');
    expect(found!.id).to.equal(created.id);
    const stored = sb.invoices().find((i) => i.Id === created.id) as { Line: Array<{ SalesItemLineDetail?: { Qty?: number; UnitPrice?: number; TaxCodeRef: { value: string } } }>; TxnTaxDetail: { TotalTax: number } };
    expect(stored.TxnTaxDetail.TotalTax).to.equal(44);
    expect(stored.Line[0]!.SalesItemLineDetail).to.deep.include({ Qty: 10, UnitPrice: 22 });
    expect(stored.Line[1]!.SalesItemLineDetail!.TaxCodeRef.value).to.equal('NON');
    expect(stored.Line[1]!.SalesItemLineDetail!.Qty).to.equal(3);
  });

  it('a second create of the same number (two workers) answers the first document instead of a duplicate', async () => {
    const [a, b] = await Promise.all([
      connector.createDocument(session, invoiceDoc('INV-000202', contactId)),
      connector.createDocument(session, invoiceDoc('INV-000202', contactId)),
    ]);
    expect(a.id).to.equal(b.id);
    expect(sb.invoices().filter((i) => i.DocNumber === 'INV-000202')).to.have.length(1);
  });

  it('posts a "draft" as an ordinary invoice (QuickBooks has no drafts) and refuses a number over 21 characters before calling', async () => {
    const draft = await connector.createDocument(session, invoiceDoc('INV-000203', contactId, { post: 'draft' }));
    expect(draft.status).to.equal('open');
    sb.resetStats();
    const long = await connector.createDocument(session, invoiceDoc('INV-2026-11-000000000204', contactId)).catch((e: unknown) => e);
    expect((long as AccountingError).kind).to.equal('invalid');
    expect((long as AccountingError).message).to.contain('21 characters');
    expect(sb.stats().requests).to.equal(0);
  });

  it('updates an open invoice with its SyncToken; a stale version is a conflict', async () => {
    const existing = (await connector.findDocument(session, 'invoice', 'INV-000201'))!;
    const edited = invoiceDoc('INV-000201', contactId, {
      lines: [{ description: 'Microsoft 365 Business Premium', quantity: d('12'), unitAmount: d('22'), amount: d('264'), ledgerRef: '3', taxCode: '2', taxAmount: d('52.8'), serviceDate: '2026-11-01' }],
      subtotal: d('264'), tax: d('52.8'), total: d('316.8'),
    });
    const updated = await connector.updateDocument(session, existing, edited);
    expect(updated.version).to.equal('1');
    expect(updated.total.toString()).to.equal('316.8');
    const stale = await connector.updateDocument(session, existing, edited).catch((e: unknown) => e);
    expect((stale as AccountingError).kind).to.equal('conflict');
    expect((stale as AccountingError).message).to.contain('Stale Object Error');
  });

  it('reads payments back: partly paid, then paid; a document with payments is locked with a clear reason', async () => {
    const doc = (await connector.findDocument(session, 'invoice', 'INV-000201'))!;
    sb.recordPayment(doc.id, '100');
    let [now] = await connector.documents(session, [{ type: 'invoice', id: doc.id }, { type: 'invoice', id: '99999' }]);
    expect(now!.status).to.equal('partly_paid');
    expect(now!.amountPaid.toString()).to.equal('100');
    expect(now!.amountDue.toString()).to.equal('216.8');
    const locked = await connector.updateDocument(session, now!, invoiceDoc('INV-000201', contactId)).catch((e: unknown) => e);
    expect((locked as AccountingError).kind).to.equal('locked');
    expect((locked as AccountingError).message).to.contain('has payments applied (100.00 of 316.80)');
    sb.recordPayment(doc.id, '216.8');
    [now] = await connector.documents(session, [{ type: 'invoice', id: doc.id }]);
    expect(now!.status).to.equal('paid');
    expect(now!.amountDue.toString()).to.equal('0');
  });

  it('an invoice paid in QuickBooks after Recurra read it is refused as locked, in QuickBooks\' words', async () => {
    const doc = (await connector.findDocument(session, 'invoice', 'INV-000203'))!;
    sb.recordPayment(doc.id, '286');
    const fresh = (await connector.documents(session, [{ type: 'invoice', id: doc.id }]))[0]!;
    const stale = { ...fresh, status: 'open' as const, amountPaid: d('0'), amountDue: fresh.total };
    const err = await connector.updateDocument(session, stale, invoiceDoc('INV-000203', contactId)).catch((e: unknown) => e);
    expect((err as AccountingError).kind).to.equal('locked');
    expect((err as AccountingError).message).to.contain('paid in full');
  });

  it('shows a voided invoice as voided and refuses to change it', async () => {
    const doc = (await connector.findDocument(session, 'invoice', 'INV-000202'))!;
    sb.voidInvoice(doc.id);
    const [now] = await connector.documents(session, [{ type: 'invoice', id: doc.id }]);
    expect(now!.status).to.equal('voided');
    const err = await connector.updateDocument(session, now!, invoiceDoc('INV-000202', contactId)).catch((e: unknown) => e);
    expect((err as AccountingError).kind).to.equal('locked');
    expect((err as AccountingError).message).to.contain('voided');
  });

  it('pushes a wholly negative invoice as a credit memo with positive lines, found by number among credit memos', async () => {
    const credit = await connector.createDocument(session, {
      ...invoiceDoc('INV-000204', contactId),
      type: 'credit_note',
      dueDate: null,
      lines: [{ description: 'Credit: seats removed', quantity: d('2'), unitAmount: d('22'), amount: d('44'), ledgerRef: '3', taxCode: '2', taxAmount: d('8.8'), serviceDate: '2026-11-01' }],
      subtotal: d('44'), tax: d('8.8'), total: d('52.8'),
    });
    expect(credit).to.include({ type: 'credit_note', status: 'open', dueDate: null });
    expect(credit.total.toString()).to.equal('52.8');
    expect(await connector.findDocument(session, 'invoice', 'INV-000204')).to.equal(null);
    expect((await connector.findDocument(session, 'credit_note', 'INV-000204'))!.id).to.equal(credit.id);
    const [read] = await connector.documents(session, [{ type: 'credit_note', id: credit.id }]);
    expect(read!.version).to.equal('0');
  });

  it('names an unknown item or customer in QuickBooks\' words as invalid', async () => {
    const err = await connector
      .createDocument(session, invoiceDoc('INV-000205', contactId, { lines: [{ ...invoiceDoc('x', contactId).lines[0]!, ledgerRef: '404' }] }))
      .catch((e: unknown) => e);
    expect((err as AccountingError).kind).to.equal('invalid');
    expect((err as AccountingError).message).to.contain('Invalid Reference Id');
  });

  it('revokes the grant', async () => {
    await connector.revoke('not-a-token').catch(() => undefined);
    const res = await fetch(connector.authorizationUrl('s2'), { redirect: 'manual' });
    const cb = new URL(res.headers.get('location')!).searchParams;
    const { tokens } = await connector.exchangeCode({ code: cb.get('code')!, realmId: cb.get('realmId')! });
    await connector.revoke(tokens.refreshToken);
    const err = await connector.contacts({ accessToken: tokens.accessToken, organisationId: sb.realmId }).catch((e: unknown) => e);
    expect((err as AccountingError).kind).to.equal('unauthorized');
  });
});
