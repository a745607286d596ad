import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, instantCol } from './helpers.js';

/**
 * Invoice runs queued from the web app or the API (issue 24): one row per run, from queued through running to
 * succeeded or failed, with what it came to (how many invoices, drafts, failures) or why it failed. The progress panel
 * of the Invoices page reads it, so a reload still shows the run; the Agenda job (invoices:run) carries the work.
 */
export class InvoiceRuns1764310150000 implements MigrationInterface {
  name = 'InvoiceRuns1764310150000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, 'invoice_runs', [
      col.date('runDate'), col.bool('allowFuture', false), col.str('trigger', 20), col.str('startedBy', 255), col.str('status', 20),
      col.ref('jobId', true), instantCol(qr, 'queuedAt'), instantCol(qr, 'startedAt', true), instantCol(qr, 'finishedAt', true),
      col.text('resultJson'), col.text('error'),
    ], [{ columns: ['tenantId', 'status'] }, { columns: ['tenantId', 'queuedAt'] }]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('invoice_runs');
  }
}
