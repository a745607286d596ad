import { TableColumn, type QueryRunner, type TableColumnOptions } from 'typeorm';

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
