import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { databaseTarget } from '../../app/runtime.js';
import { describeTarget } from '../../db/data-source.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema (SQLite by default, MariaDB with DATABASE_URL)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rt = await openRuntime({ migrate: false });
      try {
        const applied = (await rt.ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
        const target = describeTarget(databaseTarget(rt.config));
        if (opts.json) process.stdout.write(JSON.stringify({ database: target, applied }) + '\n');
        else if (applied.length === 0) process.stdout.write(`${target}: schema is up to date\n`);
        else process.stdout.write(`${target}: applied ${applied.length} migration(s)\n${applied.map((n) => `  ${n}\n`).join('')}`);
      } finally {
        await rt.close();
      }
    });
}
