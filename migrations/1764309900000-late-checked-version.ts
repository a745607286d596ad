import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `invoices.lateCheckedVersion`: the recurring invoice's inputsVersion (migration 1764200000000) at which the daily
 * pass last planned the late corrections of this invoice's periods (src/invoices/late-corrections.ts). A pass skips a
 * recurring invoice whose recent invoices were all checked at its current version: nothing it reads changed since.
 * Existing invoices get -1, which no recurring invoice has, so the next pass checks them once.
 * A plain ADD COLUMN with a default: the same statement on SQLite and MariaDB, no table rebuild.
 */
export class LateCheckedVersion1764309900000 implements MigrationInterface {
  name = 'LateCheckedVersion1764309900000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('ALTER TABLE invoices ADD COLUMN lateCheckedVersion int NOT NULL DEFAULT -1');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('invoices', 'lateCheckedVersion');
  }
}
