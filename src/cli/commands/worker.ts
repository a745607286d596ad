import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { onShutdown } from '../../app/lifecycle.js';
import { createScheduler, exitAfterShutdown } from '../../jobs/runtime.js';
import { startOperationsWorker } from '../../webhooks/worker.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run the job scheduler only (start more workers to share the work) until SIGINT/SIGTERM')
    .action(async () => {
      const rt = await openRuntime();
      const scheduler = createScheduler(rt);
      // Stoppers run in reverse: the scheduler drains (or releases its locks) before the database closes.
      // Signals are handled before the first job can start.
      const stopOperations = startOperationsWorker(rt); // Pax8 webhook queue and change-notice outbox
      const shutdown = onShutdown(rt.logger, [() => rt.close(), () => scheduler.stop(), stopOperations]);
      await scheduler.start();
      process.stdout.write(`Recurra worker ${scheduler.repository.owner} is running jobs (${scheduler.backend.name})\n`);
      await shutdown;
      exitAfterShutdown();
    });
}
