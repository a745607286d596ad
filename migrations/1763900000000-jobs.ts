import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { col, isSqlite } from './helpers.js';

/**
 * The scheduler's job table (Agenda backend on TypeORM). Every instant is an integer of epoch
 * milliseconds: it compares and orders the same on SQLite and MariaDB and no driver shifts it.
 * `singleKey` and `uniqueKey` carry unique indexes (NULLs never collide) so "single" jobs and
 * jobs with a unique constraint stay unique across processes.
 */
export class Jobs1763900000000 implements MigrationInterface {
  name = 'Jobs1763900000000';

  async up(qr: QueryRunner): Promise<void> {
    const ms = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
    const real = (name: string): TableColumnOptions => ({ name, type: isSqlite(qr) ? 'real' : 'double', isNullable: true });
    await qr.createTable(
      new Table({
        name: 'agenda_jobs',
        columns: [
          col.id(), col.str('name', 191), col.int('priority', false, 0), col.str('type', 10, false, 'normal'),
          ms('nextRunAt'), ms('lockedAt'), col.str('lockedBy', 191, true), ms('lastRunAt'), ms('lastFinishedAt'),
          ms('failedAt'), col.int('failCount', true), col.text('failReason'), col.str('repeatTimezone', 64, true),
          col.str('repeatInterval', 255, true), col.str('repeatAt', 64, true), col.text('data'),
          col.bool('disabled', false), real('progress'), col.bool('fork', false), col.str('lastModifiedBy', 191, true),
          col.str('singleKey', 191, true), col.str('uniqueKey', 64, true), ms('debounceStartedAt'),
          ms('startDate'), ms('endDate'), col.str('skipDays', 40, true), ms('createdAt', false), ms('updatedAt', false),
        ],
      }),
    );
    const idx = (name: string, columnNames: string[], isUnique = false) =>
      qr.createIndex('agenda_jobs', new TableIndex({ name, columnNames, isUnique }));
    await idx('IX_agenda_jobs_name_nextRunAt', ['name', 'nextRunAt', 'priority']);
    await idx('IX_agenda_jobs_lockedAt', ['lockedAt']);
    await idx('UQ_agenda_jobs_singleKey', ['singleKey'], true);
    await idx('UQ_agenda_jobs_uniqueKey', ['uniqueKey'], true);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('agenda_jobs');
  }
}
