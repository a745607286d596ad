import type { Database, Statement } from 'better-sqlite3';
import { QueryFailedError, type DeepPartial, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { TenantIsolationError, type TenantScope } from './tenant-scope.js';

/** Bound parameters per statement: well below SQLite's 32,766 and MariaDB's 65,535. */
const MAX_PARAMS = 10_000;
const MAX_ROWS = 256;
/** Column types whose non-null values both drivers bind as given (after the column's transformer). */
const PLAIN_TYPES = new Set(['varchar', 'text', 'int', 'decimal']);

/**
 * Multi-row INSERT of tenant-owned rows (the imports' and the invoice run's large writes). Values go through
 * the same conversions TypeORM's insert applies (column transformers, then the driver's preparePersistentValue:
 * Decimal -> text, booleans, instants), with positional parameters: TypeORM's InsertQueryBuilder names,
 * validates and re-escapes every parameter, which cost more than the database spent on the rows. Every row is
 * stamped with the scope's tenant (another tenant's id is refused). Runs on the scope's manager, so inside
 * `scope.transaction` it joins that transaction.
 *
 * MariaDB: statements hold a power-of-two number of rows (256, 128, …, 1), so a table has at most 9 insert statements.
 * SQLite inside a transaction: one prepared single-row statement per table, run once a row. A multi-row INSERT is
 * compiled as a SELECT over its VALUES, so SQLite keeps a statement journal for it (each index page it touches is
 * copied first, in case a later row fails): with the subscriptions' three random-keyed indexes that doubled the CPU
 * of the import's inserts (100,000 rows: 4.5 s against 2.6 s). A row-at-a-time call from this thread costs no round
 * trip, and a prepared multi-row statement held megabytes of native memory besides.
 */
export async function bulkInsert<T extends ObjectLiteral>(scope: TenantScope, entity: EntityTarget<T>, rows: readonly DeepPartial<T>[]): Promise<void> {
  if (rows.length === 0) return;
  const ds = scope.manager.connection;
  const meta = ds.getMetadata(entity);
  const driver = ds.driver;
  const columns = meta.columns.filter((c) => c.isInsert && !c.isVirtual && !c.isGenerated);
  const head = `INSERT INTO ${driver.escape(meta.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  // Rows written together usually share one Date object (createdAt = updatedAt = now): convert it once per column.
  const lastDate: (Date | null)[] = columns.map(() => null);
  const lastPrepared: unknown[] = columns.map(() => null);
  // Text, integer and decimal columns: both drivers return a non-null value of these unchanged once the column's
  // transformer (if any: the decimal one) has run, so it is called directly.
  const plain = columns.map((c) => !Array.isArray(c.transformer) && PLAIN_TYPES.has(c.type as string));
  const transformers = columns.map((c) => (Array.isArray(c.transformer) ? undefined : c.transformer));
  const names = columns.map((c) => c.propertyName);
  const tenantColumn = names.indexOf('tenantId');
  const addRow = (row: DeepPartial<T>, params: unknown[]): void => {
    const r = row as Record<string, unknown>;
    if (r.tenantId !== undefined && r.tenantId !== scope.tenantId) throw new TenantIsolationError('row belongs to another tenant');
    for (let k = 0; k < columns.length; k++) {
      const v = k === tenantColumn ? scope.tenantId : r[names[k]!];
      const c = columns[k]!;
      if (plain[k] && v !== undefined && v !== null) {
        const to = transformers[k];
        params.push(to ? to.to(v) : v);
      } else if (v === undefined) {
        if (!c.isNullable) throw new Error(`insert into ${meta.tableName}: no value for ${c.propertyName}`);
        params.push(null);
      } else if (v instanceof Date) {
        if (lastDate[k] !== v) {
          lastDate[k] = v;
          lastPrepared[k] = driver.preparePersistentValue(v, c);
        }
        params.push(lastPrepared[k]);
      } else {
        params.push(driver.preparePersistentValue(v, c));
      }
    }
  };

  const runner = scope.manager.queryRunner;
  if (driver.options.type === 'better-sqlite3' && runner?.isTransactionActive) {
    const sql = head + tuple;
    const stmt = preparedRow((await runner.connect()) as Database, sql);
    const params: unknown[] = [];
    for (const row of rows) {
      params.length = 0;
      addRow(row, params);
      // better-sqlite3 binds no booleans (TypeORM's query turns them into 0/1 too).
      for (let k = 0; k < params.length; k++) if (typeof params[k] === 'boolean') params[k] = params[k] ? 1 : 0;
      try {
        stmt.run(params);
      } catch (err) {
        throw new QueryFailedError(sql, [...params], err as Error); // as TypeORM's query reports it (errors.ts reads driverError)
      }
    }
    return;
  }

  let most = 1;
  while (most * 2 <= MAX_ROWS && most * 2 * columns.length <= MAX_PARAMS) most *= 2;
  for (let i = 0; i < rows.length;) {
    let n = most;
    while (n > rows.length - i) n /= 2;
    const params: unknown[] = [];
    for (let j = i; j < i + n; j++) addRow(rows[j]!, params);
    i += n;
    await scope.manager.query(head + Array.from({ length: n }, () => tuple).join(', '), params);
  }
}

/** Prepared single-row inserts of a SQLite connection, by SQL text (one per table written in bulk). */
const rowStatements = new WeakMap<Database, Map<string, Statement>>();

function preparedRow(db: Database, sql: string): Statement {
  let bySql = rowStatements.get(db);
  if (!bySql) rowStatements.set(db, (bySql = new Map()));
  let stmt = bySql.get(sql);
  if (!stmt) bySql.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}
