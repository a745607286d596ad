import { createHash, type Hash } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import type { TenantScope } from '../db/tenant-scope.js';
import { inChunks } from './loader.js';

/**
 * Every column the composition of a recurring invoice's next invoice reads (loader.ts → composeInvoice), as
 * `alias.column`; `?` marks a nullable one. A column added to what the loader reads must be added here too, or a
 * draft composed before a change of that column would still be issued.
 */
const INPUTS = {
  ri: ['customerId', 'currency', 'taxRate', 'frequency', 'anchorDay', 'anchorMonth', 'startDate', 'status', 'nextInvoiceDate'].map((c) => `ri.${c}`),
  line: ['id', 'position', 'description', 'productId?', 'timing', 'priceMode', 'unitPrice?', 'cost?', 'prorata', 'reviewRequired', 'usageSummaryId?'].map((c) => `l.${c}`),
  /** Each link with its subscription's currency (the engine's currency check). */
  link: [...['id', 'lineId', 'subscriptionId', 'position', 'freeQuantity', 'minimumQuantity'].map((c) => `k.${c}`), 's.currency?'],
  change: ['id', 'subscriptionId', 'effectiveDate', 'quantity', 'status', 'active', 'price?', 'observedAt', 'createdAt'].map((c) => `h.${c}`),
  usage: ['id', 'usageSummaryId', 'month', 'charges'].map((c) => `u.${c}`),
};

function queries(runner: QueryRunner): string[] {
  const q = (n: string) => runner.connection.driver.escape(n);
  const c = (qualified: string) => {
    const [alias, name] = qualified.split('.') as [string, string];
    return `${alias}.${q(name)}`;
  };
  const values = (columns: readonly string[]) => columns.map((col) => (col.endsWith('?') ? `COALESCE(${c(col.slice(0, -1))}, '~')` : c(col)));
  const sqlite = runner.connection.options.type === 'better-sqlite3';
  // MariaDB: a digest per row keeps each group short (GROUP_CONCAT is capped by group_concat_max_len, raised below).
  const row = (columns: readonly string[]) => (sqlite ? values(columns).join(` || '|' || `) : `MD5(CONCAT(${values(columns).join(`, '|', `)}))`);
  const group = (columns: readonly string[], order: string) => (sqlite
    ? `group_concat(${row(columns)}, ';' ORDER BY ${order})`
    : `GROUP_CONCAT(${row(columns)} ORDER BY ${order} SEPARATOR ';')`);
  const byRi = (alias: string) => `WHERE ${c(`${alias}.tenantId`)} = ? AND ${c(`${alias}.recurringInvoiceId`)} IN (:ids) GROUP BY ${c(`${alias}.recurringInvoiceId`)}`;
  const joined = (left: string, right: string, on: string) => `${c(`${right}.tenantId`)} = ${c(`${left}.tenantId`)} AND ${on}`;
  return [
    // By primary key: the unary plus keeps SQLite off the tenant index (see TenantRepository.queryByPrimaryKey).
    `SELECT ${c('ri.id')} AS ri, ${row(INPUTS.ri)} AS fp FROM ${q('recurring_invoices')} ri WHERE ${sqlite ? '+' : ''}${c('ri.tenantId')} = ? AND ${c('ri.id')} IN (:ids)`,
    `SELECT ${c('l.recurringInvoiceId')} AS ri, ${group(INPUTS.line, c('l.id'))} AS fp FROM ${q('recurring_invoice_lines')} l ${byRi('l')}`,
    `SELECT ${c('k.recurringInvoiceId')} AS ri, ${group(INPUTS.link, c('k.id'))} AS fp FROM ${q('recurring_invoice_links')} k `
      + `LEFT JOIN ${q('subscriptions')} s ON ${joined('k', 's', `${c('s.id')} = ${c('k.subscriptionId')}`)} ${byRi('k')}`,
    `SELECT ${c('k.recurringInvoiceId')} AS ri, ${group(INPUTS.change, `${c('h.id')}, ${c('k.id')}`)} AS fp FROM ${q('recurring_invoice_links')} k `
      + `JOIN ${q('subscription_changes')} h ON ${joined('k', 'h', `${c('h.subscriptionId')} = ${c('k.subscriptionId')}`)} ${byRi('k')}`,
    `SELECT ${c('l.recurringInvoiceId')} AS ri, ${group(INPUTS.usage, c('u.id'))} AS fp FROM ${q('recurring_invoice_lines')} l `
      + `JOIN ${q('usage_monthly_charges')} u ON ${joined('l', 'u', `${c('u.usageSummaryId')} = ${c('l.usageSummaryId')}`)} ${byRi('l')}`,
  ];
}

/**
 * A hash per recurring invoice of every row its next invoice is composed from: the recurring invoice, its lines, their
 * links and the linked subscriptions' currencies, the subscriptions' recorded history, the usage charges of its usage
 * lines. Computed by the database (one grouped read per table, no rows brought into JS), so checking that a draft is
 * still current costs a fraction of reading its inputs. Equal hashes mean equal inputs; a recurring invoice not found
 * (or not the tenant's) has none. Call inside the transaction that reads the inputs, so both see the same data.
 */
export async function inputFingerprints(scope: TenantScope, ids: readonly string[]): Promise<Map<string, string>> {
  const own = scope.manager.queryRunner;
  const runner = own ?? scope.manager.connection.createQueryRunner();
  try {
    if (runner.connection.options.type !== 'better-sqlite3') await runner.query('SET SESSION group_concat_max_len = 1073741824');
    const sqls = queries(runner);
    const out = new Map<string, string>();
    // Hashed chunk by chunk (queries in a fixed order, each group tagged with its query), so no text outlives its chunk.
    await inChunks(ids, async (chunk) => {
      const hashes = new Map<string, Hash>();
      for (let k = 0; k < sqls.length; k++) {
        const sql = sqls[k]!.replace('(:ids)', `(${chunk.map(() => '?').join(', ')})`);
        const rows = await runner.query(sql, [scope.tenantId, ...chunk]) as { ri: string; fp: string | null }[];
        for (const r of rows) {
          let h = hashes.get(r.ri);
          if (!h) {
            if (k > 0) continue; // not the tenant's recurring invoice (the first query reads the tenant's own)
            hashes.set(r.ri, (h = createHash('sha256')));
          }
          h.update(`${k}:${r.fp ?? ''}\n`);
        }
      }
      for (const [id, h] of hashes) out.set(id, h.digest('hex'));
      return [];
    });
    return out;
  } finally {
    if (!own) await runner.release();
  }
}
