import type { Command } from 'commander';
import { billingDate } from '../../invoices/billing-date.js';
import { runDailyPass } from '../../invoices/daily-pass.js';
import { TENANT_OPTION, withTenant } from '../tenant-command.js';

export function register(program: Command): void {
  const billing = program.command('billing').description('recurring-invoice billing passes');
  billing
    .command('daily')
    .description('daily pass: line quantities from the subscription history, quantity changes, pending pro-rata adjustments (catches up day by day)')
    .option('--date <YYYY-MM-DD>', 'process every day up to and including this date (default: today in the tenant\'s zone)')
    .option(...TENANT_OPTION)
    .option('--json', 'print the result as JSON')
    .action((opts: { date?: string; tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, tenant) => {
      const date = billingDate(tenant, opts.date);
      const r = await runDailyPass(rt.ds, tenant.id, date);
      if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const days = r.days.length === 0 ? `nothing to do (already processed through ${date})` : `processed ${r.days.length} day(s), ${r.days[0]} to ${r.days.at(-1)}`;
        process.stdout.write(`${days}: ${r.lineChanges} quantity change(s), ${r.adjustmentsCreated} adjustment(s) created, ${r.adjustmentsUpdated} corrected, ${r.adjustmentsRemoved} withdrawn; late corrections: ${r.correctionsCreated} created, ${r.correctionsUpdated} changed, ${r.correctionsRemoved} withdrawn; upcoming invoices: ${r.upcomingPrepared} prepared, ${r.upcomingUnchanged} unchanged\n`);
        if (r.stoppedBecause) process.stdout.write(`stopped: ${r.stoppedBecause}\n`);
        for (const p of r.problems) process.stdout.write(`problem: recurring invoice ${p.recurringInvoiceId}, line ${p.lineId}: ${p.message}\n`);
      }
    }));
}
