import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addColumns, col, createTenantTable, decimalCol, dropColumns, isSqlite } from './helpers.js';

/**
 * Tax per line (issue 23): `tax_codes` (code, rate, kind: standard | exempt | reverse_charge), `product_group_tax_codes`
 * (a product group's code), `customers.taxCodeId` (an exemption or reverse charge), and on `invoice_lines` the rate,
 * code and kind each line was billed at (existing lines get their invoice's rate, no code).
 *
 * What a line's tax resolves from is read by the composition of the next invoice, so the recurring invoices' inputs
 * version (1764200000000-input-versions) grows when it changes: a customer's tax code (its recurring invoices), a
 * product's group (the recurring invoices with a line of it), and any tax code or product group code of the tenant
 * (every recurring invoice of the tenant: these change rarely). A new tax code changes nothing until something names it.
 */
const RI = 'recurring_invoices';

function triggerName(table: string, event: string): string {
  return `TR_inputs_${table}_${event.toLowerCase()}`;
}

const TRIGGERS: Array<{ table: string; event: 'INSERT' | 'UPDATE' | 'DELETE' }> = [
  { table: 'customers', event: 'UPDATE' },
  { table: 'products', event: 'UPDATE' },
  { table: 'tax_codes', event: 'UPDATE' },
  { table: 'tax_codes', event: 'DELETE' },
  { table: 'product_group_tax_codes', event: 'INSERT' },
  { table: 'product_group_tax_codes', event: 'UPDATE' },
  { table: 'product_group_tax_codes', event: 'DELETE' },
];

export class TaxCodes1764301000000 implements MigrationInterface {
  name = 'TaxCodes1764301000000';

  async up(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    const sqlite = isSqlite(qr);
    await createTenantTable(qr, 'tax_codes', [col.str('code', 60), decimalCol(qr, 'rate'), col.str('kind', 20)], [{ columns: ['tenantId', 'code'], unique: true }]);
    await createTenantTable(qr, 'product_group_tax_codes', [col.str('productGroup', 120), col.ref('taxCodeId')], [
      { columns: ['tenantId', 'productGroup'], unique: true }, { columns: ['tenantId', 'taxCodeId'] },
    ]);
    await addColumns(qr, 'customers', [col.ref('taxCodeId', true)]);
    await addColumns(qr, 'invoice_lines', [decimalCol(qr, 'taxRate', true), col.str('taxCode', 60, true), col.str('taxKind', 20, true)]);
    // Lines billed before: their invoice's rate (an upcoming invoice's lines: the upcoming invoice's).
    for (const head of ['invoices', 'upcoming_invoices']) {
      await qr.query(`UPDATE ${q('invoice_lines')} SET ${q('taxRate')} = (SELECT h.${q('taxRate')} FROM ${q(head)} h WHERE h.${q('id')} = ${q('invoice_lines')}.${q('invoiceId')}) `
        + `WHERE ${q('taxRate')} IS NULL AND EXISTS (SELECT 1 FROM ${q(head)} h WHERE h.${q('id')} = ${q('invoice_lines')}.${q('invoiceId')})`);
    }

    const version = q('inputsVersion');
    const bumpTenant = (r: 'NEW' | 'OLD') => `UPDATE ${q(RI)} SET ${version} = ${version} + 1 WHERE ${q('tenantId')} = ${r}.${q('tenantId')}`;
    const bumpCustomer = `UPDATE ${q(RI)} SET ${version} = ${version} + 1 WHERE ${q('tenantId')} = NEW.${q('tenantId')} AND ${q('customerId')} = NEW.${q('id')}`;
    const feeds = `f.${q('tenantId')} = NEW.${q('tenantId')} AND f.${q('productId')} = NEW.${q('id')}`;
    const bumpProduct = sqlite
      ? `UPDATE ${q(RI)} SET ${version} = ${version} + 1 WHERE ${q('id')} IN (SELECT ${q('recurringInvoiceId')} FROM ${q('recurring_invoice_lines')} f WHERE ${feeds})`
      : `UPDATE ${q(RI)} ri JOIN ${q('recurring_invoice_lines')} f ON ri.${q('id')} = f.${q('recurringInvoiceId')} SET ri.${version} = ri.${version} + 1 WHERE ${feeds}`;
    const differs = (columns: string[]) => (sqlite
      ? columns.map((c) => `NEW.${q(c)} IS NOT OLD.${q(c)}`).join(' OR ')
      : `NOT (${columns.map((c) => `NEW.${q(c)} <=> OLD.${q(c)}`).join(' AND ')})`);
    const onUpdate = async (table: string, columns: string[], body: string) => {
      const head = `CREATE TRIGGER ${q(triggerName(table, 'UPDATE'))} AFTER UPDATE`;
      await qr.query(sqlite
        ? `${head} OF ${columns.map(q).join(', ')} ON ${q(table)} FOR EACH ROW WHEN ${differs(columns)} BEGIN ${body}; END`
        : `${head} ON ${q(table)} FOR EACH ROW BEGIN IF ${differs(columns)} THEN ${body}; END IF; END`);
    };
    const on = async (table: string, event: 'INSERT' | 'DELETE', body: string) => {
      await qr.query(`CREATE TRIGGER ${q(triggerName(table, event))} AFTER ${event} ON ${q(table)} FOR EACH ROW BEGIN ${body}; END`);
    };
    await onUpdate('customers', ['taxCodeId'], bumpCustomer);
    await onUpdate('products', ['productGroup'], bumpProduct);
    await onUpdate('tax_codes', ['code', 'rate', 'kind'], bumpTenant('NEW'));
    await on('tax_codes', 'DELETE', bumpTenant('OLD'));
    await on('product_group_tax_codes', 'INSERT', bumpTenant('NEW'));
    await onUpdate('product_group_tax_codes', ['productGroup', 'taxCodeId'], bumpTenant('NEW'));
    await on('product_group_tax_codes', 'DELETE', bumpTenant('OLD'));
  }

  async down(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    for (const t of TRIGGERS) await qr.query(`DROP TRIGGER IF EXISTS ${q(triggerName(t.table, t.event))}`);
    await dropColumns(qr, 'invoice_lines', ['taxKind', 'taxCode', 'taxRate']);
    await dropColumns(qr, 'customers', ['taxCodeId']);
    await qr.dropTable('product_group_tax_codes');
    await qr.dropTable('tax_codes');
  }
}
