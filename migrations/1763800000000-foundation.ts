import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, instantCol } from './helpers.js';

export class Foundation1763800000000 implements MigrationInterface {
  name = 'Foundation1763800000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'tenants',
        columns: [
          col.id(),
          col.str('name', 100),
          col.str('displayName', 200),
          col.str('timeZone', 64),
          col.bool('enabled', true),
          col.str('pax8ClientId', 200, true),
          col.text('pax8ClientSecretSealed'),
          col.str('pax8TokenUrl', 500, true),
          col.str('pax8Audience', 200, true),
          col.str('pax8ApiUrl', 500, true),
          col.text('settingsJson', false),
          instantCol(qr, 'createdAt'),
          instantCol(qr, 'updatedAt'),
        ],
      }),
    );
    await qr.createIndex('tenants', new TableIndex({ name: 'UQ_tenants_name', columnNames: ['name'], isUnique: true }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('tenants');
  }
}
