import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { RecurringInvoiceAdjustment } from '../../../src/db/entities/index.js';
import { isUniqueViolation } from '../../../src/db/errors.js';
import { insertTenant, undoMigrationsThrough } from '../../support/database.js';
import { describeWithDatabase } from '../../support/fixtures.js';
import { scopeOf } from './fixtures.js';

/** Migration 1764000000000-adjustment-revisions: the revision column and the unique (tenant, line, date, revision). */
describeWithDatabase('invoices: adjustment revisions (migration)', {}, (db) => {
  const row = (tenantId: string, lineId: string, extra: Record<string, unknown> = {}) => ({
    id: randomUUID(), tenantId, recurringInvoiceId: randomUUID(), lineId, changeDate: '2026-01-20', periodStart: '2026-01-01',
    periodEnd: '2026-02-01', rule: 'from_change_date', quantity: '2', quantityBefore: '10', quantityAfter: '12', highWaterMark: null,
    unitPrice: '15', days: 12, periodDays: 31, provenanceJson: '{}', invoicedInvoiceId: null,
    createdAt: new Date(), updatedAt: new Date(), ...extra,
  });

  it('upgrades existing adjustments to revision 0 and lets a correction follow a row of the same line and date, once', async () => {
    const tenantId = (await insertTenant(db.ds, 'acme')).id;
    const lineId = randomUUID();
    // Back to the schema before the migration, with an adjustment in it, then upgrade.
    const undone = await undoMigrationsThrough(db.ds, 'AdjustmentRevisions1764000000000');
    expect(undone.slice(0, 3)).to.deep.equal(['AdjustmentRevisions1764000000000', 'UpcomingInvoices1764100000000', 'InputVersions1764200000000']);
    // (Raw SQL: the entity already has the column the old schema lacks.)
    const before: Record<string, unknown> = row(tenantId, lineId);
    const meta = db.ds.getMetadata(RecurringInvoiceAdjustment);
    const cols = Object.keys(before);
    const values = cols.map((c) => db.ds.driver.preparePersistentValue(before[c], meta.findColumnWithPropertyName(c)!));
    const q = (n: string) => db.ds.driver.escape(n);
    await db.ds.query(`INSERT INTO ${q(meta.tableName)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, values);
    expect((await db.ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).to.deep.equal(undone);

    const repo = scopeOf(db.ds, tenantId).repo(RecurringInvoiceAdjustment);
    expect((await repo.findOneBy({ id: before.id as string }))!.revision).to.equal(0);
    await repo.insert([row(tenantId, lineId, { revision: 1, rule: 'correction' })]);
    let error: unknown;
    await repo.insert([row(tenantId, lineId, { revision: 1, rule: 'correction' })]).catch((e: unknown) => (error = e));
    expect(isUniqueViolation(error)).to.equal(true);
    expect((await repo.find({ order: { revision: 'ASC' } })).map((a) => a.revision)).to.deep.equal([0, 1]);
  });
});
