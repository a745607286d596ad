import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { onShutdown } from '../../app/lifecycle.js';
import { createHttpApp } from '../../http/app.js';
import { listen } from '../../http/server.js';
import { describeTarget } from '../../db/data-source.js';
import { databaseTarget } from '../../app/runtime.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('migrate the database, then serve the web app and API until SIGINT/SIGTERM')
    .option('-p, --port <port>', 'HTTP port (overrides PORT and config)')
    .action(async (opts: { port?: string }) => {
      if (opts.port !== undefined) process.env.PORT = opts.port;
      const rt = await openRuntime();
      const stoppers: Array<() => Promise<void>> = [() => rt.close()];
      const server = await listen(createHttpApp(rt), rt.config.http.host, rt.config.http.port);
      stoppers.push(() => server.close());
      rt.logger.info({ url: server.url, database: describeTarget(databaseTarget(rt.config)) }, 'recurra started');
      process.stdout.write(`Recurra is listening on ${server.url}\n`);
      await onShutdown(rt.logger, stoppers);
    });
}
