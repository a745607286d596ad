import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The Pax8 request budget shared by every process of a tenant (src/tenants/request-budget.ts): per tenant, per
 * 5-second slice of time, how many request starts the processes have claimed. Rows older than an hour are deleted as
 * new slices are claimed, and with their tenant.
 */
export class Pax8RequestBudget1764300500000 implements MigrationInterface {
  name = 'Pax8RequestBudget1764300500000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(new Table({
      name: 'pax8_request_budget',
      columns: [
        { name: 'tenantId', type: 'varchar', length: '36', isPrimary: true },
        { name: 'sliceStart', type: 'bigint', isPrimary: true },
        { name: 'used', type: 'int', isNullable: false, default: 0 },
      ],
      // Removing a tenant removes its budget rows.
      foreignKeys: [{ columnNames: ['tenantId'], referencedTableName: 'tenants', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('pax8_request_budget');
  }
}
