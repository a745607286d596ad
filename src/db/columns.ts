import { Column, type ColumnOptions } from 'typeorm';
import { decimalTransformer } from './decimal-transformer.js';

/**
 * Column decorators with explicit types (tsx emits no decorator metadata). The physical types
 * are owned by the migrations; see migrations/helpers.ts for the per-driver DDL.
 */
export function DecimalColumn(options: Omit<ColumnOptions, 'type' | 'transformer'> = {}): PropertyDecorator {
  return Column({ type: 'decimal', precision: 19, scale: 6, transformer: decimalTransformer, ...options });
}

export function IdColumn(options: Omit<ColumnOptions, 'type' | 'length'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length: 36, ...options });
}

export function TextColumn(length: number, options: Omit<ColumnOptions, 'type' | 'length'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length, ...options });
}

/** A calendar date ('YYYY-MM-DD') in the tenant's zone: stored as text so no driver shifts it. */
export function DateColumn(options: Omit<ColumnOptions, 'type' | 'length'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length: 10, ...options });
}

export function InstantColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  return Column({ type: 'datetime', precision: 3, ...options });
}

export function BoolColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  return Column({ type: 'boolean', ...options });
}

export function IntColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  return Column({ type: 'int', ...options });
}

/** JSON kept as text (portable across SQLite and MariaDB; parsed by the owner). */
export function JsonTextColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  return Column({ type: 'text', ...options });
}
