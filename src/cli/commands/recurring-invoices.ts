import type { Command } from 'commander';
import { systemClock } from '../../common/clock.js';
import { tenantToday } from '../../common/tenant-date.js';
import { setLineCost } from '../../invoices/line-cost-setting.js';
import { previewNextInvoice } from '../../invoices/preview.js';
import { InvoiceError } from '../../invoices/queries.js';
import { recurringInvoiceDetail, recurringInvoiceSummaries } from '../../invoices/recurring-service.js';
import { CliFailure, UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';

function failure(err: unknown): never {
  if (err instanceof InvoiceError) throw new CliFailure(err.message);
  if (err instanceof RangeError) throw new UsageError(err.message);
  throw err;
}

export function register(program: Command): void {
  const ri = program.command('recurring-invoices').description('customers\' recurring invoices');
  ri.command('list')
    .description('list recurring invoices with their schedule, next invoice date and line count')
    .option(...TENANT_OPTION)
    .option('--json', 'print as JSON')
    .action((opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (_rt, _tenant, scope) => {
      const view = (await recurringInvoiceSummaries(scope)).map(({ invoice: r, customerName, lineCount }) => ({
        id: r.id, customer: customerName ?? r.customerId, name: r.name, frequency: r.frequency, anchorDay: r.anchorDay,
        startDate: r.startDate, nextInvoiceDate: r.nextInvoiceDate, currency: r.currency, taxRate: r.taxRate.toString(), status: r.status,
        lines: lineCount,
      }));
      if (opts.json) process.stdout.write(`${JSON.stringify(view)}\n`);
        else for (const v of view) process.stdout.write(`${v.id}\t${v.customer}\t${v.name}\t${v.frequency}/${v.anchorDay}\tnext ${v.nextInvoiceDate}\t${v.currency}\t${v.lines} line(s)\t${v.status}\n`);
    }));

  ri.command('lines')
    .description('one recurring invoice\'s lines: timing, price (follow or own) and cost (follow or own)')
    .argument('<id>', 'recurring invoice id')
    .option(...TENANT_OPTION)
    .option('--json', 'print as JSON')
    .action((id: string, opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (_rt, _tenant, scope) => {
      const { lines } = await recurringInvoiceDetail(scope, id);
      const view = lines.map((l) => ({
        id: l.id, description: l.description, timing: l.timing, priceMode: l.priceMode, unitPrice: l.unitPrice?.toString() ?? null,
        costMode: l.costMode, cost: l.cost?.toString() ?? null, prorata: l.prorata,
      }));
      if (opts.json) return printJson(view);
      process.stdout.write(table(['id', 'line', 'timing', 'price', 'cost', 'pro-rata'], view.map((v) => [
        v.id, v.description, v.timing, v.priceMode === 'follow' ? 'follows Pax8' : v.unitPrice, v.costMode === 'follow' ? 'follows Pax8' : v.cost ?? 'not set', v.prorata,
      ])));
    }));

  ri.command('set-cost')
    .description('a line\'s cost: --follow the subscription\'s Pax8 cost per period, or --own [--cost X] (X: the unit cost; none: not known)')
    .argument('<id>', 'recurring invoice id')
    .argument('<lineId>', 'line id (recurring-invoices lines ID)')
    .option(...TENANT_OPTION)
    .option('--follow', 'follow the primary subscription\'s Pax8 cost as of each period start')
    .option('--own', 'the line\'s own cost')
    .option('--cost <amount>', 'the own unit cost, or none')
    .option('--json', 'print as JSON')
    .action((id: string, lineId: string, opts: { tenant?: string; follow?: boolean; own?: boolean; cost?: string; json?: boolean }) => {
      if (opts.follow === opts.own) throw new UsageError('give exactly one of --follow and --own');
      const cost = opts.cost === undefined ? undefined : opts.cost === 'none' ? null : opts.cost;
      return withTenant(opts.tenant, async (rt, _tenant, scope) => {
        const l = await setLineCost(scope, id, lineId, { costMode: opts.follow ? 'follow' : 'own', cost }, (rt.clock ?? systemClock)()).catch(failure);
        const view = { id: l.id, description: l.description, costMode: l.costMode, cost: l.cost?.toString() ?? null };
        if (opts.json) return printJson(view);
        process.stdout.write(`${l.description}: cost ${l.costMode === 'follow' ? 'follows the subscription\'s Pax8 cost' : `own, ${view.cost ?? 'not set'}`}\n`);
      });
    });

  ri.command('preview')
    .description('the next invoice from the subscription history as recorded now (with changes the daily pass has not processed yet); writes nothing')
    .argument('<id>', 'recurring invoice id')
    .option(...TENANT_OPTION)
    .option('--json', 'print as JSON')
    .action((id: string, opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, tenant, scope) => {
      const p = await previewNextInvoice(scope, tenant, id, tenantToday(tenant, rt.clock ?? systemClock)).catch(failure);
      const inv = p.invoice;
      const lines = inv.lines.map((l) => ({ kind: l.kind, description: l.description, from: l.from, to: l.to, quantity: l.quantity.toFixed(), unitPrice: l.unitPrice.toFixed(), amount: l.amount.toFixed() }));
      if (opts.json) {
        return printJson({ date: inv.date, currency: inv.currency, subtotal: inv.subtotal.toFixed(), tax: inv.tax.toFixed(), total: inv.total.toFixed(), review: inv.review,
          lines, historyThrough: p.historyThrough, dailyPassThrough: p.dailyPassThrough, changes: p.changes, problems: p.problems });
      }
      process.stdout.write(`Next invoice ${inv.date} (${inv.currency}), from the history recorded up to ${p.historyThrough}; the daily pass has processed up to ${p.dailyPassThrough ?? 'no day yet'}\n`);
      process.stdout.write(table(['line', 'kind', 'from', 'to', 'qty', 'unit price', 'amount'], lines.map((l) => [l.description, l.kind, l.from, l.to, l.quantity, l.unitPrice, l.amount])));
      process.stdout.write(`subtotal ${inv.subtotal.toFixed()}  tax ${inv.tax.toFixed()}  total ${inv.total.toFixed()}\n`);
      for (const c of p.changes) process.stdout.write(`includes: ${c.line} ${c.quantityBefore} → ${c.quantityAfter} on ${c.date}${c.processed ? '' : ' (not yet processed by the daily pass)'}\n`);
      for (const r of inv.review) process.stdout.write(`would be held for review: ${r}\n`);
      for (const pr of p.problems) process.stdout.write(`not computed: ${pr}\n`);
    }));
}
