import type { Clock } from '../common/clock.js';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadConfig, type RecurraConfig } from '../config/index.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { openDatabase, describeTarget, type DatabaseTarget } from '../db/data-source.js';
import { SecretBox } from '../crypto/secret-box.js';
import { resolveSecretKey } from '../crypto/secret-key.js';
import type { Scheduler } from '../jobs/scheduler.js';

/** What every command and server shares: config, logger, the open database and the secret box. */
export interface Runtime {
  config: RecurraConfig;
  logger: Logger;
  ds: DataSource;
  secrets: SecretBox;
  /**
   * The process's scheduler, when the process made one (`recurra start` passes it to createHttpApp). Code that
   * only queues jobs uses `jobQueue(rt)` (src/app/scheduler.ts), which falls back to a queue-only scheduler:
   * jobs live in the database, so whichever process runs the scheduler (`recurra start`, `recurra worker`) runs them.
   */
  scheduler?: Scheduler;
  /** The business clock for what the process decides by "today" (web pages; tests pass a fixed one). Default: the system clock. */
  clock?: Clock;
  close(): Promise<void>;
}

export function databaseTarget(config: RecurraConfig): DatabaseTarget {
  return {
    url: config.database.url,
    sqlitePath: path.resolve(config.dataDir, config.database.sqliteFile),
    logging: config.database.logging,
  };
}

export interface RuntimeOptions {
  config?: RecurraConfig;
  logger?: Logger;
  migrate?: boolean;
}

export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const config = opts.config ?? loadConfig();
  const logger = opts.logger ?? createLogger(config.log.level);
  const embedded = config.database.url === null;
  const secrets = new SecretBox(resolveSecretKey(config.secretKey, path.resolve(config.dataDir), embedded || config.env !== 'production'));
  const target = databaseTarget(config);
  const { ds, applied } = await openDatabase(target, opts.migrate ?? true);
  if (applied.length > 0) logger.info({ applied, database: describeTarget(target) }, 'migrations applied');
  return {
    config,
    logger,
    ds,
    secrets,
    async close() {
      if (ds.isInitialized) await ds.destroy();
    },
  };
}
