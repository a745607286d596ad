import { Table, TableColumn, TableIndex, type QueryRunner, type TableColumnOptions } from 'typeorm';

/** Portable column definitions for migrations that run on SQLite and MariaDB alike. */
export function isSqlite(qr: QueryRunner): boolean {
  return qr.connection.options.type === 'better-sqlite3';
}

export const col = {
  id: (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true }),
  ref: (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable }),
  str: (name: string, length: number, nullable = false, dflt?: string): TableColumnOptions => ({
    name, type: 'varchar', length: String(length), isNullable: nullable,
    ...(dflt !== undefined ? { default: `'${dflt}'` } : {}),
  }),
  text: (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
  date: (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '10', isNullable: nullable }),
  int: (name: string, nullable = false, dflt?: number): TableColumnOptions => ({
    name, type: 'int', isNullable: nullable, ...(dflt !== undefined ? { default: dflt } : {}),
  }),
  bool: (name: string, dflt: boolean): TableColumnOptions => ({ name, type: 'boolean', isNullable: false, default: dflt ? 1 : 0 }),
};

/** DECIMAL(19,6) on MariaDB; TEXT on SQLite, whose NUMERIC affinity would round through a double. */
export function decimalCol(qr: QueryRunner, name: string, nullable = false): TableColumnOptions {
  return isSqlite(qr)
    ? { name, type: 'text', isNullable: nullable }
    : { name, type: 'decimal', precision: 19, scale: 6, isNullable: nullable };
}

export function instantCol(qr: QueryRunner, name: string, nullable = false): TableColumnOptions {
  return isSqlite(qr)
    ? { name, type: 'datetime', isNullable: nullable }
    : { name, type: 'datetime', precision: 3, isNullable: nullable };
}

/**
 * Runs a schema change of `table` and puts back the triggers on it that the change removed: TypeORM adds and drops
 * SQLite columns by copying the table into a new one, which drops the old table's triggers (the input-version
 * triggers of 1764200000000 among them). MariaDB alters in place and keeps them.
 */
export async function keepingTriggers(qr: QueryRunner, table: string, change: () => Promise<void>): Promise<void> {
  if (!isSqlite(qr)) return change();
  const triggers: Array<{ name: string; sql: string }> = await qr.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [table]);
  await change();
  const left = new Set(((await qr.query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [table])) as Array<{ name: string }>).map((t) => t.name));
  for (const t of triggers) if (!left.has(t.name)) await qr.query(t.sql);
}

export function addColumns(qr: QueryRunner, table: string, columns: TableColumnOptions[]): Promise<void> {
  return keepingTriggers(qr, table, () => qr.addColumns(table, columns.map((c) => new TableColumn(c))));
}

export function dropColumns(qr: QueryRunner, table: string, columns: string[]): Promise<void> {
  return keepingTriggers(qr, table, () => qr.dropColumns(table, columns));
}

export interface IndexSpec {
  columns: string[];
  unique?: boolean;
}

/** Creates a tenant-owned table: id, tenantId, createdAt, updatedAt, the given columns, and its indexes. */
export async function createTenantTable(
  qr: QueryRunner,
  name: string,
  columns: TableColumnOptions[],
  indexes: IndexSpec[] = [],
): Promise<void> {
  await qr.createTable(
    new Table({
      name,
      columns: [col.id(), col.ref('tenantId'), ...columns, instantCol(qr, 'createdAt'), instantCol(qr, 'updatedAt')],
      foreignKeys: [{ columnNames: ['tenantId'], referencedTableName: 'tenants', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }),
  );
  const all = indexes.some((i) => i.columns[0] === 'tenantId') ? indexes : [{ columns: ['tenantId'] }, ...indexes];
  for (const idx of all) {
    const prefix = idx.unique ? 'UQ' : 'IX';
    await qr.createIndex(
      name,
      new TableIndex({ name: `${prefix}_${name}_${idx.columns.join('_')}`.slice(0, 64), columnNames: idx.columns, isUnique: !!idx.unique }),
    );
  }
}
