import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseTarget } from '../../../src/db/data-source.js';
import { TEST_DATABASE_URL } from '../../support/database.js';

/**
 * The scheduler suites use their own MariaDB database (`<TEST_DATABASE_URL database>_jobs`) so other
 * suites emptying the shared test database in parallel cannot pull the job table away mid-test.
 * `shared` asks for a SQLite file (other processes can open it) instead of memory.
 */
export function jobsTestTarget(shared = false): DatabaseTarget {
  if (TEST_DATABASE_URL) {
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `${u.pathname.replace(/\/$/, '')}_jobs`;
    return { url: u.toString(), sqlitePath: '' };
  }
  if (!shared) return { url: null, sqlitePath: ':memory:' };
  return { url: null, sqlitePath: path.join(mkdtempSync(path.join(tmpdir(), 'recurra-jobs-')), 'recurra.sqlite') };
}
