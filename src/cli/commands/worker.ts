import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { onShutdown } from '../../app/lifecycle.js';
import { createScheduler, exitAfterShutdown } from '../../app/scheduler.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run the job scheduler only: syncs, billing, reconciliation, webhook deliveries and notices (start more workers to share the work) until SIGINT/SIGTERM')
    .action(async () => {
      const rt = await openRuntime();
      const scheduler = createScheduler(rt);
      // Stoppers run in reverse: the scheduler drains (or releases its locks) before the database closes.
      // Signals are handled before the first job can start.
      const shutdown = onShutdown(rt.logger, [() => rt.close(), () => scheduler.stop()]);
      await scheduler.start();
      process.stdout.write(`Recurra worker ${scheduler.repository.owner} is running jobs (${scheduler.backend.name})\n`);
      await shutdown;
      exitAfterShutdown();
    });
}
