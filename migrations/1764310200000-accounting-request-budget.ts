import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The request budget of an accounting connection shared by every process (issue 27; src/accounting/request-budget.ts,
 * the same slices as the Pax8 one, src/tenants/request-budget.ts): per connection, per 250 ms slice of time, how many
 * Xero or QuickBooks call starts the processes have claimed. Rows older than five minutes are deleted as new slices are
 * claimed, and with their connection.
 */
export class AccountingRequestBudget1764310200000 implements MigrationInterface {
  name = 'AccountingRequestBudget1764310200000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(new Table({
      name: 'accounting_request_budget',
      columns: [
        { name: 'connectionId', type: 'varchar', length: '36', isPrimary: true },
        { name: 'sliceStart', type: 'bigint', isPrimary: true },
        { name: 'used', type: 'int', isNullable: false, default: 0 },
      ],
      // Removing a connection (or its tenant) removes its budget rows.
      foreignKeys: [{ columnNames: ['connectionId'], referencedTableName: 'accounting_connections', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('accounting_request_budget');
  }
}
