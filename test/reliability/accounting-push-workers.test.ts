import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AccountingVendor } from '../../src/accounting/connector.js';
import { linkContact } from '../../src/accounting/contacts.js';
import { setLedgerMapping } from '../../src/accounting/ledger-mappings.js';
import { accountingOpener } from '../../src/accounting/open.js';
import { queuePushes } from '../../src/accounting/push.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { AccountingPush } from '../../src/db/entities/index.js';
import { ACCOUNTING_PUSH_JOB, Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/logging/logger.js';
import { startQuickBooksSandbox } from '../../src/quickbooks/sandbox/index.js';
import { startXeroSandbox } from '../../src/xero/sandbox/index.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../support/database.js';
import { insertCustomer, scopeOf } from '../integration/invoices/fixtures.js';
import { insertInvoice } from '../integration/accounting/fixtures.js';
import { adapterAvailable, connectTenant } from '../integration/accounting/sandbox-books.js';
import { runCli } from '../support/cli.js';
import { alive, startWorker, stopWorker, waitUntil, type WorkerProcess } from './support/workers.js';

const INVOICES = 6;
/** Push jobs queued 1.25 s apart (a worker polls every 5 s). */
const JOBS = 6;

/**
 * Two `recurra worker` processes given the same tenant's queued pushes for the local Xero and the local QuickBooks
 * (each answering slowly): every invoice is in each vendor exactly once. The scheduler lets one push job of a tenant run
 * at a time (a second is skipped while it runs), so the same rows pushed by two processes at the same moment are
 * checked with `recurra accounting push --now` processes, two per vendor at once.
 */
(adapterAvailable('xero') && adapterAvailable('quickbooks') ? describe : describe.skip)('accounting: two worker processes push the same queued invoices', function () {
  this.timeout(240_000);

  it('one document per invoice in Xero and in QuickBooks', async () => {
    const target = sharedTestTarget();
    const ds = await freshDatabase(target);
    const key = randomBytes(32);
    const secrets = new SecretBox(key);
    const xero = await startXeroSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, organisationName: 'Acme Books (UK)', latencyMs: 250 });
    const qbo = await startQuickBooksSandbox({ host: '127.0.0.1', port: 0, autoApprove: true, realms: [{ name: 'Acme Books Inc', homeCurrency: 'GBP' }], latencyMs: 250 });
    const workers: WorkerProcess[] = [];
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      const scope = scopeOf(ds, tenantId);
      const customer = await insertCustomer(scope, 'Contoso Two Workers');
      const by = { by: 'test', now: new Date() };
      const open = accountingOpener(ds, secrets);
      for (const [vendor, s] of [['xero', xero], ['quickbooks', qbo]] as const) {
        await connectTenant(ds, secrets, tenantId, { vendor, endpoints: s.endpoints, clientId: s.clientId, clientSecret: s.clientSecret, documents: () => [], recordPayment: () => {}, close: async () => {} }, new Date());
        const conn = await open(tenantId, vendor, new Date());
        const contact = await conn.connector.createContact(conn.session, { name: 'Contoso Two Workers', email: 'ap@contoso.example' });
        await linkContact(scope, conn, vendor, customer.id, contact.id, by);
        const ledger = vendor === 'xero' ? '200' : (await conn.connector.ledgerTargets(conn.session))[0]!.ref;
        const tax20 = (await conn.connector.taxRates(conn.session)).find((r) => r.rate.eq('0.2'))!.code;
        await setLedgerMapping(scope, conn, vendor, { kind: 'default_ledger', key: '', target: ledger }, by);
        await setLedgerMapping(scope, conn, vendor, { kind: 'tax_rate', key: '0.2', target: tax20 }, by);
      }
      const invoices: Array<Awaited<ReturnType<typeof insertInvoice>>> = [];
      for (let i = 0; i < INVOICES; i++) invoices.push(await insertInvoice(scope, customer.id, [{ amount: `${100 + i}.00` }]));
      const numbers = invoices.map((inv) => `INV-${String(inv.number).padStart(6, '0')}`);
      for (const vendor of ['xero', 'quickbooks'] as AccountingVendor[]) await queuePushes(scope, vendor, invoices.map((i) => i.id), by);
      const env: NodeJS.ProcessEnv = target.url
        ? { DATABASE_URL: target.url, RECURRA_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'recurra-data-')), RECURRA_SECRET_KEY: key.toString('hex') }
        : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath), RECURRA_SECRET_KEY: key.toString('hex') };
      const up = () => {
        for (const w of workers) if (!alive(w)) throw new Error(`a worker ended: ${w.other.join('\n')}`);
      };
      const pushed = () => scope.repo(AccountingPush).count({ where: { status: 'pushed' } });
      // Both workers running, then push jobs of the tenant queued one after another (as racing web requests and retries
      // could leave them) while the first is still pushing (the vendors answer slowly): each worker polls every few
      // seconds, so both take some of them and work the same queue at once.
      workers.push(startWorker(env), startWorker(env));
      await waitUntil(() => (up(), workers.every((w) => /is running jobs/.test(w.stdout))), 'both workers to run jobs', 120_000, 100);
      const queue = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 1000, maxConcurrency: 1 });
      for (let i = 0; i < JOBS; i++) {
        await queue.agenda.create(ACCOUNTING_PUSH_JOB, { tenantId }).schedule(new Date()).save();
        await new Promise((r) => setTimeout(r, 1250));
      }
      await waitUntil(async () => (up(), (await pushed()) === 2 * INVOICES), 'every push done', 180_000, 200);
      // Each job either pushes or, while another worker's push job of the tenant runs, is skipped (src/jobs/scheduler.ts).
      const handled = () => workers.map((w) => w.logs.filter((l) => l['job'] === ACCOUNTING_PUSH_JOB && /invoices pushed to the books|already running for this tenant/.test(String(l['msg']))));
      await waitUntil(() => handled().flat().length === JOBS, 'every push job to finish', 60_000, 100);

      const rows = await scope.repo(AccountingPush).find();
      expect(rows.map((r) => r.status)).to.deep.equal(new Array(2 * INVOICES).fill('pushed'));
      for (const n of numbers) {
        expect(xero.invoices().filter((d) => d['InvoiceNumber'] === n), `${n} in Xero`).to.have.length(1);
        expect(qbo.invoices().filter((d) => d['DocNumber'] === n), `${n} in QuickBooks`).to.have.length(1);
      }
      expect(xero.invoices()).to.have.length(INVOICES);
      expect(qbo.invoices().filter((d) => numbers.includes(String(d['DocNumber'])))).to.have.length(INVOICES);
      // What the workers say they did adds up to one push per invoice and vendor.
      expect(handled().flat().reduce((sum, l) => sum + Number(l['pushed'] ?? 0), 0)).to.equal(2 * INVOICES);

      // Two processes pushing the same rows at the same moment (the scheduler skips a tenant's second push job while one
      // runs, so here `recurra accounting push --now`, two per vendor, all at once): still one document per invoice.
      const more: Array<Awaited<ReturnType<typeof insertInvoice>>> = [];
      for (let i = 0; i < INVOICES; i++) more.push(await insertInvoice(scope, customer.id, [{ amount: `${200 + i}.00` }]));
      const moreNumbers = more.map((inv) => `INV-${String(inv.number).padStart(6, '0')}`);
      const cli = { ...env, RECURRA_SCHEDULER: '0' };
      const runs = await Promise.all((['xero', 'xero', 'quickbooks', 'quickbooks'] as const).map((vendor) =>
        runCli(['accounting', 'push', vendor, ...more.map((m) => m.id), '--now', '--tenant', 'acme'], cli)));
      for (const r of runs) expect(r.code, r.stdout + r.stderr).to.equal(0);
      const told = runs.map((r) => Number(/pushed (\d+)/.exec(r.stdout)?.[1] ?? NaN));
      expect(told[0]! + told[1]!, runs.map((r) => r.stdout).join('\n')).to.equal(INVOICES);
      expect(told[2]! + told[3]!, runs.map((r) => r.stdout).join('\n')).to.equal(INVOICES);
      for (const n of moreNumbers) {
        expect(xero.invoices().filter((d) => d['InvoiceNumber'] === n), `${n} in Xero`).to.have.length(1);
        expect(qbo.invoices().filter((d) => d['DocNumber'] === n), `${n} in QuickBooks`).to.have.length(1);
      }
      expect(await pushed()).to.equal(4 * INVOICES);
    } finally {
      for (const w of workers) if (alive(w)) await stopWorker(w, 5000);
      await xero.close();
      await qbo.close();
      await ds.destroy();
    }
  });
});
