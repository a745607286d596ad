import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const TABLE = 'recurring_invoice_adjustments';
/** The unique key of the invoices migration (named by createTenantTable). */
const OLD_UNIQUE = 'UQ_recurring_invoice_adjustments_tenantId_lineId_changeDate';
const NEW_UNIQUE = 'UQ_recurring_invoice_adjustments_line_date_revision';

/**
 * Late corrections (src/invoices/late-corrections.ts): an adjustment row gets a `revision` (0 for the pro-rata
 * adjustment the daily pass keeps while its period is open, 1, 2, … for corrections of an item already billed), and
 * the unique key becomes (tenantId, lineId, changeDate, revision): still one row per line, date and revision, so
 * exactly-once billing stays guarded by a unique constraint, while a correction can follow a billed row of the same
 * date. The new key is created before the old one is dropped (MariaDB keeps an index usable by the tenantId foreign key).
 */
export class AdjustmentRevisions1764000000000 implements MigrationInterface {
  name = 'AdjustmentRevisions1764000000000';

  async up(qr: QueryRunner): Promise<void> {
    const q = (name: string) => qr.connection.driver.escape(name);
    // A plain ADD COLUMN on both databases (SQLite accepts NOT NULL with a constant default; no table rebuild).
    await qr.query(`ALTER TABLE ${q(TABLE)} ADD COLUMN ${q('revision')} int NOT NULL DEFAULT 0`);
    await qr.createIndex(TABLE, new TableIndex({ name: NEW_UNIQUE, columnNames: ['tenantId', 'lineId', 'changeDate', 'revision'], isUnique: true }));
    await qr.dropIndex(TABLE, OLD_UNIQUE);
  }

  async down(qr: QueryRunner): Promise<void> {
    // Fails while corrections exist (two rows of one line and date): remove them first.
    await qr.createIndex(TABLE, new TableIndex({ name: OLD_UNIQUE, columnNames: ['tenantId', 'lineId', 'changeDate'], isUnique: true }));
    await qr.dropIndex(TABLE, NEW_UNIQUE);
    await qr.dropColumn(TABLE, 'revision');
  }
}
