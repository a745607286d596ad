import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isSqlite } from './helpers.js';

/**
 * A line's cost follows the subscription's Pax8 cost per period, or is its own (issue 23):
 * `recurring_invoice_lines.costMode` ('follow' | 'own'; existing lines linked to a subscription follow, the others keep
 * their own `cost`), and on `invoice_lines` the unit cost and cost each line was billed with (null: not known).
 *
 * Both are read by the composition of the next invoice, so the inputs version (1764200000000-input-versions) grows when
 * they change: a line's costMode, and a recorded history row's cost (the triggers of that migration watch neither).
 * Extra triggers of their own, so the earlier ones stay as they are. Plain ADD / DROP COLUMN statements: no table copy.
 */
const RI = 'recurring_invoices';
const LINE_TRIGGER = 'TR_inputs_recurring_invoice_lines_cost_update';
const CHANGE_TRIGGER = 'TR_inputs_subscription_changes_cost_update';

export class LineCostMode1764301110000 implements MigrationInterface {
  name = 'LineCostMode1764301110000';

  async up(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    const sqlite = isSqlite(qr);
    const decimal = sqlite ? 'text' : 'decimal(19,6)';
    await qr.query(`ALTER TABLE ${q('recurring_invoice_lines')} ADD COLUMN ${q('costMode')} varchar(10) NOT NULL DEFAULT 'own'`);
    await qr.query(`UPDATE ${q('recurring_invoice_lines')} SET ${q('costMode')} = 'follow' WHERE ${q('timing')} <> 'usage' AND EXISTS (`
      + `SELECT 1 FROM ${q('recurring_invoice_links')} k WHERE k.${q('tenantId')} = ${q('recurring_invoice_lines')}.${q('tenantId')} AND k.${q('lineId')} = ${q('recurring_invoice_lines')}.${q('id')})`);
    await qr.query(`ALTER TABLE ${q('invoice_lines')} ADD COLUMN ${q('unitCost')} ${decimal} NULL`);
    await qr.query(`ALTER TABLE ${q('invoice_lines')} ADD COLUMN ${q('cost')} ${decimal} NULL`);
    // Upcoming invoices composed before carry no costs: the next daily pass composes them again.
    await qr.query(`UPDATE ${q('upcoming_invoices')} SET ${q('inputsVersion')} = -1`);

    const version = q('inputsVersion');
    const differs = (c: string) => (sqlite ? `NEW.${q(c)} IS NOT OLD.${q(c)}` : `NOT (NEW.${q(c)} <=> OLD.${q(c)})`);
    const bumpLine = `UPDATE ${q(RI)} SET ${version} = ${version} + 1 WHERE ${q('id')} = NEW.${q('recurringInvoiceId')}`;
    const feeds = `f.${q('tenantId')} = NEW.${q('tenantId')} AND f.${q('subscriptionId')} = NEW.${q('subscriptionId')}`;
    const bumpLinked = sqlite
      ? `UPDATE ${q(RI)} SET ${version} = ${version} + 1 WHERE ${q('id')} IN (SELECT ${q('recurringInvoiceId')} FROM ${q('recurring_invoice_links')} f WHERE ${feeds})`
      : `UPDATE ${q(RI)} ri JOIN ${q('recurring_invoice_links')} f ON ri.${q('id')} = f.${q('recurringInvoiceId')} SET ri.${version} = ri.${version} + 1 WHERE ${feeds}`;
    const onUpdate = (name: string, table: string, column: string, body: string) => qr.query(sqlite
      ? `CREATE TRIGGER ${q(name)} AFTER UPDATE OF ${q(column)} ON ${q(table)} FOR EACH ROW WHEN ${differs(column)} BEGIN ${body}; END`
      : `CREATE TRIGGER ${q(name)} AFTER UPDATE ON ${q(table)} FOR EACH ROW BEGIN IF ${differs(column)} THEN ${body}; END IF; END`);
    await onUpdate(LINE_TRIGGER, 'recurring_invoice_lines', 'costMode', bumpLine);
    await onUpdate(CHANGE_TRIGGER, 'subscription_changes', 'cost', bumpLinked);
  }

  async down(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    await qr.query(`DROP TRIGGER IF EXISTS ${q(CHANGE_TRIGGER)}`);
    await qr.query(`DROP TRIGGER IF EXISTS ${q(LINE_TRIGGER)}`);
    await qr.query(`ALTER TABLE ${q('invoice_lines')} DROP COLUMN ${q('cost')}`);
    await qr.query(`ALTER TABLE ${q('invoice_lines')} DROP COLUMN ${q('unitCost')}`);
    await qr.query(`ALTER TABLE ${q('recurring_invoice_lines')} DROP COLUMN ${q('costMode')}`);
  }
}
