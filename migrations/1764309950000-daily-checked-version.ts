import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isSqlite } from './helpers.js';

/**
 * What the daily pass last found of a recurring invoice (src/invoices/daily-pass.ts, "Quiet days"):
 * - `dailyCheckedVersion`: the inputsVersion (migration 1764200000000) it processed the recurring invoice at, without
 *   problems; NULL until then.
 * - `dailyWakeDate`: the first date after that pass on which its history holds a change (a change dated ahead), or its
 *   start date if later: a pass reaching that date processes it again even at the same version.
 * A pass skips, without reading its lines, links or history, an active recurring invoice whose version is still the
 * one checked and whose wake date lies beyond the pass (and which needs neither an upcoming invoice nor a late-correction
 * check). The version leaves out `status`, so a trigger forgets the check when the status changes: a recurring invoice
 * paused and resumed missed the passes in between.
 * Plain ADD COLUMNs (no table rebuild) and one trigger, on SQLite and MariaDB.
 */
const TRIGGER = 'TR_daily_checked_status_update';

export class DailyCheckedVersion1764309950000 implements MigrationInterface {
  name = 'DailyCheckedVersion1764309950000';

  async up(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    await qr.query(`ALTER TABLE ${q('recurring_invoices')} ADD COLUMN ${q('dailyCheckedVersion')} int NULL`);
    await qr.query(`ALTER TABLE ${q('recurring_invoices')} ADD COLUMN ${q('dailyWakeDate')} varchar(10) NULL`);
    await qr.query(isSqlite(qr)
      ? `CREATE TRIGGER ${q(TRIGGER)} AFTER UPDATE OF ${q('status')} ON ${q('recurring_invoices')} FOR EACH ROW `
        + `WHEN NEW.${q('status')} IS NOT OLD.${q('status')} `
        + `BEGIN UPDATE ${q('recurring_invoices')} SET ${q('dailyCheckedVersion')} = NULL WHERE ${q('id')} = NEW.${q('id')}; END`
      // MariaDB cannot update the table a trigger is on, but may change the row being written.
      : `CREATE TRIGGER ${q(TRIGGER)} BEFORE UPDATE ON ${q('recurring_invoices')} FOR EACH ROW `
        + `SET NEW.${q('dailyCheckedVersion')} = IF(NEW.${q('status')} <=> OLD.${q('status')}, NEW.${q('dailyCheckedVersion')}, NULL)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const q = (n: string) => qr.connection.driver.escape(n);
    await qr.query(`DROP TRIGGER IF EXISTS ${q(TRIGGER)}`);
    // Plain DROP COLUMNs: TypeORM's dropColumn rebuilds a SQLite table, which the input-version triggers refuse.
    await qr.query(`ALTER TABLE ${q('recurring_invoices')} DROP COLUMN ${q('dailyWakeDate')}`);
    await qr.query(`ALTER TABLE ${q('recurring_invoices')} DROP COLUMN ${q('dailyCheckedVersion')}`);
  }
}
