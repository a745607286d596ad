import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol } from './helpers.js';

/** Recurring invoices, their lines and links, the daily pass's records, pro-rata adjustments, invoices. */
export class Invoices1763800300000 implements MigrationInterface {
  name = 'Invoices1763800300000';

  async up(qr: QueryRunner): Promise<void> {
    const dec = (name: string, nullable = false) => decimalCol(qr, name, nullable);
    await createTenantTable(qr, 'recurring_invoices', [
      col.ref('customerId'), col.str('name', 255), col.str('frequency', 20), col.int('anchorDay'), col.int('anchorMonth'),
      col.date('startDate'), col.str('currency', 3), dec('taxRate'), col.str('status', 20), col.date('nextInvoiceDate'),
    ], [{ columns: ['tenantId', 'customerId'] }, { columns: ['tenantId', 'nextInvoiceDate'] }]);

    await createTenantTable(qr, 'recurring_invoice_lines', [
      col.ref('recurringInvoiceId'), col.int('position'), col.str('description', 255), col.ref('productId', true),
      col.str('timing', 20), col.str('priceMode', 10), dec('unitPrice', true), dec('cost', true), col.str('prorata', 20),
      col.bool('reviewRequired', false), col.ref('usageSummaryId', true), dec('currentQuantity'), col.date('quantityDate', true),
    ], [{ columns: ['tenantId', 'recurringInvoiceId'] }]);

    await createTenantTable(qr, 'recurring_invoice_links', [
      col.ref('recurringInvoiceId'), col.ref('lineId'), col.ref('subscriptionId'), col.int('position'),
      dec('freeQuantity'), dec('minimumQuantity'),
    ], [
      { columns: ['tenantId', 'lineId', 'subscriptionId'], unique: true },
      { columns: ['tenantId', 'subscriptionId'] },
      { columns: ['tenantId', 'recurringInvoiceId'] },
    ]);

    await createTenantTable(qr, 'recurring_invoice_line_changes', [
      col.ref('recurringInvoiceId'), col.ref('lineId'), col.date('changeDate'), dec('quantityBefore'), dec('quantityAfter'),
    ], [{ columns: ['tenantId', 'lineId', 'changeDate'], unique: true }]);

    await createTenantTable(qr, 'recurring_invoice_adjustments', [
      col.ref('recurringInvoiceId'), col.ref('lineId'), col.date('changeDate'), col.date('periodStart'), col.date('periodEnd'),
      col.str('rule', 20), dec('quantity'), dec('quantityBefore'), dec('quantityAfter'), dec('highWaterMark', true),
      dec('unitPrice'), col.int('days'), col.int('periodDays'), col.text('provenanceJson', false), col.ref('invoicedInvoiceId', true),
    ], [
      { columns: ['tenantId', 'lineId', 'changeDate'], unique: true },
      { columns: ['tenantId', 'recurringInvoiceId', 'invoicedInvoiceId'] },
    ]);

    await createTenantTable(qr, 'billing_daily_progress', [col.date('lastDate')], [{ columns: ['tenantId'], unique: true }]);

    await createTenantTable(qr, 'invoices', [
      col.ref('recurringInvoiceId'), col.ref('customerId'), col.date('invoiceDate'), col.date('periodStart'), col.date('periodEnd'),
      col.str('currency', 3), dec('taxRate'), col.str('status', 20), col.int('number', true), dec('subtotal'), dec('tax'), dec('total'),
      col.text('reviewJson', false), instantCol(qr, 'issuedAt', true), col.str('approvedBy', 255, true),
    ], [
      { columns: ['tenantId', 'recurringInvoiceId', 'periodStart'], unique: true },
      { columns: ['tenantId', 'number'], unique: true },
      { columns: ['tenantId', 'invoiceDate'] },
    ]);

    await createTenantTable(qr, 'invoice_lines', [
      col.ref('invoiceId'), col.int('position'), col.ref('recurringInvoiceLineId', true), col.ref('adjustmentId', true),
      col.str('kind', 20), col.str('description', 255), col.date('fromDate'), col.date('toDate'), dec('quantity'), dec('unitPrice'),
      dec('amount'), dec('tax'), col.text('reviewJson', false), col.text('provenanceJson', false),
    ], [{ columns: ['tenantId', 'invoiceId'] }]);

    await createTenantTable(qr, 'invoice_counters', [col.int('lastNumber')], [{ columns: ['tenantId'], unique: true }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['invoice_counters', 'invoice_lines', 'invoices', 'billing_daily_progress', 'recurring_invoice_adjustments',
      'recurring_invoice_line_changes', 'recurring_invoice_links', 'recurring_invoice_lines', 'recurring_invoices']) {
      await qr.dropTable(t);
    }
  }
}
