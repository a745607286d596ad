import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addColumns, col, dropColumns } from './helpers.js';

/**
 * What the last clean import of each usage summary read (issue 26): every day of the open months up to
 * `linesFinalThrough` was read final, `lastFullRead` is the date of the last full read of the open months, and
 * `closedMonth` the latest month whose close refresh was made. Null on existing rows: their next import reads them in
 * full (src/imports/usage-plan.ts).
 */
export class UsageReadState1764300900000 implements MigrationInterface {
  name = 'UsageReadState1764300900000';

  async up(qr: QueryRunner): Promise<void> {
    await addColumns(qr, 'usage_summaries', [col.date('linesFinalThrough', true), col.date('lastFullRead', true), col.str('closedMonth', 7, true)]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropColumns(qr, 'usage_summaries', ['closedMonth', 'lastFullRead', 'linesFinalThrough']);
  }
}
