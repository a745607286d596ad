import type { DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm';
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
 * Statements hold a power-of-two number of rows (256, 128, …, 1): the SQLite driver keeps the last 100 prepared
 * statements by SQL text, and a prepared multi-row insert holds megabytes of native memory, so a statement per
 * row count (as usage lines of varying counts made) kept hundreds of MB alive. This way a table has at most 9
 * insert statements.
 */
export async function bulkInsert<T extends ObjectLiteral>(scope: TenantScope, entity: EntityTarget<T>, rows: readonly DeepPartial<T>[]): Promise<void> {
  if (rows.length === 0) return;
  const ds = scope.manager.connection;
  const meta = ds.getMetadata(entity);
  const driver = ds.driver;
  const columns = meta.columns.filter((c) => c.isInsert && !c.isVirtual && !c.isGenerated);
  const head = `INSERT INTO ${driver.escape(meta.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let most = 1;
  while (most * 2 <= MAX_ROWS && most * 2 * columns.length <= MAX_PARAMS) most *= 2;
  // Rows written together usually share one Date object (createdAt = updatedAt = now): convert it once per column.
  const lastDate: (Date | null)[] = columns.map(() => null);
  const lastPrepared: unknown[] = columns.map(() => null);
  // Text, integer and decimal columns: both drivers return a non-null value of these unchanged once the column's
  // transformer (if any: the decimal one) has run, so it is called directly.
  const plain = columns.map((c) => !Array.isArray(c.transformer) && PLAIN_TYPES.has(c.type as string));
  const transformers = columns.map((c) => (Array.isArray(c.transformer) ? undefined : c.transformer));
  const names = columns.map((c) => c.propertyName);
  const tenantColumn = names.indexOf('tenantId');
  for (let i = 0; i < rows.length;) {
    let n = most;
    while (n > rows.length - i) n /= 2;
    const slice = rows.slice(i, i + n);
    i += n;
    const params: unknown[] = [];
    for (const row of slice) {
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
    }
    await scope.manager.query(head + slice.map(() => tuple).join(', '), params);
  }
}
