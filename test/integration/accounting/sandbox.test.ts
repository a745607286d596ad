import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { In, type DataSource } from 'typeorm';
import type { AccountingDeps, OpenAccounting } from '../../../src/accounting/access.js';
import { autoLinkContacts, createMissingContacts } from '../../../src/accounting/contacts.js';
import { mappingChoices, setLedgerMapping } from '../../../src/accounting/ledger-mappings.js';
import { accountingOpener } from '../../../src/accounting/open.js';
import { accountingStatuses, refreshPayments } from '../../../src/accounting/payments.js';
import { queuePushes, runPushes } from '../../../src/accounting/push.js';
import type { SecretBox } from '../../../src/crypto/secret-box.js';
import { AccountingPush, CustomerBillingContact } from '../../../src/db/entities/index.js';
import type { TenantScope } from '../../../src/db/tenant-scope.js';
import { freshDatabase, insertTenant, testSecretBox } from '../../support/database.js';
import { insertCustomer, scopeOf } from '../invoices/fixtures.js';
import { insertInvoice, setInvoiceLineAmount } from './fixtures.js';
import { adapterAvailable, connectTenant, LOCAL_BOOKS, type LocalBooks } from './sandbox-books.js';

/**
 * Pushes over real HTTP to the local Xero and the local QuickBooks Online (src/xero/sandbox, src/quickbooks/sandbox),
 * through the tenant's stored connection and the vendors' adapters: each invoice appears once with the right contact,
 * account, tax and totals; a rerun sends nothing; a change updates; a payment recorded there reads back as paid, and
 * then a change is refused; a negative invoice goes as a credit note; two pushes at once and a push that dies after the
 * vendor created the document leave one document.
 */
for (const vendor of ['xero', 'quickbooks'] as const) {
  const d = adapterAvailable(vendor) ? describe : describe.skip;
  d(`accounting pushes to the local ${vendor} (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
    this.timeout(120_000);
    let ds: DataSource;
    let secrets: SecretBox;
    let books: LocalBooks;
    let tenantId: string;
    let scope: TenantScope;
    let deps: AccountingDeps;
    let customerId: string;
    let contactId: string;
    let ledgerRef: string;
    let taxCode: string;
    /** The local QuickBooks company is a US one without multicurrency. */
    const currency = vendor === 'quickbooks' ? 'USD' : 'GBP';
    const by = () => ({ by: 'finance@msp.example', now: new Date() });

    before(async () => {
      ds = await freshDatabase();
      secrets = testSecretBox();
      books = await LOCAL_BOOKS[vendor]();
      tenantId = (await insertTenant(ds, `books-${vendor}`)).id;
      scope = scopeOf(ds, tenantId);
      await connectTenant(ds, secrets, tenantId, books, new Date());
      deps = { ds, open: accountingOpener(ds, secrets) };
    });
    after(async () => {
      await books?.close();
      await ds?.destroy();
    });

    const conn = () => deps.open(tenantId, vendor, new Date());
    const docsOf = (number: string) => books.documents().filter((x) => x.number === number);
    const numberOf = (n: number | null) => `INV-${String(n).padStart(6, '0')}`;

    async function push(ids: string[]) {
      await queuePushes(scope, vendor, ids, by());
      const r = await runPushes(deps, tenantId, { invoiceIds: ids });
      if (r.failed + r.retrying > 0) {
        const rows = await scope.repo(AccountingPush).findBy({ invoiceId: In(ids) });
        throw new Error(`push failed: ${rows.map((x) => x.lastError).join('; ')}`);
      }
      return r;
    }

    it('creates the missing contact (with the billing e-mail) and maps lines to the vendor\'s account and 20 % tax', async () => {
      const customer = await insertCustomer(scope, 'Contoso Books Ltd');
      customerId = customer.id;
      await scope.repo(CustomerBillingContact).insert([{ id: crypto.randomUUID(), customerId, email: 'ap@contoso.example', name: null, kind: 'to', createdAt: new Date(), updatedAt: new Date() }]);
      const created = await createMissingContacts(scope, await conn(), vendor, [customerId], by());
      expect(created.results.map((c) => c.outcome)).to.deep.equal(['created']);
      const again = await autoLinkContacts(scope, await conn(), vendor, by());
      expect(again.items.find((i) => i.customerId === customerId)!.link!.externalContactId).to.equal(created.results[0]!.contactId);
      contactId = created.results[0]!.contactId!;

      const choices = await mappingChoices(scope, await conn(), vendor);
      const target = choices.ledgerTargets.find((t) => t.ref === '200') ?? choices.ledgerTargets[0]!;
      const tax20 = choices.taxRates.find((r) => new Decimal(r.rate).eq('0.2'))!;
      expect(tax20, 'a 20 % tax code').to.not.equal(undefined);
      await setLedgerMapping(scope, await conn(), vendor, { kind: 'default_ledger', key: '', target: target.ref }, by());
      await setLedgerMapping(scope, await conn(), vendor, { kind: 'tax_rate', key: '0.2', target: tax20.code }, by());
      ledgerRef = target.ref;
      taxCode = tax20.code;
    });

    it('pushes once with the right contact and totals; a rerun sends nothing; a change updates it; a payment there reads back as paid; then a change is refused', async () => {
      const inv = await insertInvoice(scope, customerId, [{ amount: '100.00', description: 'Microsoft 365 Business Premium' }, { amount: '25.50', kind: 'usage', description: 'Azure usage' }], { currency });
      expect(await push([inv.id])).to.include({ pushed: 1, failed: 0 });
      const [doc] = docsOf(numberOf(inv.number));
      expect(docsOf(numberOf(inv.number))).to.have.length(1);
      expect(doc!.type).to.equal('invoice');
      expect(new Decimal(doc!.total).toFixed(2)).to.equal('150.60');
      expect(doc!.contactId).to.equal(contactId);
      expect(doc!.lines.map((l) => [l.ledgerRef, l.taxCode, new Decimal(l.amount).toFixed(2)])).to.deep.equal([[ledgerRef, taxCode, '100.00'], [ledgerRef, taxCode, '25.50']]);
      const link = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
      expect(link.externalId).to.equal(doc!.id);

      expect(await push([inv.id])).to.include({ pushed: 0, unchanged: 1 });
      expect(docsOf(numberOf(inv.number))).to.have.length(1);

      await setInvoiceLineAmount(scope, inv.id, 1, '110.00');
      expect(await push([inv.id])).to.include({ pushed: 1 });
      expect(docsOf(numberOf(inv.number))).to.have.length(1);
      expect(new Decimal(docsOf(numberOf(inv.number))[0]!.total).toFixed(2)).to.equal('162.60');

      books.recordPayment(doc!.id, '162.60');
      const r = await refreshPayments(deps, tenantId, { invoiceIds: [inv.id] });
      expect(r).to.include({ checked: 1, missing: 0 });
      const status = (await accountingStatuses(scope, { timeZone: 'UTC' }, [inv.id], new Date())).get(inv.id)![0]!;
      expect(status).to.include({ payment: 'paid', amountDue: '0' });

      await setInvoiceLineAmount(scope, inv.id, 1, '120.00');
      expect(await push([inv.id])).to.include({ refused: 1 });
      const refused = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
      expect(refused.lastError).to.match(/is paid in (Xero|QuickBooks)/);
      expect(new Decimal(docsOf(numberOf(inv.number))[0]!.total).toFixed(2)).to.equal('162.60');
    });

    it('a wholly negative invoice goes as a credit note', async () => {
      const inv = await insertInvoice(scope, customerId, [{ amount: '-30.00' }], { currency });
      expect(await push([inv.id])).to.include({ pushed: 1 });
      const docs = docsOf(numberOf(inv.number));
      expect(docs.map((x) => [x.type, new Decimal(x.total).toFixed(2)])).to.deep.equal([['credit_note', '36.00']]);
    });

    it('two pushes of one invoice at once create one document', async () => {
      const inv = await insertInvoice(scope, customerId, [{ amount: '42.00' }], { currency });
      await Promise.all([queuePushes(scope, vendor, [inv.id], by()), queuePushes(scope, vendor, [inv.id], by())]);
      const [a, b] = await Promise.all([runPushes(deps, tenantId, { invoiceIds: [inv.id] }), runPushes(deps, tenantId, { invoiceIds: [inv.id] })]);
      expect(a.pushed + b.pushed).to.equal(1);
      expect(docsOf(numberOf(inv.number))).to.have.length(1);
    });

    it('a push that dies after the vendor created the document leaves one document, and the rerun links it', async () => {
      const inv = await insertInvoice(scope, customerId, [{ amount: '77.00' }], { currency });
      const dying: OpenAccounting = async (t, v, now) => {
        const c = await deps.open(t, v, now);
        const connector = Object.create(c.connector) as typeof c.connector;
        connector.createDocument = async (s, doc) => {
          await c.connector.createDocument(s, doc);
          throw new Error('the process died before storing the id');
        };
        return { connector, session: c.session };
      };
      await queuePushes(scope, vendor, [inv.id], by());
      expect((await runPushes({ ...deps, open: dying }, tenantId, { invoiceIds: [inv.id] })).retrying).to.equal(1);
      expect(docsOf(numberOf(inv.number))).to.have.length(1);
      const later = { ...deps, clock: () => new Date(Date.now() + 60 * 60_000) };
      expect((await runPushes(later, tenantId, { invoiceIds: [inv.id] })).pushed).to.equal(1);
      expect(docsOf(numberOf(inv.number))).to.have.length(1);
      const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
      expect(row).to.include({ status: 'pushed', externalId: docsOf(numberOf(inv.number))[0]!.id });
    });
  });
}
