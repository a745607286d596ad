import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { InvoiceLine, RecurringInvoice, RecurringInvoiceLine, UpcomingInvoice } from '../../../src/db/entities/index.js';
import { runDailyPass } from '../../../src/invoices/daily-pass.js';
import { runInvoices } from '../../../src/invoices/run.js';
import { insertTenant, undoMigrationsThrough } from '../../support/database.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { insertCustomer, insertLine, insertRecurringInvoice, insertSubscription, scopeOf } from './fixtures.js';

/** Migration 1764200000000-input-versions: the version column, its triggers, and upcoming invoices made before it. */
describeWithDatabase('invoices: input versions (migration)', {}, (db) => {
  it('an upcoming invoice composed before the upgrade is composed again, and the downgrade removes the triggers', async () => {
    const tenantId = (await insertTenant(db.ds, 'acme')).id;
    const scope = scopeOf(db.ds, tenantId);
    const customer = await insertCustomer(scope, 'Contoso');
    const sub = await insertSubscription(scope, { customerId: customer.id });
    const ri = await insertRecurringInvoice(scope, { customerId: customer.id, startDate: '2026-01-01' });
    const line = await insertLine(scope, ri, 0, { description: 'Seats', unitPrice: '10.00', links: [{ subscriptionId: sub.id }] });

    // Back to the schema before the migration, with an upcoming invoice whose hash the old code computed.
    let undone = await undoMigrationsThrough(db.ds, 'InputVersions1764200000000');
    const q = (n: string) => db.ds.driver.escape(n);
    const upcomingId = randomUUID();
    const now = db.ds.driver.preparePersistentValue(new Date(), db.ds.getMetadata(UpcomingInvoice).findColumnWithPropertyName('createdAt')!);
    await db.ds.query(
      `INSERT INTO ${q('upcoming_invoices')} (${['id', 'tenantId', 'recurringInvoiceId', 'periodStart', 'periodEnd', 'currency', 'taxRate', 'subtotal',
        'tax', 'reviewJson', 'linesJson', 'lineCount', 'inputsHash', 'reviewUsageLines', 'createdAt', 'updatedAt'].map(q).join(', ')}) `
        + 'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [upcomingId, tenantId, ri.id, '2026-01-01', '2026-01-31', 'USD', '0', '0', '0', '[]', '[]', 0, 'a'.repeat(64), 1, now, now],
    );
    expect((await db.ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).to.deep.equal(undone);

    const stored = (await scope.repo(UpcomingInvoice).findOneBy({ id: upcomingId }))!;
    expect(stored.inputsVersion).to.equal(-1);
    const versionOf = async () => (await scope.repo(RecurringInvoice).findOneBy({ id: ri.id }))!.inputsVersion;
    expect(await versionOf()).to.equal(0);
    await scope.repo(RecurringInvoiceLine).update({ id: line.id }, { description: 'Licences' });
    expect(await versionOf()).to.equal(1);
    // The old draft is never issued: the run's catch-up pass composes the invoice again, as the recurring invoice is now.
    const run = await runInvoices(db.ds, tenantId, '2026-01-01');
    expect([run.created.length, run.failed.length]).to.deep.equal([1, 0]);
    expect(run.created[0]!.id).to.not.equal(upcomingId);
    expect((await scope.repo(InvoiceLine).findBy({ invoiceId: run.created[0]!.id })).map((l) => l.description)).to.deep.equal(['Licences']);
    expect(await scope.repo(UpcomingInvoice).count({ where: { id: upcomingId } })).to.equal(0);
    await runDailyPass(db.ds, tenantId, '2026-01-31');
    expect((await scope.repo(UpcomingInvoice).findBy({})).map((u) => [u.periodStart, u.inputsVersion])).to.deep.equal([['2026-02-01', 1]]);

    undone = await undoMigrationsThrough(db.ds, 'InputVersions1764200000000');
    // Without the triggers and the column, writes to the watched tables go through as before the migration.
    await db.ds.query(`UPDATE ${q('recurring_invoice_lines')} SET ${q('description')} = ? WHERE ${q('id')} = ?`, ['Seats', line.id]);
    const qr = db.ds.createQueryRunner();
    try {
      expect((await qr.getTable('recurring_invoices'))!.columns.map((c) => c.name)).to.not.include('inputsVersion');
    } finally {
      await qr.release();
    }
    expect((await db.ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).to.deep.equal(undone);
    expect(await versionOf()).to.equal(0);
  });
});
