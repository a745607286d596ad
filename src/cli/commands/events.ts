import type { Command } from 'commander';
import { CliFailure, UsageError } from '../errors.js';
import { printJson, splitList, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { EventQueryError, exportEventsCsv, queryEvents, type EventColumn, type EventQuery } from '../../events/query.js';
import { logImportChanges } from '../../events/log.js';
import { detectChanges } from '../../notices/detect.js';
import { deliverPending } from '../../notices/deliver.js';
import { processWebhookQueue, registerEndpoint, unregisterEndpoint, WebhookError } from '../../webhooks/service.js';

/** `recurra events list|export|process|webhook-endpoint` (issue 9): the licence event log, notices and webhooks. */

interface ViewOpts {
  tenant?: string;
  search?: string;
  type?: string;
  sort?: string;
  dir?: string;
  columns?: string;
}

function view(opts: ViewOpts): EventQuery {
  return {
    search: opts.search, type: opts.type, sort: opts.sort as EventColumn | undefined, dir: opts.dir === 'asc' || opts.dir === 'desc' ? opts.dir : undefined,
    columns: splitList(opts.columns) as EventColumn[] | undefined,
  };
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof EventQueryError) throw new CliFailure(err.message);
    throw err;
  }
}

const viewOptions = (c: Command) => c
  .option(...TENANT_OPTION).option('--search <text>', 'search type, source, target and initiated by')
  .option('--type <type>', 'only this event type').option('--sort <column>', 'occurredAt, type, source, target, licenceCount, initiatedBy')
  .option('--dir <dir>', 'asc | desc').option('--columns <list>', 'comma-separated columns in display order');

export function register(program: Command): void {
  const e = program.command('events').description('the licence event log, change notices and Pax8 webhooks');
  viewOptions(e.command('list').description('show the event log'))
    .option('--page <n>', 'page (0-based)', '0').option('--size <n>', 'rows per page', '50').option('--json', 'print JSON')
    .action(async (opts: ViewOpts & { page: string; size: string; json?: boolean }) => {
      await withTenant(opts.tenant, async (_rt, _t, scope) => {
        const p = await run(() => queryEvents(scope, { ...view(opts), page: Number(opts.page), size: Number(opts.size) }));
        if (opts.json) return printJson(p);
        process.stdout.write(table(p.headers, p.rows.map((r) => p.columns.map((c) => r[c] ?? ''))));
        process.stdout.write(`${p.rows.length} of ${p.total}\n`);
      });
    });
  viewOptions(e.command('export').description('CSV of the current view, or of all columns with --all'))
    .option('--all', 'every column')
    .action(async (opts: ViewOpts & { all?: boolean }) => {
      await withTenant(opts.tenant, async (_rt, _t, scope) => {
        process.stdout.write(await run(() => exportEventsCsv(scope, view(opts), !!opts.all)));
      });
    });
  e.command('process')
    .description('process queued Pax8 webhooks, log import changes, detect changes and send notices now')
    .option(...TENANT_OPTION)
    .action(async (opts: { tenant?: string }) => {
      await withTenant(opts.tenant, async (rt, tenant, scope) => {
        const w = await processWebhookQueue({ ds: rt.ds, secrets: rt.secrets, deliver: false }, tenant.id);
        const logged = await logImportChanges(scope);
        const d = await detectChanges(scope, tenant);
        const s = await deliverPending(rt.ds, rt.secrets, tenant.id);
        process.stdout.write(`webhooks processed ${w.processed} (failed ${w.failed}); import changes logged ${logged}; `
          + `${d.baseline ? 'baseline recorded' : `notices ${d.notices.length + w.notices}`}; sent ${s.sent}, failed ${s.failed}, retrying ${s.retrying}\n`);
      });
    });
  e.command('webhook-endpoint')
    .description('register (or rotate) the tenant\'s webhook with Pax8 (/api/v2/webhooks), or unregister it with --remove; the secret is never printed')
    .option('--base-url <url>', 'Recurra\'s public base URL, e.g. https://recurra.example (required to register)')
    .option('--tenant <name>', 'tenant name').option('--topics <list>', 'comma-separated Pax8 topics (default: Pax8\'s subscription topics from its topic definitions; each registered with one filter per action it lists)')
    .option('--remove', 'delete the webhook at Pax8, then here').option('--force', 'with --remove: remove here even if Pax8 refuses')
    .action(async (opts: { tenant?: string; baseUrl?: string; topics?: string; remove?: boolean; force?: boolean }) => {
      await withTenant(opts.tenant, async (rt, tenant) => {
        try {
          if (opts.remove) return printJson(await unregisterEndpoint(rt.ds, rt.secrets, tenant, { force: !!opts.force }));
          if (!opts.baseUrl) throw new UsageError('--base-url is required to register');
          printJson(await registerEndpoint(rt.ds, rt.secrets, tenant, { baseUrl: opts.baseUrl, topics: splitList(opts.topics) }));
        } catch (err) {
          if (err instanceof WebhookError) throw new CliFailure(err.message);
          throw err;
        }
      });
    });
}
