import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol } from './helpers.js';

/**
 * Upcoming invoices (src/invoices/upcoming.ts): the daily pass composes each active recurring invoice's next invoice
 * (its recurring, arrears and usage lines) from what it has read anyway, with a fingerprint of the inputs; the invoice
 * run issues a draft whose inputs are unchanged instead of reading and composing again. One draft per recurring invoice.
 * Its lines are written where they will stay: in invoice_lines, under the id its invoice will have (no invoice row exists
 * for them until the run issues it; every reader of invoice_lines goes through invoices).
 */
export class UpcomingInvoices1764100000000 implements MigrationInterface {
  name = 'UpcomingInvoices1764100000000';

  async up(qr: QueryRunner): Promise<void> {
    const dec = (name: string) => decimalCol(qr, name);
    await createTenantTable(qr, 'upcoming_invoices', [
      col.ref('recurringInvoiceId'), col.date('periodStart'), col.date('periodEnd'), col.str('currency', 3), dec('taxRate'),
      dec('subtotal'), dec('tax'), col.text('reviewJson', false), col.text('linesJson', false), col.int('lineCount'),
      col.str('inputsHash', 64), col.bool('reviewUsageLines', true),
    ], [{ columns: ['tenantId', 'recurringInvoiceId'], unique: true }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('upcoming_invoices');
  }
}
