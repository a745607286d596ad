import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { containsPattern, likeSql } from '../common/like.js';
import {
  computeJobState,
  toJobId,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobsSort,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import { failReasonText, progressValue } from './job-text.js';

export const JOBS_TABLE = 'agenda_jobs';

/** A row of agenda_jobs as the drivers return it (bigint may arrive as a string on MariaDB). */
interface JobRow {
  id: string;
  name: string;
  priority: number | string;
  type: string;
  nextRunAt: number | string | null;
  lockedAt: number | string | null;
  lockedBy: string | null;
  lastRunAt: number | string | null;
  lastFinishedAt: number | string | null;
  failedAt: number | string | null;
  failCount: number | string | null;
  failReason: string | null;
  repeatTimezone: string | null;
  repeatInterval: string | null;
  repeatAt: string | null;
  data: string | null;
  disabled: number | boolean | string;
  progress: number | string | null;
  fork: number | boolean | string;
  lastModifiedBy: string | null;
  singleKey: string | null;
  uniqueKey: string | null;
  debounceStartedAt: number | string | null;
  startDate: number | string | null;
  endDate: number | string | null;
  skipDays: string | null;
}

const ms = (d: Date | string | number | null | undefined): number | null => {
  if (d === null || d === undefined) return null;
  const t = d instanceof Date ? d.getTime() : new Date(d).getTime();
  return Number.isFinite(t) ? t : null;
};
const date = (v: number | string | null): Date | undefined => (v === null || v === undefined ? undefined : new Date(Number(v)));
const bool = (v: number | boolean | string): boolean => v === true || Number(v) === 1;

/** True when `actual` contains everything in `expected` (objects partially, everything else exactly). */
export function containsData(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => containsData((actual as Record<string, unknown>)[k], v));
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((v, i) => containsData(actual[i], v));
  }
  return actual === expected;
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

/** The value stored in the unique index for a job with a unique constraint. */
export function uniqueKeyFor(name: string, unique: Record<string, unknown>): string {
  return createHash('sha256').update(`${name}\u0000${stableJson(unique)}`).digest('hex');
}

function isDuplicateKey(err: unknown): boolean {
  return /unique constraint|duplicate entry|ER_DUP_ENTRY/i.test(String((err as Error)?.message ?? err));
}

function rowToJob<DATA = unknown>(row: JobRow): JobParameters<DATA> {
  const interval = row.repeatInterval;
  const job: JobParameters<DATA> = {
    _id: toJobId(row.id),
    name: row.name,
    priority: Number(row.priority),
    nextRunAt: row.nextRunAt === null ? null : new Date(Number(row.nextRunAt)),
    type: row.type === 'single' ? 'single' : 'normal',
    data: (row.data === null ? undefined : JSON.parse(row.data)) as DATA,
    disabled: bool(row.disabled),
  };
  const set = <K extends keyof JobParameters<DATA>>(k: K, v: JobParameters<DATA>[K] | undefined | null) => {
    if (v !== undefined && v !== null) job[k] = v;
  };
  set('lockedAt', date(row.lockedAt));
  set('lastRunAt', date(row.lastRunAt));
  set('lastFinishedAt', date(row.lastFinishedAt));
  set('failedAt', date(row.failedAt));
  set('failCount', row.failCount === null ? undefined : Number(row.failCount));
  set('failReason', row.failReason);
  set('repeatTimezone', row.repeatTimezone);
  set('repeatInterval', interval !== null && /^\d+$/.test(interval) ? Number(interval) : interval);
  set('repeatAt', row.repeatAt);
  set('progress', row.progress === null ? undefined : Number(row.progress));
  if (bool(row.fork)) job.fork = true;
  set('lastModifiedBy', row.lastModifiedBy);
  set('debounceStartedAt', date(row.debounceStartedAt));
  set('startDate', date(row.startDate));
  set('endDate', date(row.endDate));
  set('skipDays', row.skipDays === null ? undefined : (JSON.parse(row.skipDays) as number[]));
  return job;
}

/** The row of the job currently holding its lock, with the lock owner (for diagnostics and tests). */
export interface LockInfo {
  lockedAt: Date | null;
  lockedBy: string | null;
}

/**
 * Agenda's JobRepository on our own database (SQLite or MariaDB) through TypeORM.
 *
 * Locking is a single conditional UPDATE (`... WHERE id = ? AND (lockedAt IS NULL AND nextRunAt <= ?
 * OR lockedAt <= lockDeadline)`) whose affected-row count says who won: atomic on SQLite (writes are
 * serialised) and on MariaDB (InnoDB re-evaluates the condition under the row lock), so two workers
 * never hold one job; a lock older than its lifetime is taken over, which reruns a crashed worker's job.
 */
export class TypeormJobRepository implements JobRepository {
  /** Identifies this process in `lockedBy`. */
  readonly owner: string;

  constructor(
    private readonly ds: DataSource,
    owner?: string,
  ) {
    this.owner = owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  private async run(sql: string, params: unknown[] = []): Promise<{ records: JobRow[]; affected: number }> {
    const qr = this.ds.createQueryRunner();
    try {
      const r = await qr.query(sql, params, true);
      return { records: (r.records ?? []) as JobRow[], affected: r.affected ?? 0 };
    } finally {
      await qr.release();
    }
  }

  private async select(where: string, params: unknown[], tail = ''): Promise<JobRow[]> {
    const qr = this.ds.createQueryRunner();
    try {
      return (await qr.query(`SELECT * FROM \`${JOBS_TABLE}\`${where ? ` WHERE ${where}` : ''}${tail}`, params)) as JobRow[];
    } finally {
      await qr.release();
    }
  }

  private async rowById(id: string): Promise<JobRow | undefined> {
    return (await this.select('`id` = ?', [id]))[0];
  }

  async connect(): Promise<void> {
    try {
      await this.select('1 = 0', []);
    } catch (err) {
      throw new Error(`the ${JOBS_TABLE} table is missing: run "recurra migrate" (${(err as Error).message})`);
    }
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = await this.rowById(id);
    return row ? rowToJob(row) : null;
  }

  /** Who holds a job's lock (not part of Agenda's interface). */
  async lockInfo(id: string): Promise<LockInfo | null> {
    const row = await this.rowById(id);
    return row ? { lockedAt: date(row.lockedAt) ?? null, lockedBy: row.lockedBy } : null;
  }

  private static orderBy(sort?: JobsSort): string {
    const nullsLast = (c: string, dir: 'asc' | 'desc') => `(\`${c}\` IS NULL) ASC, \`${c}\` ${dir.toUpperCase()}`;
    if (!sort) return `${nullsLast('nextRunAt', 'desc')}, ${nullsLast('lastRunAt', 'desc')}`;
    const parts: string[] = [];
    if (sort.nextRunAt) parts.push(nullsLast('nextRunAt', sort.nextRunAt));
    if (sort.lastRunAt) parts.push(nullsLast('lastRunAt', sort.lastRunAt));
    if (sort.lastFinishedAt) parts.push(nullsLast('lastFinishedAt', sort.lastFinishedAt));
    if (sort.priority) parts.push(`\`priority\` ${sort.priority.toUpperCase()}`);
    if (sort.name) parts.push(`\`name\` ${sort.name.toUpperCase()}`);
    return parts.length > 0 ? parts.join(', ') : `${nullsLast('nextRunAt', 'desc')}, ${nullsLast('lastRunAt', 'desc')}`;
  }

  private static inList(column: string, values: unknown[], params: unknown[], negate = false): string {
    params.push(...values);
    return `\`${column}\` ${negate ? 'NOT IN' : 'IN'} (${values.map(() => '?').join(', ')})`;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { name, names, state, id, ids, search, data, includeDisabled = true, sort, skip = 0, limit = 0 } = options;
    const conds: string[] = [];
    const params: unknown[] = [];
    if (name) { conds.push('`name` = ?'); params.push(name); }
    else if (names && names.length > 0) conds.push(TypeormJobRepository.inList('name', names, params));
    if (id) { conds.push('`id` = ?'); params.push(id); }
    else if (ids && ids.length > 0) conds.push(TypeormJobRepository.inList('id', ids, params));
    if (search) { conds.push(likeSql('`name`', '?')); params.push(containsPattern(search)); }
    if (!includeDisabled) conds.push('`disabled` = 0');
    const rows = await this.select(conds.join(' AND '), params, ` ORDER BY ${TypeormJobRepository.orderBy(sort)}`);
    const now = new Date();
    let jobs: JobWithState[] = rows
      .map((r) => rowToJob(r))
      .filter((j) => data === undefined || containsData(j.data, data))
      .map((j) => ({ ...j, _id: j._id as JobId, state: computeJobState(j, now) }))
      .filter((j) => !state || (state === 'paused' ? j.disabled === true : j.state === state));
    const total = jobs.length;
    if (limit > 0) jobs = jobs.slice(skip, skip + limit);
    else if (skip > 0) jobs = jobs.slice(skip);
    return { jobs, total };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const byName = new Map<string, JobsOverview>();
    for (const row of await this.select('', [], ' ORDER BY `name`')) {
      const job = rowToJob(row);
      let o = byName.get(job.name);
      if (!o) {
        o = { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        byName.set(job.name, o);
      }
      o.total++;
      const s = computeJobState(job, now);
      o[s]++;
      if (job.disabled && s !== 'paused') o.paused++;
    }
    return [...byName.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    const qr = this.ds.createQueryRunner();
    try {
      const rows = (await qr.query(`SELECT DISTINCT \`name\` FROM \`${JOBS_TABLE}\` ORDER BY \`name\``)) as Array<{ name: string }>;
      return rows.map((r) => r.name);
    } finally {
      await qr.release();
    }
  }

  async getQueueSize(): Promise<number> {
    const qr = this.ds.createQueryRunner();
    try {
      const rows = (await qr.query(`SELECT COUNT(*) AS n FROM \`${JOBS_TABLE}\` WHERE \`nextRunAt\` < ?`, [Date.now()])) as Array<{ n: number | string }>;
      return Number(rows[0]?.n ?? 0);
    } finally {
      await qr.release();
    }
  }

  /** Ids of the jobs selected by Agenda's filter options; null when the options select nothing at all. */
  private async matchingIds(options: RemoveJobsOptions): Promise<string[] | null> {
    const conds: string[] = [];
    const params: unknown[] = [];
    if (options.id) { conds.push('`id` = ?'); params.push(String(options.id)); }
    else if (options.ids && options.ids.length > 0) conds.push(TypeormJobRepository.inList('id', options.ids.map(String), params));
    if (options.name) { conds.push('`name` = ?'); params.push(options.name); }
    else if (options.names && options.names.length > 0) conds.push(TypeormJobRepository.inList('name', options.names, params));
    else if (options.notNames && options.notNames.length > 0) conds.push(TypeormJobRepository.inList('name', options.notNames, params, true));
    if (conds.length === 0 && options.data === undefined) return null;
    const rows = await this.select(conds.join(' AND '), params);
    return rows
      .filter((r) => options.data === undefined || containsData(r.data === null ? undefined : JSON.parse(r.data), options.data))
      .map((r) => r.id);
  }

  private async updateByIds(ids: string[], set: string, params: unknown[], extraWhere = ''): Promise<number> {
    let affected = 0;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const p: unknown[] = [...params];
      const where = TypeormJobRepository.inList('id', chunk, p);
      const sql = set === 'DELETE'
        ? `DELETE FROM \`${JOBS_TABLE}\` WHERE ${where}${extraWhere}`
        : `UPDATE \`${JOBS_TABLE}\` SET ${set} WHERE ${where}${extraWhere}`;
      affected += (await this.run(sql, p)).affected;
    }
    return affected;
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = await this.matchingIds(options);
    return ids ? this.updateByIds(ids, 'DELETE', []) : 0;
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = await this.matchingIds(options);
    return ids ? this.updateByIds(ids, '`disabled` = 1, `updatedAt` = ?', [Date.now()], ' AND `disabled` = 0') : 0;
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = await this.matchingIds(options);
    return ids ? this.updateByIds(ids, '`disabled` = 0, `updatedAt` = ?', [Date.now()], ' AND `disabled` = 1') : 0;
  }

  async purgeAllJobs(): Promise<number> {
    return (await this.run(`DELETE FROM \`${JOBS_TABLE}\``)).affected;
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // Only jobs that are not being processed (a running one-off job has no nextRunAt).
    await this.run(
      `UPDATE \`${JOBS_TABLE}\` SET \`lockedAt\` = NULL, \`lockedBy\` = NULL WHERE \`id\` = ? AND \`nextRunAt\` IS NOT NULL`,
      [String(job._id)],
    );
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.updateByIds(jobIds.map(String), '`lockedAt` = NULL, `lockedBy` = NULL', []);
  }

  /**
   * Releases every lock held by `owner` (a stopping worker). A job whose run started but never
   * finished is made due now, so another worker reruns it at once rather than after the lock lifetime.
   */
  async releaseLocksHeldBy(owner: string): Promise<number> {
    const { affected } = await this.run(
      `UPDATE \`${JOBS_TABLE}\` SET
         \`nextRunAt\` = CASE WHEN \`lastRunAt\` IS NOT NULL AND (\`lastFinishedAt\` IS NULL OR \`lastRunAt\` > \`lastFinishedAt\`)
           THEN ? ELSE \`nextRunAt\` END,
         \`lockedAt\` = NULL, \`lockedBy\` = NULL
       WHERE \`lockedBy\` = ?`,
      [Date.now(), owner],
    );
    return affected;
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    const next = ms(job.nextRunAt);
    if (!job._id || next === null) return undefined;
    const { affected } = await this.run(
      `UPDATE \`${JOBS_TABLE}\` SET \`lockedAt\` = ?, \`lockedBy\` = ?, \`lastModifiedBy\` = ?
       WHERE \`id\` = ? AND \`name\` = ? AND \`lockedAt\` IS NULL AND \`nextRunAt\` = ? AND \`disabled\` = 0`,
      [Date.now(), this.owner, options?.lastModifiedBy ?? null, String(job._id), job.name, next],
    );
    if (affected !== 1) return undefined;
    const row = await this.rowById(String(job._id));
    return row ? rowToJob(row) : undefined;
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const lockTime = (now ?? new Date()).getTime();
    const due = '`disabled` = 0 AND ((`lockedAt` IS NULL AND `nextRunAt` <= ?) OR `lockedAt` <= ?)';
    const dueParams = [nextScanAt.getTime(), lockDeadline.getTime()];
    // Candidates in run order; another process may win any of them, so try each until one is ours.
    for (let round = 0; round < 3; round++) {
      const candidates = await this.select(
        `\`name\` = ? AND ${due}`,
        [jobName, ...dueParams],
        ' ORDER BY (`nextRunAt` IS NULL) ASC, `nextRunAt` ASC, `priority` DESC LIMIT 10',
      );
      if (candidates.length === 0) return undefined;
      for (const c of candidates) {
        const { affected } = await this.run(
          `UPDATE \`${JOBS_TABLE}\` SET \`lockedAt\` = ?, \`lockedBy\` = ?, \`lastModifiedBy\` = ? WHERE \`id\` = ? AND ${due}`,
          [lockTime, this.owner, options?.lastModifiedBy ?? null, c.id, ...dueParams],
        );
        if (affected === 1) {
          const row = await this.rowById(c.id);
          if (row) return rowToJob(row);
        }
      }
    }
    return undefined;
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const lockedAt = ms(job.lockedAt);
    const { affected } = await this.run(
      `UPDATE \`${JOBS_TABLE}\` SET \`lockedAt\` = ?, ${lockedAt === null ? '`lockedBy` = NULL, ' : ''}\`nextRunAt\` = ?,
         \`lastRunAt\` = ?, \`progress\` = ?, \`failReason\` = ?, \`failCount\` = ?, \`failedAt\` = ?, \`lastFinishedAt\` = ?,
         \`lastModifiedBy\` = ?, \`updatedAt\` = ?
       WHERE \`id\` = ? AND \`name\` = ?`,
      [
        lockedAt, ms(job.nextRunAt), ms(job.lastRunAt), progressValue(job.progress), failReasonText(job.failReason), job.failCount ?? null,
        ms(job.failedAt), ms(job.lastFinishedAt), options?.lastModifiedBy ?? null, Date.now(), String(job._id), job.name,
      ],
    );
    // MariaDB counts changed rows only, so an identical update reports 0: check that the row exists.
    if (affected === 0 && !(await this.rowById(String(job._id)))) {
      throw new Error(`job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
    }
  }

  /** Column values a save() writes (the definition of the job, not its processing state). */
  private static definitionValues(job: JobParameters, lastModifiedBy: string | null): Record<string, unknown> {
    return {
      name: job.name,
      priority: job.priority ?? 0,
      nextRunAt: ms(job.nextRunAt),
      type: job.type ?? 'normal',
      repeatTimezone: job.repeatTimezone ?? null,
      repeatInterval: job.repeatInterval === undefined || job.repeatInterval === null ? null : String(job.repeatInterval),
      data: job.data === undefined ? null : JSON.stringify(job.data),
      repeatAt: job.repeatAt ?? null,
      disabled: job.disabled ? 1 : 0,
      fork: job.fork ? 1 : 0,
      lastModifiedBy,
      startDate: ms(job.startDate),
      endDate: ms(job.endDate),
      skipDays: job.skipDays ? JSON.stringify(job.skipDays) : null,
      updatedAt: Date.now(),
    };
  }

  private async updateRow(id: string, values: Record<string, unknown>): Promise<JobRow | undefined> {
    const keys = Object.keys(values);
    await this.run(
      `UPDATE \`${JOBS_TABLE}\` SET ${keys.map((k) => `\`${k}\` = ?`).join(', ')} WHERE \`id\` = ?`,
      [...keys.map((k) => values[k]), id],
    );
    return this.rowById(id);
  }

  private async insertRow(values: Record<string, unknown>): Promise<JobRow> {
    const id = randomUUID();
    const all: Record<string, unknown> = { id, createdAt: Date.now(), ...values };
    const keys = Object.keys(all);
    await this.run(
      `INSERT INTO \`${JOBS_TABLE}\` (${keys.map((k) => `\`${k}\``).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
      keys.map((k) => all[k]),
    );
    const row = await this.rowById(id);
    if (!row) throw new Error(`job ${id} vanished right after insert`);
    return row;
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    const { _id, unique, uniqueOpts } = job;
    const by = options?.lastModifiedBy ?? null;
    const values = TypeormJobRepository.definitionValues(job as JobParameters, by);

    if (_id) {
      const update: Record<string, unknown> = { ...values };
      if (job.failReason !== undefined) update.failReason = failReasonText(job.failReason);
      if (job.failCount !== undefined) update.failCount = job.failCount;
      if (job.failedAt !== undefined) update.failedAt = ms(job.failedAt);
      const existing = await this.rowById(String(_id));
      if (!existing || existing.name !== job.name) return job; // removed meanwhile: return the data unchanged
      const row = await this.updateRow(existing.id, update);
      return row ? rowToJob<DATA>(row) : job;
    }

    // A fresh insert keeps whatever processing state the caller supplied.
    const processing = {
      lockedAt: ms(job.lockedAt), lastRunAt: ms(job.lastRunAt), lastFinishedAt: ms(job.lastFinishedAt),
      failedAt: ms(job.failedAt), failCount: job.failCount ?? null, failReason: failReasonText(job.failReason), progress: progressValue(job.progress),
    };

    for (let attempt = 0; ; attempt++) {
      try {
        if (job.type === 'single') return rowToJob<DATA>(await this.upsertSingle(job as JobParameters, values, processing));
        if (unique) return rowToJob<DATA>(await this.upsertUnique(job as JobParameters, unique, uniqueOpts, values, processing));
        return rowToJob<DATA>(await this.insertRow({ ...values, ...processing }));
      } catch (err) {
        // Another process inserted the same single/unique job between our look-up and insert: update it instead.
        if (attempt < 2 && isDuplicateKey(err)) continue;
        throw err;
      }
    }
  }

  private async upsertSingle(job: JobParameters, values: Record<string, unknown>, processing: Record<string, unknown>): Promise<JobRow> {
    const existing = (await this.select('`singleKey` = ?', [job.name]))[0];
    if (!existing) return this.insertRow({ ...values, ...processing, singleKey: job.name });
    const update = { ...values };
    delete update.type;
    // A due run already queued is not pushed back by re-saving the same recurring job.
    const next = ms(job.nextRunAt);
    if (next !== null && next <= Date.now() && existing.nextRunAt !== null) update.nextRunAt = Number(existing.nextRunAt);
    return (await this.updateRow(existing.id, update)) ?? existing;
  }

  private async upsertUnique(
    job: JobParameters,
    unique: Record<string, unknown>,
    uniqueOpts: JobParameters['uniqueOpts'],
    values: Record<string, unknown>,
    processing: Record<string, unknown>,
  ): Promise<JobRow> {
    const key = uniqueKeyFor(job.name, unique);
    const debounce = uniqueOpts?.debounce;
    const now = Date.now();
    const existing = (await this.select('`uniqueKey` = ?', [key]))[0];
    if (!existing) {
      const insert: Record<string, unknown> = { ...values, ...processing, uniqueKey: key };
      if (debounce) {
        insert.debounceStartedAt = now;
        if (debounce.strategy !== 'leading') insert.nextRunAt = now + debounce.delay;
      }
      return this.insertRow(insert);
    }
    if (uniqueOpts?.insertOnly && !debounce) return existing;
    const update: Record<string, unknown> = { ...values, debounceStartedAt: null };
    if (debounce) {
      const started = existing.debounceStartedAt === null ? now : Number(existing.debounceStartedAt);
      if (debounce.strategy === 'leading') {
        update.nextRunAt = existing.nextRunAt === null ? null : Number(existing.nextRunAt);
        update.debounceStartedAt = started;
      } else if (debounce.maxWait !== undefined && now - started >= debounce.maxWait) {
        update.nextRunAt = now;
      } else {
        update.nextRunAt = now + debounce.delay;
        update.debounceStartedAt = started;
      }
    }
    return (await this.updateRow(existing.id, update)) ?? existing;
  }
}
