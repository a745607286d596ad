import { expect } from 'chai';
import { createServer } from 'node:net';
import type { DataSource } from 'typeorm';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { startDemo } from '../../../src/http/demo.js';
import { clockFrom } from '../../../src/common/clock.js';
import { accountingOpener } from '../../../src/accounting/open.js';
import { contactMatches } from '../../../src/accounting/contacts.js';
import { listLedgerMappings } from '../../../src/accounting/ledger-mappings.js';
import { queuePushes, runPushes } from '../../../src/accounting/push.js';
import { billingContacts } from '../../../src/invoice-delivery/contacts.js';
import { AccountingPush, Customer } from '../../../src/db/entities/index.js';
import { TenantScope } from '../../../src/db/tenant-scope.js';
import { insertInvoice } from './fixtures.js';

/**
 * `npm start`: the demo's customers have billing contacts, and in the local Xero (which forgets everything when it
 * restarts) a contact each and the default mappings (sales account 200, the 20 % and 5 % rates), set again after a
 * restart with the links to forgotten contacts replaced; an approved invoice is pushed without any setting up.
 */
describe(`demo: ready to send and push to the local Xero (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(180_000);
  let ds: DataSource;
  let rt: Runtime;
  const clock = clockFrom('2027-03-10T12:00:00Z');

  /** A port free right now (a restarted demo finds its sandboxes on the same ports, as `npm start` does). */
  const freePort = () => new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as { port: number }; srv.close(() => resolve(port)); });
  });

  before(async () => {
    ds = await freshDatabase();
    const base = loadConfig({ RECURRA_ENV: 'test' });
    rt = { config: { ...base, demo: { sandbox: true, sandboxPort: await freePort(), sandboxCompanies: 4, xeroSandboxPort: await freePort() } }, logger: createLogger('silent'), ds, secrets: testSecretBox(), close: async () => {}, clock };
  });
  after(async () => { await ds?.destroy(); });

  it('gives billing contacts, Xero contacts and mappings at the first start and again after a restart; a push needs nothing more', async () => {
    const contactsSeen: string[][] = [];
    for (const start of ['first', 'restart']) {
      const out: string[] = [];
      const demo = await startDemo(rt, (s) => out.push(s), clock);
      try {
        expect(demo?.xero, `${start}: the local Xero started`).to.not.equal(null);
        await demo!.books;
        const said = `${start}: ${out.join('')}`;
        const scope = new TenantScope(ds.manager, demo!.tenantId);
        const customers = await scope.repo(Customer).find({ where: { active: true } });
        expect(customers.length, said).to.be.greaterThan(0);
        for (const c of customers) expect((await billingContacts(scope, c.id)).to, `${said} ${c.name}`).to.have.length.greaterThan(0);

        const conn = await accountingOpener(ds, rt.secrets)(demo!.tenantId, 'xero', clock());
        const inXero = await conn.connector.contacts(conn.session);
        const views = await contactMatches(scope, conn, 'xero');
        for (const c of customers) {
          const v = views.find((x) => x.customerId === c.id)!;
          expect(v.match, `${said} ${c.name}: ${v.note}`).to.equal('linked');
          expect(inXero.map((x) => x.id), `${said} ${c.name}'s contact is in this Xero`).to.include(v.link!.externalContactId);
          // Look-alike customers ("… Inc." and "… LLC") each get their own contact.
          expect(v.link!.name.toLowerCase(), said).to.equal(c.name.toLowerCase());
        }
        expect(inXero.filter((x) => x.email?.endsWith('.example')).length, said).to.equal(new Set(customers.map((c) => c.name)).size);
        contactsSeen.push(inXero.map((x) => x.id).sort());

        const maps = (await listLedgerMappings(scope, 'xero')).map((m) => [m.kind, m.key, m.target]);
        expect(maps, said).to.deep.include.members([['default_ledger', '', '200'], ['tax_rate', '0.2', 'OUTPUT2'], ['tax_rate', '0.05', 'RROUTPUT']]);

        // An issued invoice of a demo customer goes to Xero as it is.
        const inv = await insertInvoice(scope, customers[0]!.id, [{ amount: '100.00' }], { currency: 'USD', number: start === 'first' ? 9001 : 9002 });
        await queuePushes(scope, 'xero', [inv.id], { by: 'test', now: clock() });
        const r = await runPushes({ ds, open: accountingOpener(ds, rt.secrets), clock }, demo!.tenantId, { invoiceIds: [inv.id] });
        const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
        expect(r.pushed, `${said} ${row.lastError ?? ''}`).to.equal(1);
        const docs = demo!.xero!.invoices().filter((d) => d['InvoiceNumber'] === `INV-00${inv.number}`);
        expect(docs, said).to.have.length(1);
        expect(String(docs[0]!['Total'])).to.match(/^120(\.0+)?$/);
      } finally {
        await demo?.close();
      }
    }
    expect(contactsSeen[1], 'the restarted Xero has new contacts').to.not.deep.equal(contactsSeen[0]);
  });
});
