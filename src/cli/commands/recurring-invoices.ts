import type { Command } from 'commander';
import { Customer, RecurringInvoice, RecurringInvoiceLine } from '../../db/entities/index.js';
import { TENANT_OPTION, withTenant } from '../tenant-command.js';

export function register(program: Command): void {
  const ri = program.command('recurring-invoices').description('customers\' recurring invoices');
  ri.command('list')
    .description('list recurring invoices with their schedule, next invoice date and line count')
    .option(...TENANT_OPTION)
    .option('--json', 'print as JSON')
    .action((opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (_rt, _tenant, scope) => {
      const [ris, customers, lines] = await Promise.all([
        scope.repo(RecurringInvoice).find({ order: { createdAt: 'ASC' } }), scope.repo(Customer).find(), scope.repo(RecurringInvoiceLine).find(),
      ]);
      const names = new Map(customers.map((c) => [c.id, c.name]));
      const lineCounts = new Map<string, number>();
      for (const l of lines) lineCounts.set(l.recurringInvoiceId, (lineCounts.get(l.recurringInvoiceId) ?? 0) + 1);
      const view = ris.map((r) => ({
        id: r.id, customer: names.get(r.customerId) ?? r.customerId, name: r.name, frequency: r.frequency, anchorDay: r.anchorDay,
        startDate: r.startDate, nextInvoiceDate: r.nextInvoiceDate, currency: r.currency, taxRate: r.taxRate.toString(), status: r.status,
        lines: lineCounts.get(r.id) ?? 0,
      }));
      if (opts.json) process.stdout.write(`${JSON.stringify(view)}\n`);
        else for (const v of view) process.stdout.write(`${v.id}\t${v.customer}\t${v.name}\t${v.frequency}/${v.anchorDay}\tnext ${v.nextInvoiceDate}\t${v.currency}\t${v.lines} line(s)\t${v.status}\n`);
    }));
}
