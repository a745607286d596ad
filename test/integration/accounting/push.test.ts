import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { DataSource } from 'typeorm';
import type { AccountingDeps } from '../../../src/accounting/access.js';
import { autoLinkContacts, contactMatches, createMissingContacts, linkContact, normaliseName } from '../../../src/accounting/contacts.js';
import { setLedgerMapping } from '../../../src/accounting/ledger-mappings.js';
import { accountingStatuses, ageingSummary, refreshPayments } from '../../../src/accounting/payments.js';
import { MAX_PUSH_ATTEMPTS, queuePushes, runPushes, STALE_PUSHING_MS } from '../../../src/accounting/push.js';
import { AccountingError } from '../../../src/accounting/connector.js';
import { AccountingPush, CustomerBillingContact } from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { createTaxCode } from '../../../src/tax/service.js';
import { freshDatabase, insertTenant } from '../../support/database.js';
import { insertCustomer, scopeOf } from '../invoices/fixtures.js';
import { FakeBooks, fakeOpen } from './fake-connector.js';
import { insertInvoice, setInvoiceLineAmount } from './fixtures.js';

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

const at = (iso: string) => () => new Date(iso);
const by = { by: 'finance@msp.example', now: new Date('2026-02-02T10:00:00Z') };

describe('accounting: contacts, mappings, pushes and payments (fake books)', function () {
  this.timeout(60_000);
  let ds: DataSource;
  let tenantId: string;
  let scope: TenantScope;
  let books: FakeBooks;
  let deps: AccountingDeps;
  const conn = () => ({ connector: books, session: { accessToken: 't', organisationId: 'o' } });

  beforeEach(async () => {
    ds = await freshDatabase();
    tenantId = (await insertTenant(ds, 'acme', 'Europe/London')).id;
    scope = scopeOf(ds, tenantId);
    books = new FakeBooks('xero');
    deps = { ds, open: fakeOpen(books), clock: at('2026-02-02T10:00:00Z') };
  });
  afterEach(async () => ds.destroy());

  /** A customer linked to a contact, the default account and the 20 % rate mapped. */
  async function ready(name = 'Contoso'): Promise<string> {
    const customer = await insertCustomer(scope, name);
    const contact = books.addContact(name);
    await linkContact(scope, conn(), 'xero', customer.id, contact.id, by);
    await setLedgerMapping(scope, conn(), 'xero', { kind: 'default_ledger', key: '', target: '200' }, by);
    await setLedgerMapping(scope, conn(), 'xero', { kind: 'tax_rate', key: '0.2', target: 'OUTPUT2' }, by);
    return customer.id;
  }

  async function push(invoiceIds: string[], d: AccountingDeps = deps) {
    await queuePushes(scope, 'xero', invoiceIds, by);
    return runPushes(d, tenantId);
  }

  it('normalises names: case, punctuation, "&" and legal suffixes', () => {
    expect(normaliseName('Contoso, Ltd.')).to.equal('contoso');
    expect(normaliseName('  CONTOSO   limited ')).to.equal('contoso');
    expect(normaliseName('Smith & Sons LLC')).to.equal('smith and sons');
    expect(normaliseName('Café Noir')).to.equal('cafe noir');
  });

  it('links only unambiguous exact name matches; two contacts of one name are never linked; e-mail suggests; manual link overrides', async () => {
    const contoso = await insertCustomer(scope, 'Contoso Ltd');
    const fabrikam = await insertCustomer(scope, 'Fabrikam');
    const tailspin = await insertCustomer(scope, 'Tailspin Toys');
    const nobody = await insertCustomer(scope, 'Northwind');
    books.addContact('Contoso Limited', 'ap@contoso.example');
    const f1 = books.addContact('Fabrikam', null);
    books.addContact('FABRIKAM', 'other@fabrikam.example');
    const byMail = books.addContact('TT Holdings', 'accounts@tailspin.example');
    await scope.repo(CustomerBillingContact).insert([{ id: crypto.randomUUID(), customerId: tailspin.id, email: 'accounts@tailspin.example', name: null, kind: 'to', createdAt: by.now, updatedAt: by.now }]);

    const result = await autoLinkContacts(scope, conn(), 'xero', by);
    expect(result.linked).to.equal(1);
    const m = new Map(result.items.map((i) => [i.customerId, i]));
    expect(m.get(contoso.id)!.match).to.equal('linked');
    expect(m.get(contoso.id)!.link!.how).to.equal('matched');
    expect(m.get(fabrikam.id)!.match).to.equal('ambiguous');
    expect(m.get(fabrikam.id)!.link).to.equal(null);
    expect(m.get(fabrikam.id)!.note).to.match(/2 contacts .* choose one/);
    expect(m.get(tailspin.id)!.match).to.equal('suggested');
    expect(m.get(tailspin.id)!.suggestions.map((s) => s.id)).to.deep.equal([byMail.id]);
    expect(m.get(nobody.id)!.match).to.equal('none');

    const manual = await linkContact(scope, conn(), 'xero', fabrikam.id, f1.id, by);
    expect(manual.link).to.include({ externalContactId: f1.id, how: 'manual' });

    // create missing: Northwind gets a new contact, once; Tailspin (suggested by e-mail) only when named.
    const created = await createMissingContacts(scope, conn(), 'xero', null, by);
    expect(created.results.map((c) => [c.customerName, c.outcome])).to.deep.equal([['Northwind', 'created']]);
    expect(await createMissingContacts(scope, conn(), 'xero', null, by)).to.deep.equal({ results: [], remaining: 0 });
    const named = await createMissingContacts(scope, conn(), 'xero', [tailspin.id], by);
    expect(named.results.map((c) => c.outcome)).to.deep.equal(['created']);
    expect(books.calls.createContact).to.equal(2);
    expect(books.contactList.find((c) => c.name === 'Tailspin Toys')!.email).to.equal('accounts@tailspin.example');
    expect((await contactMatches(scope, conn(), 'xero')).every((v) => v.match === 'linked')).to.equal(true);
  });

  it('two customers of one name are not linked to the one contact of that name', async () => {
    await insertCustomer(scope, 'Acme');
    await insertCustomer(scope, 'ACME Ltd');
    books.addContact('Acme');
    const r = await autoLinkContacts(scope, conn(), 'xero', by);
    expect(r.linked).to.equal(0);
    expect(r.items.map((i) => i.match)).to.deep.equal(['ambiguous', 'ambiguous']);
  });

  it('refuses a mapping the vendor does not know, and a tax code whose rate differs', async () => {
    expect((await failure(setLedgerMapping(scope, conn(), 'xero', { kind: 'default_ledger', key: '', target: '999' }, by))).message).to.match(/Xero has no account "999"/);
    await createTaxCode(scope, { code: 'VAT20', rate: '0.2', kind: 'standard' }, by.now);
    expect((await failure(setLedgerMapping(scope, conn(), 'xero', { kind: 'tax_code', key: 'VAT20', target: 'OUTPUT10' }, by))).message).to.match(/10 %, Recurra bills 20 %/);
    const ok = await setLedgerMapping(scope, conn(), 'xero', { kind: 'tax_code', key: 'vat20', target: 'OUTPUT2' }, by);
    expect(ok).to.include({ kind: 'tax_code', key: 'VAT20', target: 'OUTPUT2', targetName: '20% (VAT on Income)' });
  });

  it('pushes an issued invoice once; a rerun sends nothing; a draft is refused with a reason; a missing mapping fails with one', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '100.00' }, { amount: '50.00', kind: 'usage' }]);
    const draft = await insertInvoice(scope, customerId, [{ amount: '10.00' }], { status: 'draft' });
    const queued = await queuePushes(scope, 'xero', [inv.id, draft.id], by);
    expect(queued.map((q) => q.outcome)).to.deep.equal(['queued', 'not_issued']);
    expect(queued[1]!.message).to.match(/is a draft: approve it/);
    const first = await runPushes(deps, tenantId);
    expect(first).to.include({ pushed: 1, failed: 0 });
    expect(books.docs).to.have.length(1);
    const doc = books.docs[0]!;
    expect(doc.sent).to.include({ type: 'invoice', number: `INV-00${inv.number}`, currency: 'GBP', dueDate: '2026-03-03', date: '2026-02-01' });
    expect(doc.sent.total.toFixed(2)).to.equal('180.00');
    expect(doc.sent.lines.map((l) => [l.amount.toFixed(2), l.ledgerRef, l.taxCode, l.taxAmount.toFixed(2)])).to.deep.equal([['100.00', '200', 'OUTPUT2', '20.00'], ['50.00', '200', 'OUTPUT2', '10.00']]);

    const again = await push([inv.id]);
    expect(again).to.include({ pushed: 0, unchanged: 1 });
    expect(books.calls.create).to.equal(1);
    expect(books.calls.update).to.equal(0);

    const other = await insertCustomer(scope, 'Unlinked Co');
    const orphan = await insertInvoice(scope, other.id, [{ amount: '5.00', taxRate: '0.05' }]);
    const r = await push([orphan.id]);
    expect(r.failed).to.equal(1);
    const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: orphan.id }))!;
    expect(row.status).to.equal('failed');
    expect(row.lastError).to.match(/link Unlinked Co to a Xero contact first; map the rate 5 % to a Xero tax code first/);
  });

  it('a changed invoice updates the open copy; a paid copy refuses the change with the reason; payments read back as paid', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '100.00' }]);
    await push([inv.id]);
    await setInvoiceLineAmount(scope, inv.id, 1, '120.00');
    expect(await push([inv.id])).to.include({ pushed: 1 });
    expect(books.docs).to.have.length(1);
    expect(books.docs[0]!.updates).to.equal(1);
    expect(books.docs[0]!.total.toFixed(2)).to.equal('144.00');

    books.pay(books.docs[0]!.number, '144.00');
    await setInvoiceLineAmount(scope, inv.id, 1, '130.00');
    expect(await push([inv.id])).to.include({ refused: 1 });
    const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
    expect(row.status).to.equal('refused');
    expect(row.lastError).to.match(/is paid in Xero, so its changed content cannot replace it there/);
    expect(books.docs).to.have.length(1);
    expect(books.docs[0]!.updates).to.equal(1);
    const status = (await accountingStatuses(scope, { timeZone: 'Europe/London' }, [inv.id], by.now)).get(inv.id)![0]!;
    expect(status).to.include({ payment: 'paid', push: 'refused' });
  });

  it('a changed invoice whose copy was voided in the books is refused with the reason', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '100.00' }]);
    await push([inv.id]);
    books.docs[0]!.status = 'voided';
    await setInvoiceLineAmount(scope, inv.id, 1, '90.00');
    expect(await push([inv.id])).to.include({ refused: 1 });
    const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
    expect(row.lastError).to.match(/is voided in Xero, so its changed content cannot replace it there/);
    expect(row.externalStatus).to.equal('voided');
    expect(books.calls.create).to.equal(1);
  });

  it('a wholly negative invoice goes as a credit note with positive lines', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '-40.00' }, { amount: '-10.00' }]);
    await push([inv.id]);
    const sent = books.docs[0]!.sent;
    expect(sent.type).to.equal('credit_note');
    expect(sent.total.toFixed(2)).to.equal('60.00');
    expect(sent.lines.map((l) => [l.amount.toFixed(2), l.unitAmount.toFixed(2), l.quantity.toFixed(), l.taxAmount.toFixed(2)])).to.deep.equal([['40.00', '40.00', '1', '8.00'], ['10.00', '10.00', '1', '2.00']]);
    const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
    expect(row.externalType).to.equal('credit_note');
  });

  it('reads payments back: paid, partly paid, overdue in the tenant\'s zone, and the ageing buckets', async () => {
    const customerId = await ready();
    const paid = await insertInvoice(scope, customerId, [{ amount: '100.00' }], { dueDate: '2026-03-03' });
    const partly = await insertInvoice(scope, customerId, [{ amount: '100.00' }], { dueDate: '2026-03-03' });
    const late = await insertInvoice(scope, customerId, [{ amount: '50.00' }], { dueDate: '2026-01-15' });
    const veryLate = await insertInvoice(scope, customerId, [{ amount: '10.00' }], { dueDate: '2025-10-01' });
    await push([paid.id, partly.id, late.id, veryLate.id]);
    books.pay(`INV-00${paid.number}`, '120.00');
    books.pay(`INV-00${partly.number}`, '20.00');
    const r = await refreshPayments(deps, tenantId);
    expect(r).to.include({ checked: 4, missing: 0 });
    const s = await accountingStatuses(scope, { timeZone: 'Europe/London' }, [paid.id, partly.id, late.id, veryLate.id], by.now);
    expect(s.get(paid.id)![0]!.payment).to.equal('paid');
    expect(s.get(partly.id)![0]!).to.include({ payment: 'partly_paid', amountPaid: '20', amountDue: '100' });
    expect(s.get(late.id)![0]!.payment).to.equal('overdue');
    expect(s.get(late.id)![0]!.label).to.match(/overdue in Xero \(due 2026-01-15, 60.00 owed\)/);

    // 23:30 on 2 March in London is the due date itself: not yet overdue; an hour later (3 March) still not (due 3 March).
    const ageing = await ageingSummary(scope, { timeZone: 'Europe/London' }, by.now);
    expect(ageing.asOf).to.equal('2026-02-02');
    expect(ageing.rows).to.deep.equal([{ currency: 'GBP', buckets: { current: '100.00', days1to30: '60.00', days31to60: '0.00', days61to90: '0.00', over90: '12.00' }, total: '172.00', invoices: 3 }]);
    const tz = await accountingStatuses(scope, { timeZone: 'Pacific/Auckland' }, [partly.id], new Date('2026-03-03T12:00:00Z'));
    expect(tz.get(partly.id)![0]!.payment).to.equal('overdue'); // 4 March in Auckland
    const london = await accountingStatuses(scope, { timeZone: 'Europe/London' }, [partly.id], new Date('2026-03-03T12:00:00Z'));
    expect(london.get(partly.id)![0]!.payment).to.equal('partly_paid');
  });

  it('two pushes of the same invoice at once create one document', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '100.00' }]);
    books.findDelayMs = 50;
    await Promise.all([queuePushes(scope, 'xero', [inv.id], by), queuePushes(scope, 'xero', [inv.id], by)]);
    const [a, b] = await Promise.all([runPushes(deps, tenantId), runPushes(deps, tenantId)]);
    expect(a.pushed + b.pushed).to.equal(1);
    expect(books.calls.create).to.equal(1);
    expect(await scope.repo(AccountingPush).count({ where: { invoiceId: inv.id } })).to.equal(1);
  });

  it('a push that dies after the vendor created the document leaves one document, and the rerun links it', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '100.00' }]);
    books.afterCreate = () => { throw new Error('socket hang up'); };
    const first = await push([inv.id]);
    expect(first.retrying).to.equal(1);
    books.afterCreate = null;
    const later = { ...deps, clock: at('2026-02-02T12:00:00Z') };
    const second = await runPushes(later, tenantId);
    expect(second.pushed).to.equal(1);
    expect(books.calls.create).to.equal(1);
    const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
    expect(row).to.include({ status: 'pushed', externalId: books.docs[0]!.id });

    // A worker that died mid-push (row left `pushing`): taken up after STALE_PUSHING_MS, found by number, linked.
    const inv2 = await insertInvoice(scope, customerId, [{ amount: '70.00' }]);
    books.afterCreate = () => { throw new Error('killed'); };
    await queuePushes(scope, 'xero', [inv2.id], by);
    await runPushes(deps, tenantId);
    books.afterCreate = null;
    await scope.repo(AccountingPush).update({ invoiceId: inv2.id }, { status: 'pushing', claimedAt: new Date('2026-02-02T10:00:00Z'), nextAttemptAt: null });
    expect(await runPushes({ ...deps, clock: at('2026-02-02T10:05:00Z') }, tenantId)).to.include({ pushed: 0 });
    const afterStale = await runPushes({ ...deps, clock: () => new Date(new Date('2026-02-02T10:00:00Z').getTime() + STALE_PUSHING_MS + 1000) }, tenantId);
    expect(afterStale.pushed).to.equal(1);
    expect(books.calls.create).to.equal(2);
    expect(books.docs.filter((d) => d.total.eq(new Decimal('84')))).to.have.length(1);
  });
  it('a vendor that asks to wait is tried again later with growing delays, then the push fails with its words; a push again retries it', async () => {
    const customerId = await ready();
    const inv = await insertInvoice(scope, customerId, [{ amount: '100.00' }]);
    const create = books.createDocument.bind(books);
    books.createDocument = async () => { throw new AccountingError('rate_limited', 'Daily limit reached (5000 calls)', 429); };
    await queuePushes(scope, 'xero', [inv.id], by);
    let t = new Date('2026-02-02T10:00:00Z').getTime();
    const delays: number[] = [];
    for (let i = 1; i <= MAX_PUSH_ATTEMPTS; i++) {
      const r = await runPushes({ ...deps, clock: () => new Date(t) }, tenantId);
      const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
      expect(row.attempts).to.equal(i);
      expect(row.lastError).to.equal('Daily limit reached (5000 calls)');
      if (i < MAX_PUSH_ATTEMPTS) {
        expect(r.retrying).to.equal(1);
        delays.push((row.nextAttemptAt!.getTime() - t) / 60_000);
        expect((await runPushes({ ...deps, clock: () => new Date(t + 1000) }, tenantId)).retrying, 'not before it is due').to.equal(0);
        t = row.nextAttemptAt!.getTime();
      } else {
        expect(r.failed).to.equal(1);
        expect(row.status).to.equal('failed');
      }
    }
    expect(delays).to.deep.equal([1, 2, 4, 8]);
    books.createDocument = create;
    expect((await queuePushes(scope, 'xero', [inv.id], by))[0]!.outcome).to.equal('queued');
    expect((await runPushes({ ...deps, clock: () => new Date(t) }, tenantId)).pushed).to.equal(1);
  });
});
