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

export function addColumns(qr: QueryRunner, table: string, columns: TableColumnOptions[]): Promise<void> {
  return qr.addColumns(table, columns.map((c) => new TableColumn(c)));
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
