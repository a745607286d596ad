import type { MigrationInterface, QueryRunner, TableColumnOptions } from 'typeorm';
import { col, createTenantTable } from './helpers.js';

const flag = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: true });

/**
 * `commitment_rules` (issue 22, point 2): the commitment terms of each Pax8 product as its product data says
 * (GET /products/{id}/dependencies), one row per tenant, product and term; a null flag is one Pax8 did not send.
 * Removed with the tenant.
 */
export class CommitmentRules1764300700000 implements MigrationInterface {
  name = 'CommitmentRules1764300700000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'commitment_rules', [
      col.str('pax8ProductId', 64), col.str('term', 40), col.str('pax8CommitmentId', 64, true), flag('autoRenew'),
      col.int('renewalWindowDaysBefore', true), col.int('renewalWindowDaysAfter', true),
      flag('allowIncrease'), flag('allowDecrease'), flag('allowEarlyCancellation'), flag('cancellationFeeApplied'), flag('isTransferable'),
    ], [{ columns: ['tenantId', 'pax8ProductId', 'term'], unique: true }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('commitment_rules');
  }
}
