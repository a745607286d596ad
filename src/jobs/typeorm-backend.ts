import type { DataSource } from 'typeorm';
import type { AgendaBackend } from 'agenda';
import { TypeormJobRepository } from './typeorm-repository.js';

/**
 * Agenda backend on Recurra's own database (SQLite or MariaDB). Storage only: without a
 * notification channel Agenda polls every `processEvery`. The connection belongs to the
 * application (ownsConnection = false), so stopping Agenda never closes the data source.
 */
export class TypeormAgendaBackend implements AgendaBackend {
  readonly name: string;
  readonly repository: TypeormJobRepository;
  readonly ownsConnection = false;

  constructor(ds: DataSource, owner?: string) {
    this.repository = new TypeormJobRepository(ds, owner);
    this.name = ds.options.type === 'better-sqlite3' ? 'TypeORM (SQLite)' : 'TypeORM (MariaDB)';
  }

  connect(): Promise<void> {
    return this.repository.connect();
  }

  async disconnect(): Promise<void> {
    // Nothing to close: the data source is shared with the rest of the process.
  }
}
