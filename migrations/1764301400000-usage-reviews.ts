import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTenantTable, decimalCol, instantCol, isSqlite } from './helpers.js';

/**
 * Usage review decisions (src/usage-review): one row per (tenant, usage summary, month), approved or adjusted with a
 * note, by whom and when. The invoice composition reads them (an adjusted month bills the adjusted amount), so each
 * insert, delete and change of a read column bumps the inputs version of the recurring invoices that bill the summary
 * on a usage line, like the usage charges' triggers of 1764200000000-input-versions: an upcoming invoice composed
 * before the decision is composed again at the run.
 */
const TABLE = 'usage_reviews';
const READ = ['usageSummaryId', 'month', 'decision', 'importedCharges', 'adjustedCharges'];
const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;
const triggerName = (event: string) => `TR_inputs_${TABLE}_${event.toLowerCase()}`;

export class UsageReviews1764301400000 implements MigrationInterface {
  name = 'UsageReviews1764301400000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantTable(qr, TABLE, [
      col.ref('usageSummaryId'), col.str('month', 7), col.str('decision', 20),
      decimalCol(qr, 'importedCharges'), decimalCol(qr, 'adjustedCharges', true), col.str('note', 1000, true),
      col.ref('decidedBy'), col.str('decidedByEmail', 255), instantCol(qr, 'decidedAt'),
    ], [{ columns: ['tenantId', 'usageSummaryId', 'month'], unique: true }, { columns: ['tenantId', 'month'] }]);

    const q = (n: string) => qr.connection.driver.escape(n);
    const sqlite = isSqlite(qr);
    const version = q('inputsVersion');
    const bumpFor = (r: 'NEW' | 'OLD', when?: string): string => {
      const feeds = `f.${q('tenantId')} = ${r}.${q('tenantId')} AND f.${q('usageSummaryId')} = ${r}.${q('usageSummaryId')}`;
      const also = when === undefined ? '' : `${when} AND `;
      if (sqlite) {
        return `UPDATE ${q('recurring_invoices')} SET ${version} = ${version} + 1 WHERE ${also}${q('id')} IN `
          + `(SELECT ${q('recurringInvoiceId')} FROM ${q('recurring_invoice_lines')} f WHERE ${feeds})`;
      }
      return `IF ${also}EXISTS (SELECT 1 FROM ${q('recurring_invoice_lines')} f WHERE ${feeds}) THEN `
        + `UPDATE ${q('recurring_invoices')} ri JOIN ${q('recurring_invoice_lines')} f ON ri.${q('id')} = f.${q('recurringInvoiceId')} `
        + `SET ri.${version} = ri.${version} + 1 WHERE ${feeds}; END IF`;
    };
    const differs = (columns: string[]) => (sqlite
      ? columns.map((c) => `NEW.${q(c)} IS NOT OLD.${q(c)}`).join(' OR ')
      : `NOT (${columns.map((c) => `NEW.${q(c)} <=> OLD.${q(c)}`).join(' AND ')})`);
    const on = `ON ${q(TABLE)} FOR EACH ROW`;
    await qr.query(`CREATE TRIGGER ${q(triggerName('INSERT'))} AFTER INSERT ${on} BEGIN ${bumpFor('NEW')}; END`);
    await qr.query(`CREATE TRIGGER ${q(triggerName('DELETE'))} AFTER DELETE ${on} BEGIN ${bumpFor('OLD')}; END`);
    const body = `${bumpFor('NEW')}; ${bumpFor('OLD', differs(['usageSummaryId']))};`;
    await qr.query(sqlite
      ? `CREATE TRIGGER ${q(triggerName('UPDATE'))} AFTER UPDATE OF ${READ.map(q).join(', ')} ${on} WHEN ${differs(READ)} BEGIN ${body} END`
      : `CREATE TRIGGER ${q(triggerName('UPDATE'))} AFTER UPDATE ${on} BEGIN IF ${differs(READ)} THEN ${body} END IF; END`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    for (const e of EVENTS) await qr.query(`DROP TRIGGER IF EXISTS ${q(triggerName(e))}`);
    await qr.dropTable(TABLE);
  }
}
