import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, instantCol } from './helpers.js';

/** Users, their sessions and API tokens, sign-in throttling, and the audit log. */
export class Users1763800400000 implements MigrationInterface {
  name = 'Users1763800400000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'users',
        columns: [
          col.id(), col.str('email', 254), col.str('displayName', 200, true), col.str('passwordHash', 255), col.str('role', 20),
          col.ref('tenantId', true), col.ref('customerId', true), col.bool('mustChangePassword', false), col.bool('disabled', false),
          instantCol(qr, 'lastLoginAt', true), instantCol(qr, 'createdAt'), instantCol(qr, 'updatedAt'),
        ],
        foreignKeys: [{ columnNames: ['tenantId'], referencedTableName: 'tenants', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await qr.createIndex('users', new TableIndex({ name: 'UQ_users_email', columnNames: ['email'], isUnique: true }));

    await qr.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'tokenHash', type: 'varchar', length: '64', isPrimary: true }, col.ref('userId'), col.str('csrfToken', 64),
          col.str('ip', 100, true), instantCol(qr, 'createdAt'), instantCol(qr, 'lastSeenAt'), instantCol(qr, 'expiresAt'),
        ],
        foreignKeys: [{ columnNames: ['userId'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await qr.createIndex('sessions', new TableIndex({ name: 'IX_sessions_userId', columnNames: ['userId'] }));

    await qr.createTable(
      new Table({
        name: 'api_tokens',
        columns: [
          col.id(), col.ref('userId'), col.str('name', 100), col.str('tokenHash', 64), col.str('prefix', 16),
          instantCol(qr, 'createdAt'), instantCol(qr, 'lastUsedAt', true), instantCol(qr, 'revokedAt', true),
        ],
        foreignKeys: [{ columnNames: ['userId'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await qr.createIndex('api_tokens', new TableIndex({ name: 'UQ_api_tokens_tokenHash', columnNames: ['tokenHash'], isUnique: true }));
    await qr.createIndex('api_tokens', new TableIndex({ name: 'IX_api_tokens_userId', columnNames: ['userId'] }));

    await qr.createTable(
      new Table({
        name: 'user_login_attempts',
        columns: [
          { name: 'key', type: 'varchar', length: '64', isPrimary: true }, col.int('failures', false, 0),
          instantCol(qr, 'lockedUntil', true), instantCol(qr, 'updatedAt'),
        ],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          col.id(), instantCol(qr, 'at'), col.ref('userId', true), col.ref('tenantId', true), col.str('action', 80), col.text('detail'),
        ],
      }),
    );
    await qr.createIndex('audit_events', new TableIndex({ name: 'IX_audit_events_at', columnNames: ['at'] }));
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['audit_events', 'user_login_attempts', 'api_tokens', 'sessions', 'users']) await qr.dropTable(t);
  }
}
