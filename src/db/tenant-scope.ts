import type {
  DeepPartial, EntityManager, EntityTarget, FindManyOptions, FindOneOptions, FindOptionsWhere, ObjectLiteral,
  SelectQueryBuilder, UpdateQueryBuilder,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';

export interface TenantOwned extends ObjectLiteral {
  tenantId: string;
}

export class TenantIsolationError extends Error {
  override name = 'TenantIsolationError';
}

type Where<T> = FindOptionsWhere<T> | FindOptionsWhere<T>[];

/**
 * The only door to tenant-owned rows: every read, write and query builder made through a scope
 * carries `tenantId = <this tenant>`, and naming another tenant's id is an error, not a filter.
 */
export class TenantScope {
  constructor(
    readonly manager: EntityManager,
    readonly tenantId: string,
  ) {
    if (!tenantId) throw new TenantIsolationError('a tenant scope needs a tenant id');
  }

  repo<T extends TenantOwned>(entity: EntityTarget<T>): TenantRepository<T> {
    return new TenantRepository(this.manager, entity, this.tenantId);
  }

  /** Runs fn in one transaction with a scope bound to the transaction's manager. */
  transaction<R>(fn: (scope: TenantScope) => Promise<R>): Promise<R> {
    return this.manager.transaction((m) => fn(new TenantScope(m, this.tenantId)));
  }
}

export class TenantRepository<T extends TenantOwned> {
  constructor(
    private readonly manager: EntityManager,
    private readonly entity: EntityTarget<T>,
    readonly tenantId: string,
  ) {}

  private scopeOne(where: FindOptionsWhere<T> | undefined): FindOptionsWhere<T> {
    const w = { ...(where ?? {}) } as Record<string, unknown>;
    if (w.tenantId !== undefined && w.tenantId !== this.tenantId) {
      throw new TenantIsolationError('query names another tenant');
    }
    w.tenantId = this.tenantId;
    return w as FindOptionsWhere<T>;
  }

  private scope(where: Where<T> | undefined): Where<T> {
    return Array.isArray(where) ? where.map((w) => this.scopeOne(w)) : this.scopeOne(where);
  }

  private claim(row: DeepPartial<T>): DeepPartial<T> {
    const r = row as Record<string, unknown>;
    if (r.tenantId !== undefined && r.tenantId !== this.tenantId) {
      throw new TenantIsolationError('row belongs to another tenant');
    }
    return { ...row, tenantId: this.tenantId } as DeepPartial<T>;
  }

  create(row: DeepPartial<T>): T {
    return this.manager.create(this.entity, this.claim(row));
  }

  find(options: FindManyOptions<T> = {}): Promise<T[]> {
    return this.manager.find(this.entity, { ...options, where: this.scope(options.where) });
  }

  findBy(where: Where<T> = {}): Promise<T[]> {
    return this.manager.findBy(this.entity, this.scope(where));
  }

  findOne(options: FindOneOptions<T>): Promise<T | null> {
    return this.manager.findOne(this.entity, { ...options, where: this.scope(options.where) });
  }

  findOneBy(where: Where<T>): Promise<T | null> {
    return this.manager.findOneBy(this.entity, this.scope(where));
  }

  count(options: FindManyOptions<T> = {}): Promise<number> {
    return this.manager.count(this.entity, { ...options, where: this.scope(options.where) });
  }

  async save(row: T): Promise<T>;
  async save(rows: T[]): Promise<T[]>;
  async save(rowOrRows: T | T[]): Promise<T | T[]> {
    if (Array.isArray(rowOrRows)) {
      const claimed = rowOrRows.map((r) => Object.assign(r, this.claim(r as DeepPartial<T>)));
      return this.manager.save(this.entity, claimed as T[], { chunk: 500 });
    }
    return this.manager.save(this.entity, Object.assign(rowOrRows, this.claim(rowOrRows as DeepPartial<T>)) as T);
  }

  async insert(rows: DeepPartial<T>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.manager.insert(this.entity, rows.map((r) => this.claim(r)) as QueryDeepPartialEntity<T>[]);
  }

  /** Returns the number of rows changed; rows of other tenants are never touched. */
  async update(where: FindOptionsWhere<T>, patch: DeepPartial<T>): Promise<number> {
    if ((patch as Record<string, unknown>).tenantId !== undefined) {
      throw new TenantIsolationError('tenantId cannot be changed');
    }
    const res = await this.manager.update(this.entity, this.scopeOne(where), patch as QueryDeepPartialEntity<T>);
    return res.affected ?? 0;
  }

  async delete(where: FindOptionsWhere<T>): Promise<number> {
    const res = await this.manager.delete(this.entity, this.scopeOne(where));
    return res.affected ?? 0;
  }

  /** A query builder already restricted to this tenant; add conditions with andWhere. */
  query(alias: string): SelectQueryBuilder<T> {
    return this.manager
      .createQueryBuilder(this.entity, alias)
      .where(`${alias}.tenantId = :__tenantId`, { __tenantId: this.tenantId });
  }

  /*
   * For reads and updates that pick rows by primary key (`id IN (...)`), the tenant term is written with a unary
   * plus: the same condition (MariaDB's parser drops the plus), but SQLite, which has no statistics and takes
   * `tenantId = ?` for selective, no longer walks the whole tenant through a tenant-prefixed index instead of
   * seeking the primary key (once per chunk: quadratic in the tenant's size).
   */

  /** query(), planned on the primary key: add `id IN (...)` with andWhere. */
  queryByPrimaryKey(alias: string): SelectQueryBuilder<T> {
    return this.manager
      .createQueryBuilder(this.entity, alias)
      .where(`+${alias}.tenantId = :__tenantId`, { __tenantId: this.tenantId });
  }

  /** A set-based UPDATE restricted to this tenant, planned on the primary key: add `id IN (...)` with andWhere. */
  updateByPrimaryKey(patch: QueryDeepPartialEntity<T>): UpdateQueryBuilder<T> {
    if ((patch as Record<string, unknown>).tenantId !== undefined) throw new TenantIsolationError('tenantId cannot be changed');
    return this.manager
      .createQueryBuilder()
      .update(this.entity)
      .set(patch)
      .where('+tenantId = :__tenantId', { __tenantId: this.tenantId });
  }
}
