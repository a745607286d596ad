import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isSqlite } from './helpers.js';

/**
 * Input versions (src/invoices/upcoming.ts): `recurring_invoices.inputsVersion` counts the changes to everything the
 * composition of a recurring invoice's next invoice reads. The database keeps it, with triggers on every insert, delete
 * and update of a read column of: the recurring invoice itself, its lines, their links, the linked subscriptions (their
 * currency), the subscriptions' recorded history and the usage charges of its usage lines. No writer has to remember
 * it. An upcoming invoice stores the version it was composed at (replacing the fingerprint hash of the previous
 * migration), so the invoice run checks it without reading any input. The version only grows.
 *
 * nextInvoiceDate and status are not counted: the run and the daily pass compare them themselves, and the run advances
 * nextInvoiceDate on every invoice. Existing upcoming invoices get version -1, which no recurring invoice has, so the
 * next daily pass composes them again.
 */
const RI = 'recurring_invoices';

/** How the recurring invoices that one changed row (NEW or OLD) feeds are found. */
type Target =
  | { via: 'self'; key: string } // the row names its recurring invoice
  | { via: 'links'; key: string } // the row names a subscription; recurring invoices link it
  | { via: 'usage lines'; key: string }; // the row names a usage summary; recurring invoices bill it on a line

interface Watched {
  table: string;
  /** The columns composition reads (an update of any other column changes nothing). */
  columns: string[];
  target: Target;
  /** Default: insert, update and delete. */
  events?: readonly Event[];
}

const WATCHED: Watched[] = [
  {
    table: 'recurring_invoice_lines',
    columns: ['id', 'recurringInvoiceId', 'position', 'description', 'productId', 'timing', 'priceMode', 'unitPrice', 'cost', 'prorata',
      'reviewRequired', 'usageSummaryId'],
    target: { via: 'self', key: 'recurringInvoiceId' },
  },
  {
    table: 'recurring_invoice_links',
    columns: ['id', 'recurringInvoiceId', 'lineId', 'subscriptionId', 'position', 'freeQuantity', 'minimumQuantity'],
    target: { via: 'self', key: 'recurringInvoiceId' },
  },
  // Not on insert: a new subscription has no links yet (a link is made to a subscription that exists), and imports
  // insert subscriptions by the hundred thousand.
  { table: 'subscriptions', columns: ['id', 'currency'], target: { via: 'links', key: 'id' }, events: ['UPDATE', 'DELETE'] },
  {
    table: 'subscription_changes',
    columns: ['id', 'subscriptionId', 'effectiveDate', 'quantity', 'status', 'active', 'price', 'observedAt', 'createdAt'],
    target: { via: 'links', key: 'subscriptionId' },
  },
  { table: 'usage_monthly_charges', columns: ['id', 'usageSummaryId', 'month', 'charges'], target: { via: 'usage lines', key: 'usageSummaryId' } },
];

/** The recurring invoice's own columns composition reads. */
const HEAD = ['customerId', 'currency', 'taxRate', 'frequency', 'anchorDay', 'anchorMonth', 'startDate'];

const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;
type Event = (typeof EVENTS)[number];

/** Indexes the triggers look up by (links by subscription exist already). */
const LINES_BY_SUMMARY = 'IX_recurring_invoice_lines_tenantId_usageSummaryId';

function triggerName(table: string, event: string): string {
  return `TR_inputs_${table}_${event.toLowerCase()}`;
}

export class InputVersions1764200000000 implements MigrationInterface {
  name = 'InputVersions1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    const sqlite = isSqlite(qr);
    await qr.query(`ALTER TABLE ${q(RI)} ADD COLUMN ${q('inputsVersion')} int NOT NULL DEFAULT 0`);
    await qr.query(`ALTER TABLE ${q('upcoming_invoices')} ADD COLUMN ${q('inputsVersion')} int NOT NULL DEFAULT -1`);
    await qr.query(`ALTER TABLE ${q('upcoming_invoices')} DROP COLUMN ${q('inputsHash')}`);
    await qr.createIndex('recurring_invoice_lines', new TableIndex({ name: LINES_BY_SUMMARY, columnNames: ['tenantId', 'usageSummaryId'] }));

    const version = q('inputsVersion');
    const bump = `${version} = ${version} + 1`;
    /** The statement that bumps the recurring invoices fed by row `r` (NEW or OLD), when `when` (if given) holds. */
    const bumpFor = (t: Target, r: 'NEW' | 'OLD', when?: string): string => {
      const key = `${r}.${q(t.key)}`;
      const also = when === undefined ? '' : `${when} AND `;
      if (t.via === 'self') return `UPDATE ${q(RI)} SET ${bump} WHERE ${also}${q('id')} = ${key}`;
      const [table, column] = t.via === 'links' ? ['recurring_invoice_links', 'subscriptionId'] : ['recurring_invoice_lines', 'usageSummaryId'];
      const feeds = `f.${q('tenantId')} = ${r}.${q('tenantId')} AND f.${q(column)} = ${key}`;
      if (sqlite) return `UPDATE ${q(RI)} SET ${bump} WHERE ${also}${q('id')} IN (SELECT ${q('recurringInvoiceId')} FROM ${q(table)} f WHERE ${feeds})`;
      // MariaDB plans `id IN (subquery)` in an UPDATE as a scan of every recurring invoice; a join reads the index and
      // updates each row once. The EXISTS probe skips the join's setup for a row nothing bills yet (an import's new rows).
      return `IF ${also}EXISTS (SELECT 1 FROM ${q(table)} f WHERE ${feeds}) THEN `
        + `UPDATE ${q(RI)} ri JOIN ${q(table)} f ON ri.${q('id')} = f.${q('recurringInvoiceId')} SET ri.${version} = ri.${version} + 1 WHERE ${feeds}; END IF`;
    };
    const differs = (columns: string[]) => (sqlite
      ? columns.map((c) => `NEW.${q(c)} IS NOT OLD.${q(c)}`).join(' OR ')
      : `NOT (${columns.map((c) => `NEW.${q(c)} <=> OLD.${q(c)}`).join(' AND ')})`);

    for (const w of WATCHED) {
      for (const event of w.events ?? EVENTS) {
        const name = q(triggerName(w.table, event));
        const head = `CREATE TRIGGER ${name} AFTER ${event}`;
        const on = `ON ${q(w.table)} FOR EACH ROW`;
        if (event === 'INSERT') await qr.query(`${head} ${on} BEGIN ${bumpFor(w.target, 'NEW')}; END`);
        else if (event === 'DELETE') await qr.query(`${head} ${on} BEGIN ${bumpFor(w.target, 'OLD')}; END`);
        else {
          // Both sides when the row moved to another recurring invoice, subscription or summary.
          const body = `${bumpFor(w.target, 'NEW')}; ${bumpFor(w.target, 'OLD', differs([w.target.key]))};`;
          await qr.query(sqlite
            ? `${head} OF ${w.columns.map(q).join(', ')} ${on} WHEN ${differs(w.columns)} BEGIN ${body} END`
            : `${head} ${on} BEGIN IF ${differs(w.columns)} THEN ${body} END IF; END`);
        }
      }
    }
    const head = q(triggerName(RI, 'UPDATE'));
    // MariaDB cannot update the table a trigger is on, but may change the row being written.
    await qr.query(sqlite
      ? `CREATE TRIGGER ${head} AFTER UPDATE OF ${HEAD.map(q).join(', ')} ON ${q(RI)} FOR EACH ROW WHEN ${differs(HEAD)} `
        + `BEGIN UPDATE ${q(RI)} SET ${bump} WHERE ${q('id')} = NEW.${q('id')}; END`
      : `CREATE TRIGGER ${head} BEFORE UPDATE ON ${q(RI)} FOR EACH ROW SET NEW.${q('inputsVersion')} = NEW.${q('inputsVersion')} + IF(${differs(HEAD)}, 1, 0)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    await qr.query(`DROP TRIGGER IF EXISTS ${q(triggerName(RI, 'UPDATE'))}`);
    for (const w of WATCHED) for (const event of EVENTS) await qr.query(`DROP TRIGGER IF EXISTS ${q(triggerName(w.table, event))}`);
    await qr.dropIndex('recurring_invoice_lines', LINES_BY_SUMMARY);
    // An empty hash matches no fingerprint: the previous code composes these upcoming invoices again.
    await qr.query(`ALTER TABLE ${q('upcoming_invoices')} ADD COLUMN ${q('inputsHash')} varchar(64) NOT NULL DEFAULT ''`);
    await qr.query(`ALTER TABLE ${q('upcoming_invoices')} DROP COLUMN ${q('inputsVersion')}`);
    await qr.query(`ALTER TABLE ${q(RI)} DROP COLUMN ${q('inputsVersion')}`);
  }
}
