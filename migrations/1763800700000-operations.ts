import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol } from './helpers.js';

/** Licence operations, licences in use, event log, Pax8 webhooks, change notices and their deliveries. */
export class Operations1763800700000 implements MigrationInterface {
  name = 'Operations1763800700000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'licence_operations', [
      col.str('type', 20), col.str('status', 20), col.ref('sourceSubscriptionId', true), col.ref('targetSubscriptionId', true),
      col.ref('sourceCustomerId', true), col.ref('targetCustomerId', true), decimalCol(qr, 'licenceCount'),
      decimalCol(qr, 'sourceBefore', true), decimalCol(qr, 'sourceAfter', true), decimalCol(qr, 'targetBefore', true), decimalCol(qr, 'targetAfter', true),
      col.text('previewJson', false), col.str('changeIds', 400), col.str('failureReason', 2000, true), col.str('initiatedBy', 255),
      instantCol(qr, 'at'),
    ], [{ columns: ['tenantId', 'at'] }]);

    await createTenantTable(qr, 'licences_in_use', [
      col.ref('subscriptionId'), decimalCol(qr, 'inUse'), col.str('note', 255, true), col.str('updatedBy', 255),
    ], [{ columns: ['tenantId', 'subscriptionId'], unique: true }]);

    await createTenantTable(qr, 'event_log', [
      instantCol(qr, 'occurredAt'), col.str('type', 40), col.str('source', 255), col.str('target', 255), decimalCol(qr, 'licenceCount', true),
      col.str('initiatedBy', 255), col.ref('subscriptionId', true), col.ref('customerId', true), col.str('refKind', 30), col.str('refId', 80),
      col.text('detail'),
    ], [{ columns: ['tenantId', 'occurredAt'] }, { columns: ['tenantId', 'refKind', 'refId'], unique: true }]);

    await createTenantTable(qr, 'event_log_cursors', [instantCol(qr, 'changesSeenUntil')], [{ columns: ['tenantId'], unique: true }]);

    await createTenantTable(qr, 'webhook_endpoints', [
      col.str('token', 64), col.text('authorizationSealed', false), col.str('pax8WebhookId', 64, true), col.str('pax8AccountId', 64, true),
      col.str('topics', 500), col.bool('active', true),
    ], [{ columns: ['token'], unique: true }, { columns: ['tenantId'], unique: true }]);

    await createTenantTable(qr, 'webhook_deliveries', [
      col.str('dedupeKey', 64), col.str('topic', 120), col.str('pax8SubscriptionId', 64, true), col.str('pax8CompanyId', 64, true),
      instantCol(qr, 'sentAt', true), instantCol(qr, 'receivedAt'), col.str('status', 20), col.int('attempts', false, 0),
      instantCol(qr, 'processedAt', true), col.str('error', 2000, true), col.text('payload', false),
    ], [{ columns: ['tenantId', 'dedupeKey'], unique: true }, { columns: ['status', 'receivedAt'] }]);

    await createTenantTable(qr, 'change_notices', [
      col.str('kind', 30), col.str('dedupeKey', 120), col.ref('customerId', true), col.str('customerName', 255), col.ref('subscriptionId'),
      col.ref('previousSubscriptionId', true), col.str('productName', 255), decimalCol(qr, 'quantityBefore', true), decimalCol(qr, 'quantityAfter', true),
      col.str('source', 20), col.str('subject', 1000), col.str('message', 2000), col.str('invoiceEffect', 2000), col.text('detail'),
      instantCol(qr, 'occurredAt'),
    ], [{ columns: ['tenantId', 'dedupeKey'], unique: true }, { columns: ['tenantId', 'occurredAt'] }]);

    await createTenantTable(qr, 'notice_deliveries', [
      col.ref('noticeId'), col.str('channel', 10), col.str('status', 10), col.int('attempts', false, 0), instantCol(qr, 'sentAt', true),
      col.str('lastError', 1000, true),
    ], [{ columns: ['tenantId', 'noticeId', 'channel'], unique: true }, { columns: ['status'] }]);

    await createTenantTable(qr, 'subscription_watch', [
      col.ref('subscriptionId'), col.str('productId', 64, true), col.str('productName', 255), decimalCol(qr, 'quantity'), col.str('status', 40),
      col.bool('active', true), decimalCol(qr, 'price', true),
    ], [{ columns: ['tenantId', 'subscriptionId'], unique: true }]);

    await createTenantTable(qr, 'notice_secrets', [col.text('smtpPasswordSealed')], [{ columns: ['tenantId'], unique: true }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['notice_secrets', 'subscription_watch', 'notice_deliveries', 'change_notices', 'webhook_deliveries', 'webhook_endpoints',
      'event_log_cursors', 'event_log', 'licences_in_use', 'licence_operations']) await qr.dropTable(t);
  }
}
