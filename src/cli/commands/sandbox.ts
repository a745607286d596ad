import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { startSandbox, type SandboxOptions } from '../../pax8/sandbox/index.js';

function int(name: string, min: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${raw}`);
    return Number(raw);
  };
}

interface SandboxFlags {
  port: number;
  host: string;
  seed: number;
  companies: number;
  subscriptions?: number;
  usageSummaries?: number;
  clientId: string;
  clientSecret: string;
  tokenLifetime: number;
  rateLimit: string;
  now?: string;
}

/** `recurra sandbox`: runs the local Pax8 API sandbox until SIGINT/SIGTERM. */
export function register(program: Command): void {
  program
    .command('sandbox')
    .description('Run a local Pax8 Partner API sandbox on deterministic generated data (until Ctrl-C)')
    .option('--port <port>', 'port to listen on (0 = random)', int('port', 0), 4010)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <seed>', 'data seed', int('seed', 0), 42)
    .option('--companies <n>', 'number of companies', int('companies', 1), 200)
    .option('--subscriptions <n>', 'number of subscriptions (default 5 per company)', int('subscriptions', 0))
    .option('--usage-summaries <n>', 'number of usage summaries (default 40% of companies)', int('usage-summaries', 0))
    .option('--client-id <id>', 'OAuth client id', 'sandbox-client')
    .option('--client-secret <secret>', 'OAuth client secret', 'sandbox-secret')
    .option('--token-lifetime <seconds>', 'bearer token lifetime', int('token-lifetime', 1), 86400)
    .option('--rate-limit <perMinute>', 'requests per minute per token, or "off"', '1000')
    .option('--now <iso>', 'sandbox clock start (ISO instant)')
    .action(async (flags: SandboxFlags) => {
      let rateLimitPerMinute: number | null = null;
      if (flags.rateLimit !== 'off') rateLimitPerMinute = int('rate-limit', 1)(flags.rateLimit);
      if (flags.now !== undefined && Number.isNaN(Date.parse(flags.now))) throw new UsageError(`--now must be an ISO instant, got ${flags.now}`);
      const opts: SandboxOptions = {
        port: flags.port,
        host: flags.host,
        seed: flags.seed,
        companies: flags.companies,
        clientId: flags.clientId,
        clientSecret: flags.clientSecret,
        tokenLifetimeSeconds: flags.tokenLifetime,
        rateLimitPerMinute,
        // A running sandbox's clock stands still: pending quantity changes also settle after 30 s of wall clock.
        pendingSettleWallMs: 30_000,
        ...(flags.subscriptions !== undefined ? { subscriptions: flags.subscriptions } : {}),
        ...(flags.usageSummaries !== undefined ? { usageSummaries: flags.usageSummaries } : {}),
        ...(flags.now !== undefined ? { now: flags.now } : {}),
      };
      const sb = await startSandbox(opts);
      const d = sb.data;
      process.stdout.write(
        [
          `Pax8 sandbox listening (seed ${d.seed}: ${d.companies.length} companies, ${d.products.length} products, ` +
            `${d.subscriptions.length} subscriptions, ${d.usageSummaries.length} usage summaries)`,
          `Token URL:    ${sb.tokenUrl}`,
          `API base URL: ${sb.baseUrl}`,
          `Admin URL:    ${sb.adminUrl}  (basic auth with the client id/secret)`,
          `Client id:    ${sb.clientId}`,
          `Audience:     ${sb.audience}`,
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sb.close();
      process.stdout.write('Pax8 sandbox stopped.\n');
    });
}
