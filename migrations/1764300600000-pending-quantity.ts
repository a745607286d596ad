import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addColumns, col, decimalCol, dropColumns, instantCol } from './helpers.js';

/**
 * A quantity change Pax8 accepted but has not provisioned yet (issue 22): `subscriptions.pendingQuantity`,
 * `pendingStatus` (Pax8's PendingAutomated / PendingManual) and `pendingSince`. While set, `quantity`, `status` and
 * `active` keep the last provisioned state, which billing reads. Null on every existing row.
 */
export class PendingQuantity1764300600000 implements MigrationInterface {
  name = 'PendingQuantity1764300600000';

  async up(qr: QueryRunner): Promise<void> {
    await addColumns(qr, 'subscriptions', [decimalCol(qr, 'pendingQuantity', true), col.str('pendingStatus', 40, true), instantCol(qr, 'pendingSince', true)]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropColumns(qr, 'subscriptions', ['pendingSince', 'pendingStatus', 'pendingQuantity']);
  }
}
