import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { Customer, RecurringInvoice, RecurringInvoiceLine } from '../../db/entities/index.js';
import { TenantScope } from '../../db/tenant-scope.js';
import { resolveTenant, TenantChoiceError } from '../../invoices/cli-support.js';
import { UsageError } from '../errors.js';

export function register(program: Command): void {
  const ri = program.command('recurring-invoices').description('customers\' recurring invoices');
  ri.command('list')
    .description('list recurring invoices with their schedule, next invoice date and line count')
    .option('--tenant <name>', 'tenant name (optional when there is only one)')
    .option('--json', 'print as JSON')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const rt = await openRuntime();
      try {
        const tenant = await resolveTenant(rt.ds, opts.tenant).catch((err: unknown) => {
          throw err instanceof TenantChoiceError ? new UsageError(err.message) : err;
        });
        const scope = new TenantScope(rt.ds.manager, tenant.id);
        const [ris, customers, lines] = await Promise.all([
          scope.repo(RecurringInvoice).find({ order: { createdAt: 'ASC' } }), scope.repo(Customer).find(), scope.repo(RecurringInvoiceLine).find(),
        ]);
        const names = new Map(customers.map((c) => [c.id, c.name]));
        const view = ris.map((r) => ({
          id: r.id, customer: names.get(r.customerId) ?? r.customerId, name: r.name, frequency: r.frequency, anchorDay: r.anchorDay,
          startDate: r.startDate, nextInvoiceDate: r.nextInvoiceDate, currency: r.currency, taxRate: r.taxRate.toString(), status: r.status,
          lines: lines.filter((l) => l.recurringInvoiceId === r.id).length,
        }));
        if (opts.json) process.stdout.write(`${JSON.stringify(view)}\n`);
        else for (const v of view) process.stdout.write(`${v.id}\t${v.customer}\t${v.name}\t${v.frequency}/${v.anchorDay}\tnext ${v.nextInvoiceDate}\t${v.currency}\t${v.lines} line(s)\t${v.status}\n`);
      } finally {
        await rt.close();
      }
    });
}
