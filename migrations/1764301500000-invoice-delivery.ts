import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, instantCol } from './helpers.js';

/**
 * Invoices by e-mail (issue 27): a customer's billing contacts (to and cc), and one row per sending of an invoice.
 * `sequence` counts the sendings of one invoice (1 the first, 2 a resend, …); unique with the invoice, so two
 * processes queueing the same invoice at once insert one row, not two.
 */
export class InvoiceDelivery1764301500000 implements MigrationInterface {
  name = 'InvoiceDelivery1764301500000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'customer_billing_contacts', [
      col.ref('customerId'), col.str('email', 254), col.str('name', 255, true), col.str('kind', 2),
    ], [{ columns: ['tenantId', 'customerId', 'email'], unique: true }]);
    await createTenantTable(qr, 'invoice_deliveries', [
      col.ref('invoiceId'), col.int('sequence'), col.str('status', 20), col.text('toJson', false), col.text('ccJson', false),
      col.int('attempts', false, 0), col.text('lastError'), col.str('messageId', 255, true), col.str('queuedBy', 255),
      instantCol(qr, 'nextAttemptAt', true), instantCol(qr, 'claimedAt', true), instantCol(qr, 'sentAt', true),
    ], [{ columns: ['tenantId', 'invoiceId', 'sequence'], unique: true }, { columns: ['tenantId', 'status'] }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('invoice_deliveries');
    await qr.dropTable('customer_billing_contacts');
  }
}
