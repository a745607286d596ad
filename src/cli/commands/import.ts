import type { Command } from 'commander';
import { cliActor } from '../who-am-i.js';
import { CliFailure } from '../errors.js';
import { printJson, splitList, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { runImport } from '../../imports/run-import.js';
import { runErrors } from '../../imports/run-queries.js';
import type { ProgressEvent } from '../../imports/context.js';
import type { ImportRunView } from '../../imports/run-view.js';

interface ImportCliOptions {
  tenant?: string;
  entities?: string;
  customers?: string;
  dryRun?: boolean;
  full?: boolean;
  json?: boolean;
}

function progressPrinter(): ((e: ProgressEvent) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (e) => {
    process.stderr.write(`\r\x1b[K${e.entity}: ${e.done}${e.total !== undefined ? ' done' : '…'}${e.message ? ` ${e.message}` : ''}${e.total !== undefined ? '\n' : ''}`);
  };
}

export function summarize(run: ImportRunView): string {
  const lines = [`import ${run.id} ${run.status}${run.dryRun ? ' (dry run: nothing written)' : ''}`];
  for (const [entity, c] of Object.entries(run.counts)) {
    lines.push(`  ${entity.padEnd(13)} created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, deactivated ${c.deactivated}, skipped ${c.skipped}, errors ${c.errors}`);
  }
  const d = run.details;
  if (d.error) lines.push(`  failed: ${d.error.split('\n')[0]}`);
  if (d.unmappedUsage?.length) lines.push(`  usage summaries without a customer: ${d.unmappedUsage.length} (recurra imports show ${run.id})`);
  if (d.usageReads) {
    const r = Object.entries(d.usageReads.reasons).map(([k, n]) => `${k.replace('_', ' ')} ${n}`).join(', ');
    lines.push(`  usage days asked for: ${d.usageReads.days}${r ? ` (summaries: ${r})` : ''}`);
  }
  if (d.linesMismatch?.length) lines.push(`  usage summaries whose lines do not add up: ${d.linesMismatch.length}`);
  if (d.unmappedSkus?.length) lines.push(`  subscriptions without a SKU: ${d.unmappedSkus.length}`);
  if (d.planned?.length) for (const p of d.planned.slice(0, 50)) lines.push(`  would ${p.outcome === 'created' ? 'create' : p.outcome === 'deactivated' ? 'deactivate' : 'update'} ${p.entity} ${p.pax8Id}${p.fields ? ` (${p.fields.join(', ')})` : ''}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('import')
    .description('import customers, products, subscriptions and usage from Pax8 for one tenant')
    .option(...TENANT_OPTION)
    .option('--entities <list>', 'comma-separated: customers,products,subscriptions,usage (default all)')
    .option('--customers <ids>', 'comma-separated local customer ids: only their subscriptions and usage')
    .option('--dry-run', 'show what would change without writing')
    .option('--full', 'usage: read every day of the open months, not only the days that can still change')
    .option('--json', 'print the run record as JSON')
    .action(async (opts: ImportCliOptions) => {
      await withTenant(opts.tenant, async (rt, tenant) => {
        const run = await runImport({ ds: rt.ds, secrets: rt.secrets }, {
          tenantId: tenant.id, entities: opts.entities, customers: splitList(opts.customers), dryRun: !!opts.dryRun, fullUsage: !!opts.full,
          trigger: 'cli', startedBy: cliActor(), onProgress: opts.json ? undefined : progressPrinter(),
        });
        const errors = await runErrors(rt.ds, tenant.id, run.id);
        if (opts.json) printJson({ ...run, errors });
        else process.stdout.write(summarize(run));
        if (run.status === 'failed') throw new CliFailure(`import ${run.id} failed: ${(run.details.error ?? 'unknown error').split('\n')[0]}`);
      });
    });
}
