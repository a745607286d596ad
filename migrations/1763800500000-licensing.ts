import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol } from './helpers.js';

/** Licensing self-service: settings, per-subscription rules, change requests and in-app notices. */
export class Licensing1763800500000 implements MigrationInterface {
  name = 'Licensing1763800500000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'licensing_settings', [
      col.bool('requireApprovalByDefault', true), decimalCol(qr, 'autoApproveThresholdPercent'), col.text('alwaysApproveVendorsJson', false),
      col.bool('allowSelfServiceByDefault', false), decimalCol(qr, 'defaultMinQuantity', true), decimalCol(qr, 'defaultMaxQuantity', true),
    ], [{ columns: ['tenantId'], unique: true }]);

    await createTenantTable(qr, 'licensing_subscription_rules', [
      col.ref('subscriptionId'), { name: 'allowQuantityChanges', type: 'boolean', isNullable: true }, col.bool('alwaysRequireApproval', false),
      decimalCol(qr, 'minQuantity', true), decimalCol(qr, 'maxQuantity', true),
    ], [{ columns: ['tenantId', 'subscriptionId'], unique: true }]);

    await createTenantTable(qr, 'licensing_change_requests', [
      col.ref('subscriptionId'), col.ref('customerId'), col.str('productName', 255), col.str('vendorName', 120, true),
      decimalCol(qr, 'currentQuantity'), decimalCol(qr, 'requestedQuantity'), col.str('status', 20), col.str('decision', 10, true),
      col.str('approvalReasons', 255), col.str('changePercent', 40, true), col.ref('requestedBy', true), instantCol(qr, 'requestedAt'),
      col.ref('decidedBy', true), instantCol(qr, 'decidedAt', true), col.str('rejectionReason', 1000, true), col.str('failureReason', 2000, true),
      col.text('pax8Response'), instantCol(qr, 'appliedAt', true), col.ref('subscriptionChangeId', true),
    ], [
      { columns: ['tenantId', 'status', 'requestedAt'] },
      { columns: ['tenantId', 'customerId', 'requestedAt'] },
      { columns: ['tenantId', 'subscriptionId', 'status'] },
    ]);

    await createTenantTable(qr, 'licensing_notices', [
      col.ref('userId', true), col.ref('customerId', true), col.ref('requestId', true), col.str('kind', 40), col.str('message', 1000),
      instantCol(qr, 'readAt', true),
    ], [{ columns: ['tenantId', 'customerId', 'createdAt'] }, { columns: ['tenantId', 'userId', 'createdAt'] }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['licensing_notices', 'licensing_change_requests', 'licensing_subscription_rules', 'licensing_settings']) await qr.dropTable(t);
  }
}
