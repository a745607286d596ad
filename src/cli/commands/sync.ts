import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { createScheduler } from '../../app/scheduler.js';
import { whoAmI } from '../who-am-i.js';
import { SyncAlreadyRunningError, SyncRefusedError } from '../../jobs/scheduler.js';
import { SYNC_ENTITIES, type SyncEntity } from '../../tenants/settings.js';
import { CliFailure, UsageError } from '../errors.js';
import { Tenant } from '../../db/entities/index.js';
import { unsyncableCustomers } from '../../imports/sync-customers.js';

export function parseSyncEntities(list: string | undefined): SyncEntity[] {
  if (list === undefined) return [...SYNC_ENTITIES];
  const items = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((e) => !(SYNC_ENTITIES as readonly string[]).includes(e));
  if (items.length === 0 || bad.length > 0) {
    throw new UsageError(`--entities: ${bad.length > 0 ? `unknown ${bad.join(', ')}; ` : ''}use a comma-separated list of ${SYNC_ENTITIES.join(', ')}`);
  }
  return [...new Set(items)] as SyncEntity[];
}

export function register(program: Command): void {
  program
    .command('sync')
    .description("sync now: queue an import of a tenant's entities from Pax8 (a worker or `recurra start` runs it)")
    .requiredOption('--tenant <name>', 'tenant name')
    .option('--entities <list>', `comma-separated: ${SYNC_ENTITIES.join(', ')} (default: all)`)
    .option('--customers <ids>', 'comma-separated local customer ids: the subscriptions and usage syncs import only theirs')
    .option('--json', 'print the queued jobs as JSON')
    .action(async (opts: { tenant: string; entities?: string; customers?: string; json?: boolean }) => {
      const entities = parseSyncEntities(opts.entities);
      const customers = opts.customers?.split(',').map((s) => s.trim()).filter(Boolean);
      if (opts.customers !== undefined && !customers?.length) throw new UsageError('--customers: a comma-separated list of customer ids');
      const rt = await openRuntime();
      try {
        if (customers) {
          const tenant = await rt.ds.manager.findOneBy(Tenant, { name: opts.tenant });
          const problem = tenant ? await unsyncableCustomers(rt.ds.manager, tenant.id, customers) : null;
          if (problem) throw new CliFailure(`--customers: ${problem}`);
        }
        const jobs = await createScheduler(rt).syncNow(opts.tenant, entities, 'cli', whoAmI(), { customers });
        if (opts.json) process.stdout.write(JSON.stringify({ tenant: opts.tenant, jobs }) + '\n');
        else {
          process.stdout.write(`Queued for tenant "${opts.tenant}":\n${jobs.map((j) => `  ${j.entity} sync (job ${j.jobId})\n`).join('')}`);
          if (!rt.config.scheduler.enabled) process.stdout.write('Note: scheduler.enabled is false here; a `recurra worker` must be running to run it.\n');
        }
      } catch (err) {
        if (err instanceof SyncAlreadyRunningError || err instanceof SyncRefusedError) throw new CliFailure(err.message);
        throw err;
      } finally {
        await rt.close();
      }
    });
}
