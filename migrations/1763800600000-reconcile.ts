import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol } from './helpers.js';

/** Pax8's bill to the partner (invoices, items, draft items) and leakage notices, for reconciliation. */
export class Reconcile1763800600000 implements MigrationInterface {
  name = 'Reconcile1763800600000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'pax8_invoices', [
      col.str('pax8Id', 64), col.date('invoiceDate', true), col.date('dueDate', true), col.str('status', 40, true),
      decimalCol(qr, 'total', true), decimalCol(qr, 'balance', true), col.str('currency', 3, true), col.int('itemCount', false, 0),
      instantCol(qr, 'importedAt'),
    ], [{ columns: ['tenantId', 'pax8Id'], unique: true }]);

    await createTenantTable(qr, 'pax8_invoice_items', [
      col.ref('invoiceId', true), col.str('pax8InvoiceId', 64, true), col.bool('draft', false), col.str('month', 7),
      col.str('pax8ItemId', 64, true), col.str('type', 40, true), col.str('pax8CompanyId', 64, true), col.str('companyName', 255, true),
      col.str('pax8SubscriptionId', 64, true), col.str('pax8ProductId', 64, true), col.str('productName', 255, true),
      col.str('description', 255, true), col.str('sku', 80, true), col.str('term', 40, true), col.date('startPeriod', true),
      col.date('endPeriod', true), decimalCol(qr, 'quantity'), decimalCol(qr, 'unitCost', true), decimalCol(qr, 'costTotal', true),
      decimalCol(qr, 'amountDue'), col.str('currency', 3),
    ], [
      { columns: ['tenantId', 'month', 'draft'] },
      { columns: ['tenantId', 'invoiceId'] },
    ]);

    await createTenantTable(qr, 'leakage_notices', [
      col.str('month', 7), col.str('currency', 3), decimalCol(qr, 'leakage'), decimalCol(qr, 'threshold'), col.int('findings'),
      col.int('recipients'), instantCol(qr, 'notifiedAt'),
    ], [{ columns: ['tenantId', 'month', 'currency'], unique: true }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['leakage_notices', 'pax8_invoice_items', 'pax8_invoices']) await qr.dropTable(t);
  }
}
