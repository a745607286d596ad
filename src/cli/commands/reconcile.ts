import type { Command } from 'commander';
import { systemClock } from '../../common/clock.js';
import { tenantToday } from '../../common/tenant-date.js';
import { importPax8Billing } from '../../pax8-billing/import.js';
import { CSV_PARTS, reportCsv, type CsvPart } from '../../reconcile/csv.js';
import { isMonth } from '../../reconcile/load.js';
import { applyFix, notifyLeakage, reconcileMonth, viewReport } from '../../reconcile/service.js';
import { reportText } from '../../reconcile/text.js';
import { pax8ClientFor } from '../../tenants/pax8-client.js';
import { TenantService } from '../../tenants/service.js';
import { CliFailure, UsageError } from '../errors.js';
import { TENANT_OPTION, withTenant } from '../tenant-command.js';

function month(v: string): string {
  if (!isMonth(v)) throw new UsageError(`--month must be YYYY-MM, got "${v}"`);
  return v;
}

interface Options { tenant?: string; month?: string; json?: boolean; csv?: string | boolean; import?: boolean; notify: boolean }

export function register(program: Command): void {
  const cmd = program
    .command('reconcile')
    .description('margin and leakage: what Pax8 bills the partner against what Recurra billed customers, for one month')
    .option(...TENANT_OPTION)
    .option('--month <YYYY-MM>', 'the month to reconcile (required)')
    .option('--json', 'print the reconciliation as JSON (the API\'s shape)')
    .option('--csv [part]', `print CSV: ${CSV_PARTS.join(', ')} (default rows)`)
    .option('--import', 'import Pax8\'s invoices and current draft items first')
    .option('--no-notify', 'do not send the leakage notice to admins')
    .action(async (o: Options) => {
      if (o.month === undefined) throw new UsageError('--month YYYY-MM is required');
      const m = month(o.month);
      const part = (o.csv === undefined || o.csv === true ? 'rows' : o.csv) as CsvPart;
      if (o.csv !== undefined && !CSV_PARTS.includes(part)) throw new UsageError(`--csv must be one of ${CSV_PARTS.join(', ')}`);
      await withTenant(o.tenant, async (rt, tenant, scope) => {
        if (o.import) {
          const client = pax8ClientFor(new TenantService(rt.ds, rt.secrets), tenant);
          const r = await importPax8Billing(scope, client, { today: tenantToday(tenant, rt.clock ?? systemClock) });
          process.stderr.write(`imported ${r.invoicesImported} of ${r.invoicesSeen} Pax8 invoice(s), ${r.items} item(s), ${r.draftItems} draft item(s)`
            + `${r.errors.length ? `; ${r.errors.length} problem(s): ${r.errors.slice(0, 3).join('; ')}` : ''}\n`);
        }
        const report = await reconcileMonth(rt.ds, tenant, m);
        const view = viewReport(report);
        if (o.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        else if (o.csv !== undefined) process.stdout.write(reportCsv(view, part));
        else process.stdout.write(reportText(view, tenant.displayName || tenant.name));
        if (o.notify) {
          for (const n of await notifyLeakage(rt.ds, tenant, report)) {
            process.stderr.write(`leakage ${n.leakage} ${n.currency} is above the threshold ${n.threshold}: notice sent to ${n.recipients} admin(s)\n`);
          }
        }
      });
    });

  cmd
    .command('fix')
    .description('apply a finding\'s one-click fix (e.g. add an unbilled subscription to the customer\'s recurring invoice)')
    .option(...TENANT_OPTION)
    .requiredOption('--month <YYYY-MM>', 'the month the finding belongs to')
    .requiredOption('--finding <key>', 'the finding key (shown by recurra reconcile)')
    .action(async (o: { tenant?: string; month: string; finding: string }) => {
      const m = month(o.month);
      await withTenant(o.tenant, async (rt, tenant) => {
        const r = await applyFix(rt.ds, tenant, m, o.finding);
        if (!r.applied) throw new CliFailure(`not fixed: ${r.message}`);
        process.stdout.write(`${r.message}\n`);
      });
    });
}
