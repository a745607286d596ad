import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addColumns, instantCol } from './helpers.js';

/**
 * API tokens expire (src/users/service.ts: 90 days by default, chosen when created). Tokens made before this
 * migration never expired; they get 90 days from the upgrade, so none stays valid forever unnoticed.
 */
export class TokenExpiry1764300100000 implements MigrationInterface {
  name = 'TokenExpiry1764300100000';

  async up(qr: QueryRunner): Promise<void> {
    await addColumns(qr, 'api_tokens', [instantCol(qr, 'expiresAt', true)]);
    const at = new Date(Date.now() + 90 * 24 * 60 * 60 * 1000).toISOString().replace('T', ' ').replace('Z', '');
    await qr.query('UPDATE api_tokens SET expiresAt = ? WHERE revokedAt IS NULL', [at]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('api_tokens', 'expiresAt');
  }
}
