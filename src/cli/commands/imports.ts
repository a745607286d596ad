import type { Command } from 'commander';
import { CliFailure, UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { listRuns, showRun } from '../../imports/run-queries.js';
import { summarize } from './import.js';

export function register(program: Command): void {
  const imports = program.command('imports').description('import runs: what ran, when, and what it changed');
  imports
    .command('list')
    .description('recent import runs of a tenant, newest first')
    .option(...TENANT_OPTION)
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; limit: string; json?: boolean }) => {
      const limit = Number.parseInt(opts.limit, 10);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
      await withTenant(opts.tenant, async (rt, tenant) => {
        const runs = await listRuns(rt.ds, tenant.id, limit);
        if (opts.json) return printJson(runs);
        const total = (r: (typeof runs)[number], k: 'created' | 'updated' | 'errors') => Object.values(r.counts).reduce((s, c) => s + c[k], 0);
        process.stdout.write(table(
          ['id', 'started', 'status', 'entities', 'by', 'created', 'updated', 'errors'],
          runs.map((r) => [r.id, r.startedAt, r.status + (r.dryRun ? ' (dry)' : ''), r.entities.join(','), `${r.trigger}:${r.startedBy}`, total(r, 'created'), total(r, 'updated'), total(r, 'errors')]),
        ));
      });
    });
  imports
    .command('show')
    .description('one import run with its counts, findings and per-record errors (with raw payloads)')
    .argument('<runId>', 'import run id')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { tenant?: string; json?: boolean }) => {
      await withTenant(opts.tenant, async (rt, tenant) => {
        const run = await showRun(rt.ds, tenant.id, runId);
        if (!run) throw new CliFailure(`tenant "${tenant.name}" has no import run ${runId}`);
        if (opts.json) return printJson(run);
        let out = summarize(run);
        out += `  started ${run.startedAt} by ${run.trigger}:${run.startedBy}, finished ${run.finishedAt ?? '(still running or interrupted)'}\n`;
        for (const u of run.details.unmappedUsage ?? []) out += `  unmapped usage ${u.usageSummaryId} (subscription ${u.subscriptionId}${u.productName ? `, ${u.productName}` : ''})${u.amount ? ` ${u.amount} ${u.currency ?? ''}`.trimEnd() : ''}: ${u.reason}\n`;
        for (const m of run.details.linesMismatch ?? []) out += `  lines mismatch ${m.usageSummaryId} ${m.month}: charges ${m.charges}, lines ${m.linesTotal}\n`;
        for (const l of run.details.invoiceLines ?? []) out += `  invoice line for ${l.subscriptionPax8Id}: ${l.added ? `added to ${l.recurringInvoiceId}` : `not added (${l.reason})`}\n`;
        for (const e of run.errors ?? []) out += `  error ${e.entity} ${e.pax8Id ?? '-'}: ${e.message}\n    raw: ${JSON.stringify(e.rawPayload)?.slice(0, 500)}\n`;
        process.stdout.write(out);
      });
    });
}
