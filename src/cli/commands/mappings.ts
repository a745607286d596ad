import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { generateMappings, listMappings, setMapping, unsetMapping } from '../../mapping/service.js';

export function register(program: Command): void {
  const m = program.command('mappings').description('links between Pax8 companies and local customers');
  m.command('list')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      await withTenant(opts.tenant, async (rt, _t, scope) => {
        const rows = await listMappings(scope, rt.config.pax8.portalCompanyUrl);
        if (opts.json) return printJson(rows);
        process.stdout.write(table(['pax8 company', 'pax8 name', 'customer', 'customer name', 'resource group', 'source', 'pax8 link'],
          rows.map((r) => [r.pax8CompanyId, r.pax8Name, r.customerId, r.customerName, r.resourceGroup, r.source, r.pax8PortalUrl])));
      });
    });
  m.command('generate')
    .description('link Pax8 companies to customers of exactly the same name; list suggestions and ambiguous names')
    .option(...TENANT_OPTION)
    .option('--dry-run', 'show the links without writing them')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; dryRun?: boolean; json?: boolean }) => {
      await withTenant(opts.tenant, async (_rt, _t, scope) => {
        const r = await generateMappings(scope, { dryRun: !!opts.dryRun });
        if (opts.json) return printJson(r);
        let out = `${opts.dryRun ? 'would link' : 'linked'} ${r.exact.length} exact match(es)\n`;
        for (const p of r.exact) out += `  ${p.pax8Name} -> ${p.customerName} (${p.customerId})\n`;
        out += `${r.suggestions.length} suggestion(s) (names equal after normalising; link with "recurra mappings set"):\n`;
        for (const p of r.suggestions) out += `  ${p.pax8Name} (${p.pax8CompanyId}) ~ ${p.customerName} (${p.customerId})\n`;
        out += `${r.ambiguous.length} ambiguous name(s), not linked:\n`;
        for (const a of r.ambiguous) out += `  ${a.pax8Name} (${a.pax8CompanyId}): ${a.candidates.map((c) => `${c.name} (${c.customerId})`).join(', ')}${a.competingPax8CompanyIds.length ? `; also wanted by ${a.competingPax8CompanyIds.join(', ')}` : ''}\n`;
        out += `${r.unmatched.length} Pax8 compan${r.unmatched.length === 1 ? 'y' : 'ies'} without a matching customer\n`;
        process.stdout.write(out);
      });
    });
  m.command('set')
    .description('map a Pax8 company to a customer (optionally with a usage resource group)')
    .option(...TENANT_OPTION)
    .requiredOption('--pax8-company <id>', 'Pax8 company id')
    .requiredOption('--customer <id>', 'local customer id')
    .option('--resource-group <name>', 'Pax8 resource group whose usage belongs to this customer ("" clears it)')
    .action(async (opts: { tenant?: string; pax8Company: string; customer: string; resourceGroup?: string }) => {
      await withTenant(opts.tenant, async (_rt, _t, scope) => {
        const r = await setMapping(scope, {
          pax8CompanyId: opts.pax8Company, customerId: opts.customer,
          ...(opts.resourceGroup !== undefined ? { resourceGroup: opts.resourceGroup === '' ? null : opts.resourceGroup } : {}),
        });
        process.stdout.write(`mapped Pax8 company ${r.pax8CompanyId} to customer ${r.customerId}${r.resourceGroup ? ` (resource group "${r.resourceGroup}")` : ''}\n`);
      });
    });
  m.command('unset')
    .description('remove the mapping of a Pax8 company or of a customer')
    .option(...TENANT_OPTION)
    .option('--pax8-company <id>', 'Pax8 company id')
    .option('--customer <id>', 'local customer id')
    .action(async (opts: { tenant?: string; pax8Company?: string; customer?: string }) => {
      if (!opts.pax8Company === !opts.customer) throw new UsageError('name exactly one of --pax8-company or --customer');
      await withTenant(opts.tenant, async (_rt, _t, scope) => {
        const n = await unsetMapping(scope, { pax8CompanyId: opts.pax8Company, customerId: opts.customer });
        process.stdout.write(n === 0 ? 'no such mapping\n' : 'mapping removed\n');
      });
    });
}
