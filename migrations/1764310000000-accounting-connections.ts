import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, instantCol } from './helpers.js';

/**
 * Accounting connections (issue 27): one row per tenant and vendor (xero, quickbooks) with the tenant's app
 * registration at the vendor (client id, the client secret sealed, the four endpoint URLs), the OAuth grant (access
 * and refresh tokens sealed, their expiries), the organisation it reaches and the status. `tokenVersion` grows with
 * every change of the tokens; a refresh first claims the row with a conditional UPDATE on it (and `refreshingSince`),
 * so two processes never send the same refresh token twice. `accounting_oauth_states`: the pending authorisations
 * (the state's sha256, who started it, until when; used once).
 */
export class AccountingConnections1764310000000 implements MigrationInterface {
  name = 'AccountingConnections1764310000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'accounting_connections', [
      col.str('vendor', 20), col.str('clientId', 200), col.text('clientSecretSealed', false),
      col.str('authorizeUrl', 500), col.str('tokenUrl', 500), col.str('revokeUrl', 500), col.str('apiUrl', 500),
      col.str('redirectUri', 500, true),
      col.str('status', 20, false, 'not_connected'), col.str('organisationId', 100, true), col.str('organisationName', 255, true),
      col.text('organisationChoicesJson'), col.text('accessTokenSealed'), col.text('refreshTokenSealed'),
      instantCol(qr, 'accessExpiresAt', true), instantCol(qr, 'refreshExpiresAt', true),
      instantCol(qr, 'connectedAt', true), col.str('connectedBy', 255, true),
      col.int('tokenVersion', false, 0), instantCol(qr, 'refreshingSince', true), col.text('lastError'), col.text('settingsJson'),
    ], [{ columns: ['tenantId', 'vendor'], unique: true }]);
    await createTenantTable(qr, 'accounting_oauth_states', [
      col.str('vendor', 20), col.str('stateHash', 64), col.ref('userId'), instantCol(qr, 'expiresAt'), instantCol(qr, 'usedAt', true),
    ], [{ columns: ['stateHash'], unique: true }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('accounting_oauth_states');
    await qr.dropTable('accounting_connections');
  }
}
