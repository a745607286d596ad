import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol } from './helpers.js';

/**
 * What Recurra does over an accounting connection (issue 27): which vendor contact each customer is (one per tenant,
 * vendor and customer), where lines post and which vendor tax code a Recurra tax code is (one per tenant, vendor, kind
 * and key), and one push row per invoice and vendor (unique: two workers or a rerun push an invoice once), with the
 * document's payment state as last read back.
 */
export class AccountingPush1764310050000 implements MigrationInterface {
  name = 'AccountingPush1764310050000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'accounting_contact_links', [
      col.str('vendor', 20), col.ref('customerId'), col.str('externalContactId', 100), col.str('externalContactName', 255),
      col.str('how', 10), col.str('linkedBy', 255),
    ], [{ columns: ['tenantId', 'vendor', 'customerId'], unique: true }]);
    await createTenantTable(qr, 'accounting_ledger_mappings', [
      col.str('vendor', 20), col.str('kind', 20), col.str('mapKey', 120), col.str('target', 100), col.str('targetName', 255, true),
      col.str('mappedBy', 255),
    ], [{ columns: ['tenantId', 'vendor', 'kind', 'mapKey'], unique: true }]);
    await createTenantTable(qr, 'accounting_pushes', [
      col.str('vendor', 20), col.ref('invoiceId'), col.str('status', 20), col.str('externalId', 100, true), col.str('externalType', 20, true),
      col.str('externalNumber', 100, true), col.str('externalUrl', 500, true), col.str('contentHash', 64, true),
      col.int('attempts', false, 0), col.text('lastError'), col.str('queuedBy', 255),
      instantCol(qr, 'nextAttemptAt', true), instantCol(qr, 'claimedAt', true), instantCol(qr, 'pushedAt', true),
      col.str('externalStatus', 20, true), decimalCol(qr, 'amountPaid', true), decimalCol(qr, 'amountDue', true), col.date('dueDate', true),
      instantCol(qr, 'paymentCheckedAt', true),
    ], [{ columns: ['tenantId', 'vendor', 'invoiceId'], unique: true }, { columns: ['tenantId', 'status'] }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('accounting_pushes');
    await qr.dropTable('accounting_ledger_mappings');
    await qr.dropTable('accounting_contact_links');
  }
}
