import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `invoices.forwardDated`: the invoice came from a run dated after that day in the tenant's zone (`recurra invoices
 * run --allow-future`, API `allowFuture: true`). Existing invoices were not marked (false).
 * A plain ADD COLUMN with a default: the same statement on SQLite and MariaDB, no table rebuild.
 */
export class ForwardDatedInvoices1764300400000 implements MigrationInterface {
  name = 'ForwardDatedInvoices1764300400000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('ALTER TABLE invoices ADD COLUMN forwardDated boolean NOT NULL DEFAULT 0');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('invoices', 'forwardDated');
  }
}
