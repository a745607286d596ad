import { expect } from 'chai';
import path from 'node:path';
import { runInvoices } from '../../../src/invoices/run.js';
import { runCli, cliEnvFor } from '../../support/cli.js';
import { freshDatabase, insertTenant, sharedTestTarget } from '../../support/database.js';
import { scopeOf, setTenantSettings } from '../invoices/fixtures.js';
import { loadScenarioIntoDb, type ScenarioJson } from '../invoices/scenario-db.js';
import { smtpSink } from '../notices/sinks.js';

const seats: ScenarioJson = {
  currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: '0.10',
  lines: [{ id: 'm365', description: 'Microsoft 365 Business Premium', timing: 'advance', unitPrice: '22.00', links: [{ subscription: 's1' }] }],
  subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }] }],
};

describe('invoice delivery: CLI', function () {
  this.timeout(300_000);

  it('customers contacts sets and shows; invoices send --now sends once; invoices deliveries shows it; a bad address exits non-zero', async () => {
    const target = sharedTestTarget();
    const ds = await freshDatabase(target);
    const smtp = await smtpSink(null);
    try {
      const tenantId = (await insertTenant(ds, 'acme')).id;
      await setTenantSettings(ds, tenantId, { notices: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpFrom: 'billing@msp.example' } });
      const { customerId } = await loadScenarioIntoDb(scopeOf(ds, tenantId), seats, 'Seats Co');
      const [invoice] = (await runInvoices(ds, tenantId, '2026-02-01')).created.filter((c) => c.status === 'issued');
      const env = cliEnvFor(target);
      const cli = (...args: string[]) => runCli([...args, '--tenant', 'acme'], env);

      const none = await cli('invoices', 'send', invoice!.id);
      expect(none.code).to.equal(1);
      expect(none.stdout).to.match(/no_contacts\t.*Seats Co has no billing contact/);
      const bad = await cli('customers', 'contacts', customerId, '--to', 'not-an-address');
      expect(bad.code).to.not.equal(0);
      expect(bad.stderr).to.match(/is not an e-mail address/);
      const set = await cli('customers', 'contacts', customerId, '--to', 'AP@seats.example', '--cc', 'cfo@seats.example');
      expect(set.code, set.stderr).to.equal(0);
      expect(set.stdout).to.equal('to: ap@seats.example\ncc: cfo@seats.example\n');

      const sent = await cli('invoices', 'send', invoice!.id, '--now');
      expect(sent.code, sent.stderr).to.equal(0);
      expect(sent.stdout).to.match(/^queued\t/m);
      expect(sent.stdout).to.match(/sent 1, failed 0/);
      expect(smtp.mails).to.have.length(1);
      expect((await cli('invoices', 'send', invoice!.id, '--now')).stdout).to.match(/^already_sent\t/m);
      expect(smtp.mails).to.have.length(1);

      const shown = await cli('invoices', 'deliveries', invoice!.id, '--json');
      expect(shown.code, shown.stderr).to.equal(0);
      const rows = JSON.parse(shown.stdout) as Array<{ status: string; to: string[]; cc: string[]; queuedBy: string }>;
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ status: 'sent' });
      expect(rows[0]!.queuedBy).to.match(/^cli:/);
    } finally {
      await smtp.close();
      await ds.destroy();
    }
  });
});
