import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { TenantIsolationError, type TenantScope } from '../db/tenant-scope.js';

const MAX_PARAMETERS = 8000;

/**
 * Multi-row INSERT of tenant-owned rows as one parameterised statement per chunk, through the scope's manager
 * (so inside its transaction). Every row is stamped with the scope's tenant (another tenant's id is refused);
 * values go through the column's transformer and the driver's own conversion, exactly as TypeORM would persist
 * them. It skips TypeORM's per-parameter query building, which dominates large inserts.
 */
export async function bulkInsert<T extends ObjectLiteral>(scope: TenantScope, entity: EntityTarget<T>, rows: readonly Partial<T>[]): Promise<void> {
  if (rows.length === 0) return;
  const connection = scope.manager.connection;
  const driver = connection.driver;
  const metadata = connection.getMetadata(entity);
  const columns = metadata.columns.filter((c) => !c.isVirtual);
  const table = driver.escape(metadata.tableName);
  const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const perChunk = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  // Rows written together usually share one Date object (createdAt = updatedAt = now): convert it once per column.
  const lastDate: (Date | null)[] = columns.map(() => null);
  const lastPrepared: unknown[] = columns.map(() => null);
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    const params: unknown[] = [];
    for (const row of chunk) {
      const r = row as Record<string, unknown>;
      if (r.tenantId !== undefined && r.tenantId !== scope.tenantId) throw new TenantIsolationError('row belongs to another tenant');
      for (const [k, c] of columns.entries()) {
        const value = c.propertyName === 'tenantId' ? scope.tenantId : r[c.propertyName];
        if (value instanceof Date) {
          if (lastDate[k] !== value) {
            lastDate[k] = value;
            lastPrepared[k] = driver.preparePersistentValue(value, c);
          }
          params.push(lastPrepared[k]);
        } else {
          params.push(driver.preparePersistentValue(value === undefined ? null : value, c));
        }
      }
    }
    await scope.manager.query(`INSERT INTO ${table} (${names}) VALUES ${chunk.map(() => tuple).join(', ')}`, params);
  }
}
