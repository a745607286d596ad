import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { listCustomers } from '../../customers/service.js';

export function register(program: Command): void {
  const c = program.command('customers').description('local customers');
  c.command('list')
    .option(...TENANT_OPTION)
    .option('--active', 'only active customers')
    .option('--inactive', 'only inactive customers')
    .option('--unmapped', 'only customers without a Pax8 mapping')
    .option('--search <text>', 'name contains')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; active?: boolean; inactive?: boolean; unmapped?: boolean; search?: string; json?: boolean }) => {
      if (opts.active && opts.inactive) throw new UsageError('choose --active or --inactive, not both');
      await withTenant(opts.tenant, async (rt, _t, scope) => {
        const rows = await listCustomers(scope, rt.config.pax8.portalCompanyUrl, {
          ...(opts.active ? { active: true } : opts.inactive ? { active: false } : {}), ...(opts.unmapped ? { mapped: false } : {}), search: opts.search,
        });
        if (opts.json) return printJson(rows);
        process.stdout.write(table(['id', 'name', 'top level', 'active', 'city', 'country', 'pax8 link'],
          rows.map((r) => [r.id, r.name, r.topLevel, r.active, r.site.city, r.site.country, r.pax8PortalUrl])));
      });
    });
}
