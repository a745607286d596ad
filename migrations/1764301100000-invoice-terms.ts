import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment terms, due date and seller details (issue 23): `customers.paymentTermsDays` (null: the tenant's default
 * `invoicing.paymentTermsDays`), and on `invoices` the due date, the terms it was computed from and the seller details
 * as they were when the invoice was created (`sellerJson`). Null on every existing row: such an invoice shows the
 * tenant's current details and a due date from its current terms (src/invoices/terms.ts).
 * Plain ADD / DROP COLUMN statements, the same on SQLite and MariaDB: no table copy (TypeORM's SQLite copy works from
 * its cached table, which misses columns an earlier migration of the same run added with a plain statement).
 */
export class InvoiceTerms1764301100000 implements MigrationInterface {
  name = 'InvoiceTerms1764301100000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('ALTER TABLE customers ADD COLUMN paymentTermsDays int NULL');
    await qr.query('ALTER TABLE invoices ADD COLUMN dueDate varchar(10) NULL');
    await qr.query('ALTER TABLE invoices ADD COLUMN paymentTermsDays int NULL');
    await qr.query('ALTER TABLE invoices ADD COLUMN sellerJson text NULL');
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const c of ['sellerJson', 'paymentTermsDays', 'dueDate']) await qr.query(`ALTER TABLE invoices DROP COLUMN ${c}`);
    await qr.query('ALTER TABLE customers DROP COLUMN paymentTermsDays');
  }
}
