import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { queuePushes } from '../../../src/accounting/push.js';
import { linkContact } from '../../../src/accounting/contacts.js';
import { setLedgerMapping } from '../../../src/accounting/ledger-mappings.js';
import { AccountingPush } from '../../../src/db/entities/index.js';
import { clearJobHandlers, registerJobHandlers } from '../../../src/jobs/handlers.js';
import { ACCOUNTING_PUSH_JOB, Scheduler } from '../../../src/jobs/scheduler.js';
import { serviceJobHandlers } from '../../../src/jobs/wiring.js';
import { createLogger } from '../../../src/logging/logger.js';
import { freshDatabase, insertTenant, testSecretBox } from '../../support/database.js';
import { insertCustomer, scopeOf } from '../invoices/fixtures.js';
import { jobsTestTarget } from '../jobs/db.js';
import { waitFor } from '../jobs/helpers.js';
import { FakeBooks, fakeOpen } from './fake-connector.js';
import { insertInvoice } from './fixtures.js';

/** accounting:push as a job: two workers working the same tenant's queue push each invoice once. */
describe(`accounting: the push and payments jobs with two workers (${process.env.TEST_DATABASE_URL ? 'MariaDB' : 'SQLite'})`, function () {
  this.timeout(60_000);
  let ds: DataSource;
  const running: Scheduler[] = [];

  before(async () => {
    ds = await freshDatabase(jobsTestTarget());
  });
  after(async () => {
    for (const s of running.splice(0)) await s.stop();
    clearJobHandlers();
    await ds?.destroy();
  });

  it('queued pushes are worked through once whichever worker takes the jobs', async () => {
    const books = new FakeBooks('xero');
    books.findDelayMs = 20;
    registerJobHandlers(serviceJobHandlers({ ds, secrets: testSecretBox(), accountingOpen: fakeOpen(books) }));
    const tenant = await insertTenant(ds, `push-${Date.now()}`);
    const scope = scopeOf(ds, tenant.id);
    const by = { by: 'test', now: new Date() };
    const conn = { connector: books, session: { accessToken: 't', organisationId: 'o' } };
    const customer = await insertCustomer(scope, 'Contoso');
    await linkContact(scope, conn, 'xero', customer.id, books.addContact('Contoso').id, by);
    await setLedgerMapping(scope, conn, 'xero', { kind: 'default_ledger', key: '', target: '200' }, by);
    await setLedgerMapping(scope, conn, 'xero', { kind: 'tax_rate', key: '0.2', target: 'OUTPUT2' }, by);
    const invoices = [];
    for (let i = 0; i < 6; i++) invoices.push(await insertInvoice(scope, customer.id, [{ amount: `${10 + i}.00` }]));
    await queuePushes(scope, 'xero', invoices.map((i) => i.id), by);

    const make = (owner: string) => {
      const s = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 50, maxConcurrency: 4, owner, reconcileEveryMs: 3_600_000 });
      running.push(s);
      return s;
    };
    const a = make('a');
    const b = make('b');
    // Two jobs for the one tenant, as two web requests racing could leave (each queues one unless one is due).
    await a.agenda.create(ACCOUNTING_PUSH_JOB, { tenantId: tenant.id }).schedule(new Date()).save();
    await b.agenda.create(ACCOUNTING_PUSH_JOB, { tenantId: tenant.id }).schedule(new Date()).save();
    await Promise.all([a.start(), b.start()]);
    await waitFor(async () => (await scope.repo(AccountingPush).count({ where: { status: 'pushed' } })) === 6, 'every push done', 30_000, 50);
    expect(books.calls.create).to.equal(6);
    expect(new Set(books.docs.map((d) => d.number)).size).to.equal(6);

    // accounting:payments on demand: a payment recorded in the books reads back as paid.
    books.pay(books.docs[0]!.number, books.docs[0]!.total.toFixed());
    await a.queueAccountingPayments(tenant.id, 'test');
    await waitFor(async () => (await scope.repo(AccountingPush).count({ where: { externalStatus: 'paid' } })) === 1, 'the payment read back', 30_000, 50);
  });
});
