import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../../support/database.js';
import { insertCustomer, scopeOf } from '../invoices/fixtures.js';
import { insertInvoice } from './fixtures.js';
import { adapterAvailable, connectTenant, LOCAL_BOOKS } from './sandbox-books.js';

/** `recurra accounting contacts|map|push|payments` as a real process against the local Xero over HTTP. */
(adapterAvailable('xero') ? describe : describe.skip)('accounting: the CLI against the local Xero', function () {
  this.timeout(300_000);

  it('creates the contact, maps, pushes once (a draft refused), shows the status, reads the payment back with the ageing', async () => {
    const target = sharedTestTarget();
    const ds = await freshDatabase(target);
    const key = randomBytes(32);
    const books = await LOCAL_BOOKS.xero();
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      const scope = scopeOf(ds, tenantId);
      await connectTenant(ds, new SecretBox(key), tenantId, books, new Date());
      const customer = await insertCustomer(scope, 'Fabrikam Ltd');
      const inv = await insertInvoice(scope, customer.id, [{ amount: '100.00' }], { dueDate: '2099-01-31' });
      const draft = await insertInvoice(scope, customer.id, [{ amount: '5.00' }], { status: 'draft' });
      const env = { ...cliEnvFor(target), RECURRA_SECRET_KEY: key.toString('hex') };
      const cli = (...args: string[]) => runCli(['accounting', ...args, '--tenant', 'acme'], env);

      const listed = await cli('contacts', 'xero');
      expect(listed.code, listed.stderr).to.equal(0);
      expect(listed.stdout).to.match(/Fabrikam Ltd\s+none/);
      const created = await cli('contacts', 'xero', '--create-missing');
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stdout).to.match(/^created\tFabrikam Ltd\tcreated Fabrikam Ltd in Xero/m);
      const badMap = await cli('map', 'xero', 'default_ledger', '-', '999');
      expect(badMap.code).to.not.equal(0);
      expect(badMap.stderr).to.match(/Xero has no account "999"/);
      expect((await cli('map', 'xero', 'default_ledger', '-', '200')).stdout).to.match(/default_ledger \(default\) → 200 \(Sales\)/);
      expect((await cli('map', 'xero', 'tax_rate', '0.2', 'OUTPUT2')).code).to.equal(0);

      const pushed = await cli('push', 'xero', inv.id, draft.id, '--now');
      expect(pushed.code).to.equal(1); // the draft
      expect(pushed.stdout).to.match(/^queued\t/m);
      expect(pushed.stdout).to.match(/^not_issued\t.*is a draft: approve it before pushing it to Xero/m);
      expect(pushed.stdout).to.match(/pushed 1, unchanged 0, refused 0, failed 0/);
      const again = await cli('push', 'xero', inv.id, '--now');
      expect(again.stdout).to.match(/pushed 0, unchanged 1/);
      const doc = books.documents().filter((d) => d.number === `INV-${String(inv.number).padStart(6, '0')}`);
      expect(doc).to.have.length(1);

      books.recordPayment(doc[0]!.id, '50.00');
      const payments = await cli('payments');
      expect(payments.code, payments.stderr).to.equal(0);
      expect(payments.stdout).to.match(/checked 1, changed 1, missing 0/);
      expect(payments.stdout).to.match(/GBP\s+70\.00\s+0\.00\s+0\.00\s+0\.00\s+0\.00\s+70\.00\s+1/);
      const status = await cli('push', 'xero', '--status', '--json');
      const rows = JSON.parse(status.stdout) as Array<{ payment: string; amountPaid: string }>;
      expect(rows.map((r) => [r.payment, r.amountPaid])).to.deep.equal([['partly_paid', '50']]);
    } finally {
      await books.close();
      await ds.destroy();
    }
  });
});
