import { expect } from 'chai';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { accountingOpener } from '../../src/accounting/open.js';
import { runPushes, STALE_PUSHING_MS } from '../../src/accounting/push.js';
import { linkContact } from '../../src/accounting/contacts.js';
import { setLedgerMapping } from '../../src/accounting/ledger-mappings.js';
import { queuePushes } from '../../src/accounting/push.js';
import { ACCOUNTING_VENDORS, type AccountingVendor } from '../../src/accounting/connector.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { AccountingPush } from '../../src/db/entities/index.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/logging/logger.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../support/database.js';
import { insertCustomer, scopeOf } from '../integration/invoices/fixtures.js';
import { insertInvoice } from '../integration/accounting/fixtures.js';
import { adapterAvailable, connectTenant, LOCAL_BOOKS } from '../integration/accounting/sandbox-books.js';
import { alive, startWorker, stopWorker, waitUntil } from './support/workers.js';

/**
 * A `recurra worker` killed with SIGKILL after the local vendor (Xero, QuickBooks Online) created the invoice but before
 * the worker heard back (a proxy in front of the vendor's API holds the answer to the create): one document there; the
 * push left `pushing` is taken up once stale, finds the document by its number and links it, creating nothing more.
 */
const CREATES: Record<AccountingVendor, (method: string, url: string) => boolean> = {
  // Xero: PUT or POST /api.xro/2.0/Invoices.
  xero: (method, url) => (method === 'PUT' || method === 'POST') && /\/Invoices(\?|$)/.test(url),
  // QuickBooks: POST /v3/company/<realm>/invoice (an update is a POST too, but this test updates nothing).
  quickbooks: (method, url) => method === 'POST' && /\/invoice(\?|$)/.test(url),
};

for (const vendor of ACCOUNTING_VENDORS) (adapterAvailable(vendor) ? describe : describe.skip)(`accounting: a worker killed mid-push leaves one document in ${vendor}, and the rerun links it`, function () {
  this.timeout(180_000);

  it(`SIGKILL between ${vendor} creating the invoice and the worker storing its id`, async () => {
    const target = sharedTestTarget();
    const ds = await freshDatabase(target);
    const key = randomBytes(32);
    const secrets = new SecretBox(key);
    const books = await LOCAL_BOOKS[vendor]();
    let created: () => void = () => {};
    const createdSeen = new Promise<void>((r) => (created = r));
    let hold = true;
    const api = new URL(books.endpoints.apiUrl);
    // The API through a proxy that forwards everything and, while `hold`, keeps the answer to a created invoice to itself.
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const fwd = http.request({ host: api.hostname, port: api.port, path: req.url, method: req.method, headers: { ...req.headers, host: api.host } }, (up) => {
          const creating = CREATES[vendor](req.method ?? '', req.url ?? '');
          if (hold && creating && (up.statusCode ?? 500) < 300) {
            up.resume();
            created();
            return; // never answered: the worker is killed waiting
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        fwd.on('error', () => res.destroy());
        fwd.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = new URL(books.endpoints.apiUrl);
    proxyUrl.port = String((proxy.address() as AddressInfo).port);
    const viaProxy = { ...books, endpoints: { ...books.endpoints, apiUrl: proxyUrl.toString().replace(/\/$/, '') } };
    let worker: ReturnType<typeof startWorker> | null = null;
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      const scope = scopeOf(ds, tenantId);
      await connectTenant(ds, secrets, tenantId, viaProxy, new Date());
      const deps = { ds, open: accountingOpener(ds, secrets) };
      const conn = await deps.open(tenantId, vendor, new Date());
      const by = { by: 'test', now: new Date() };
      const customer = await insertCustomer(scope, 'Contoso');
      const [contact] = await conn.connector.contacts(conn.session).then(async (list) => (list.length ? list : [await conn.connector.createContact(conn.session, { name: 'Contoso', email: null })]));
      await linkContact(scope, conn, vendor, customer.id, contact!.id, by);
      const ledger = vendor === 'xero' ? '200' : (await conn.connector.ledgerTargets(conn.session))[0]!.ref;
      const tax20 = (await conn.connector.taxRates(conn.session)).find((r) => r.rate.eq('0.2'))!.code;
      await setLedgerMapping(scope, conn, vendor, { kind: 'default_ledger', key: '', target: ledger }, by);
      await setLedgerMapping(scope, conn, vendor, { kind: 'tax_rate', key: '0.2', target: tax20 }, by);
      // The local QuickBooks company is a US one without multicurrency.
      const inv = await insertInvoice(scope, customer.id, [{ amount: '100.00' }], { currency: vendor === 'quickbooks' ? 'USD' : 'GBP' });
      const number = `INV-${String(inv.number).padStart(6, '0')}`;
      await queuePushes(scope, vendor, [inv.id], by);
      const queue = new Scheduler({ ds, logger: createLogger('silent'), lockLifetimeMs: 60_000, processEveryMs: 1000, maxConcurrency: 1 });
      await queue.queueAccountingPush(tenantId);

      const env: NodeJS.ProcessEnv = target.url
        ? { DATABASE_URL: target.url, RECURRA_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'recurra-data-')), RECURRA_SECRET_KEY: key.toString('hex') }
        : { RECURRA_DATA_DIR: path.dirname(target.sqlitePath), RECURRA_SECRET_KEY: key.toString('hex') };
      worker = startWorker(env);
      await Promise.race([createdSeen, waitUntil(() => (worker && !alive(worker) ? true : null), 'the worker to stay up', 90_000).then(() => {
        throw new Error(`the worker ended before pushing: ${worker!.other.join('\n')}`);
      })]);
      worker.proc.kill('SIGKILL');
      await waitUntil(() => !alive(worker!), 'the worker to die', 10_000, 50);

      expect(books.documents().filter((d) => d.number === number)).to.have.length(1);
      const left = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
      expect(left).to.include({ status: 'pushing', externalId: null });

      hold = false;
      const before = await runPushes(deps, tenantId);
      expect(before.pushed, 'not taken up while the claim is fresh').to.equal(0);
      const later = await runPushes({ ...deps, clock: () => new Date(Date.now() + STALE_PUSHING_MS + 60_000) }, tenantId);
      expect(later.pushed).to.equal(1);
      const docs = books.documents().filter((d) => d.number === number);
      expect(docs).to.have.length(1);
      const row = (await scope.repo(AccountingPush).findOneBy({ invoiceId: inv.id }))!;
      expect(row).to.include({ status: 'pushed', externalId: docs[0]!.id });
    } finally {
      if (worker && alive(worker)) await stopWorker(worker, 2000);
      await new Promise((r) => proxy.close(r));
      await books.close();
      await ds.destroy();
    }
  });
});
