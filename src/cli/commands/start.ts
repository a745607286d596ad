import type { Command } from 'commander';
import express from 'express';
import { openRuntime } from '../../app/runtime.js';
import { onShutdown } from '../../app/lifecycle.js';
import { createHttpApp } from '../../http/app.js';
import { listen } from '../../http/server.js';
import { describeTarget } from '../../db/data-source.js';
import { databaseTarget } from '../../app/runtime.js';
import { ensureFirstAdmin } from '../../users/bootstrap.js';
import { startDemo } from '../../http/demo.js';
import { createScheduler, exitAfterShutdown } from '../../app/scheduler.js';
import { jobsRouter } from '../../http/jobs-dashboard.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('migrate the database, then serve the web app and API until SIGINT/SIGTERM')
    .option('-p, --port <port>', 'HTTP port (overrides PORT and config)')
    .option('--no-scheduler', 'do not run jobs here (run `recurra worker` processes instead); default: config scheduler.enabled')
    .action(async (opts: { port?: string; scheduler: boolean }) => {
      if (opts.port !== undefined) process.env.PORT = opts.port;
      const rt = await openRuntime();
      const stoppers: Array<() => Promise<void>> = [() => rt.close()];
      // Signals are handled from here on; the stoppers added below are run too.
      const shutdown = onShutdown(rt.logger, stoppers);
      await ensureFirstAdmin(rt);
      const demo = await startDemo(rt);
      if (demo) stoppers.push(() => demo.close());
      // The scheduler (jobs run here unless disabled): Agendash at /admin/jobs, and the API's "sync now" queues through it.
      const scheduler = createScheduler(rt);
      if (opts.scheduler && rt.config.scheduler.enabled) {
        await scheduler.start();
        stoppers.push(() => scheduler.stop());
      }
      const app = express().disable('x-powered-by').set('trust proxy', rt.config.http.trustProxy);
      const jobs = jobsRouter(rt, scheduler);
      app.use(jobs, createHttpApp(rt, { scheduler }));
      const server = await listen(app, rt.config.http.host, rt.config.http.port);
      stoppers.push(() => server.close());
      stoppers.push(async () => jobs.closeFeeds()); // before the server closes (stoppers run last first): open live feeds would keep it waiting
      rt.logger.info({ url: server.url, database: describeTarget(databaseTarget(rt.config)) }, 'recurra started');
      process.stdout.write(`Recurra is listening on ${server.url}\n`);
      await shutdown;
      exitAfterShutdown();
    });
}
