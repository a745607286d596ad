import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TenantScope } from '../../db/tenant-scope.js';
import { approveInvoice } from '../../invoices/approve.js';
import { BillingDateError, billingDate } from '../../invoices/billing-date.js';
import { systemClock } from '../../common/clock.js';
import { CSV_LAYOUTS, exportInvoicesCsv, type CsvLayout } from '../../invoices/csv-export.js';
import { explainInvoice } from '../../invoices/explain.js';
import { allInvoices, invoiceNumberText } from '../../invoices/queries.js';
import { renderInvoiceHtml } from '../../invoices/render.js';
import { DEFAULT_BATCH_SIZE, runInvoices } from '../../invoices/run.js';
import { isCalendarDate } from '../../billing/dates.js';
import { UsageError } from '../errors.js';
import { queueInvoiceDeliveries } from '../../invoice-delivery/queue.js';
import { sendQueuedInvoices } from '../../invoice-delivery/send.js';
import { invoiceDeliveries } from '../../invoice-delivery/status.js';
import { createScheduler } from '../../app/scheduler.js';
import { cliActor } from '../who-am-i.js';
import { TENANT_OPTION, withTenant } from '../tenant-command.js';

async function output(text: string, out: string | undefined): Promise<void> {
  if (out === undefined) process.stdout.write(text);
  else await writeFile(out, text, 'utf8');
}

export function register(program: Command): void {
  const invoices = program.command('invoices').description('invoices created from recurring invoices');

  invoices
    .command('run')
    .description('create every invoice due up to --date (after catching up the daily pass to the day before); exactly once per recurring invoice and period')
    .option('--date <YYYY-MM-DD>', 'invoice date (default: today in the tenant\'s zone)')
    .option('--allow-future', 'allow a date after today (tenant time); its invoices are marked forward-dated')
    .option('--batch <n>', `invoices committed together (each still whole or absent; 1 = one transaction per invoice)`, String(DEFAULT_BATCH_SIZE))
    .option(...TENANT_OPTION)
    .option('--json', 'print the result as JSON')
    .action((opts: { date?: string; batch: string; tenant?: string; json?: boolean; allowFuture?: boolean }) => withTenant(opts.tenant, async (rt, tenant) => {
      if (!/^[1-9]\d{0,4}$/.test(opts.batch)) throw new UsageError('--batch must be a whole number from 1 to 99999');
      const r = await runInvoices(rt.ds, tenant.id, billingDate(tenant, opts.date, rt.clock ?? systemClock), {
        batchSize: Number.parseInt(opts.batch, 10), allowFuture: opts.allowFuture === true, clock: rt.clock ?? systemClock,
      }).catch((err: unknown) => {
        if (err instanceof BillingDateError) throw new UsageError(err.code === 'future_date' ? err.message.replace('(CLI --allow-future, API allowFuture: true)', 'with --allow-future') : err.message);
        throw err;
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const drafts = r.created.filter((c) => c.status === 'draft').length;
        process.stdout.write(`${r.date}: ${r.created.length} invoice(s) created (${drafts} held as draft for review), ${r.alreadyInvoiced} already invoiced, ${r.failed.length} failed\n`);
        for (const c of r.created) process.stdout.write(`  ${c.number === null ? 'DRAFT' : invoiceNumberText({ number: c.number, status: c.status })}  ${c.id}  period ${c.periodStart}  ${c.currency} ${c.total}\n`);
        for (const f of r.failed) process.stdout.write(`  failed: recurring invoice ${f.recurringInvoiceId} period ${f.periodStart}: ${f.message}\n`);
      }
      if (r.failed.length > 0) process.exitCode = 1;
    }));

  invoices
    .command('list')
    .description('list invoices')
    .option('--status <status>', 'draft or issued')
    .option(...TENANT_OPTION)
    .option('--json', 'print as JSON')
    .action((opts: { status?: string; tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, tenant) => {
      if (opts.status !== undefined && opts.status !== 'draft' && opts.status !== 'issued') throw new UsageError('--status must be draft or issued');
      const rows = await allInvoices(new TenantScope(rt.ds.manager, tenant.id), opts.status as 'draft' | 'issued' | undefined);
      const view = rows.map((i) => ({ id: i.id, number: invoiceNumberText(i), status: i.status, date: i.invoiceDate, periodStart: i.periodStart, currency: i.currency, total: i.total.toString(), forwardDated: i.forwardDated }));
      if (opts.json) process.stdout.write(`${JSON.stringify(view)}\n`);
      else for (const v of view) process.stdout.write(`${v.number}\t${v.status}\t${v.date}${v.forwardDated ? ' (forward-dated)' : ''}\t${v.currency} ${v.total}\t${v.id}\n`);
    }));

  invoices
    .command('approve')
    .description('issue a draft invoice after review; it takes the next invoice number')
    .argument('<id>', 'invoice id')
    .option('--by <name>', 'who approved it', 'cli')
    .option(...TENANT_OPTION)
    .action((id: string, opts: { by: string; tenant?: string }) => withTenant(opts.tenant, async (rt, tenant) => {
      const r = await approveInvoice(rt.ds, tenant.id, id, opts.by);
      process.stdout.write(`approved ${id}: ${invoiceNumberText({ number: r.number, status: 'issued' })}\n`);
    }));

  invoices
    .command('send')
    .description('send issued invoices to their customers\' billing contacts by e-mail, with the PDF (queued; the scheduler of recurra start or a recurra worker sends them, or --now here)')
    .argument('<ids...>', 'invoice ids')
    .option('--resend', 'send again an invoice that was already sent')
    .option('--now', 'send in this process now instead of leaving it to the scheduler')
    .option(...TENANT_OPTION)
    .action((ids: string[], opts: { resend?: boolean; now?: boolean; tenant?: string }) => withTenant(opts.tenant, async (rt, tenant, scope) => {
      const clock = rt.clock ?? systemClock;
      const results = await queueInvoiceDeliveries(scope, ids, { by: cliActor(), resend: opts.resend === true, now: clock() });
      for (const r of results) process.stdout.write(`${r.outcome}\t${r.invoiceId}\t${r.message}\n`);
      if (results.some((r) => r.outcome === 'queued')) {
        if (opts.now) {
          const o = await sendQueuedInvoices({ ds: rt.ds, secrets: rt.secrets, clock }, tenant.id);
          process.stdout.write(`sent ${o.sent}, failed ${o.failed}, to be tried again ${o.retrying}\n`);
          if (o.retrying > 0) await createScheduler(rt).queueInvoiceDelivery(tenant.id, o.nextAttemptAt ?? undefined);
          if (o.failed > 0) process.exitCode = 1;
        } else {
          await createScheduler(rt).queueInvoiceDelivery(tenant.id);
        }
      }
      if (results.some((r) => !['queued', 'already_queued', 'already_sent'].includes(r.outcome))) process.exitCode = 1;
    }));

  invoices
    .command('deliveries')
    .description('every sending of an invoice by e-mail, the latest first: queued, sending, sent or failed (with the reason)')
    .argument('<id>', 'invoice id')
    .option(...TENANT_OPTION)
    .option('--json', 'print as JSON')
    .action((id: string, opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (_rt, _tenant, scope) => {
      const rows = await invoiceDeliveries(scope, id);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) process.stdout.write('never sent\n');
      else for (const d of rows) process.stdout.write(`#${d.sequence}\t${d.status}\t${d.sentAt ?? d.queuedAt}\tto ${d.to.join(', ')}${d.cc.length ? ` cc ${d.cc.join(', ')}` : ''}${d.lastError ? `\t${d.lastError}` : ''}\n`);
    }));

  invoices
    .command('explain')
    .description('explain every figure of an invoice in words')
    .argument('<id>', 'invoice id')
    .option(...TENANT_OPTION)
    .action((id: string, opts: { tenant?: string }) => withTenant(opts.tenant, async (rt, tenant) => {
      process.stdout.write(await explainInvoice(rt.ds, tenant.id, id));
    }));

  invoices
    .command('render')
    .description('render an invoice as HTML (templates/invoice.hbs)')
    .argument('<id>', 'invoice id')
    .option('--out <file>', 'write to a file instead of stdout')
    .option(...TENANT_OPTION)
    .action((id: string, opts: { out?: string; tenant?: string }) => withTenant(opts.tenant, async (rt, tenant) => {
      await output(await renderInvoiceHtml(rt.ds, tenant.id, id), opts.out);
    }));

  invoices
    .command('export')
    .description('export issued invoices as CSV for Xero or QuickBooks Online')
    .requiredOption('--format <layout>', `one of ${CSV_LAYOUTS.join(', ')}`)
    .option('--from <YYYY-MM-DD>', 'first invoice date')
    .option('--to <YYYY-MM-DD>', 'last invoice date')
    .option('--out <file>', 'write to a file instead of stdout')
    .option(...TENANT_OPTION)
    .action((opts: { format: string; from?: string; to?: string; out?: string; tenant?: string }) => withTenant(opts.tenant, async (rt, tenant) => {
      if (!(CSV_LAYOUTS as readonly string[]).includes(opts.format)) throw new UsageError(`--format must be one of ${CSV_LAYOUTS.join(', ')}`);
      for (const d of [opts.from, opts.to]) if (d !== undefined && !isCalendarDate(d)) throw new UsageError(`not a date YYYY-MM-DD: ${d}`);
      const csv = await exportInvoicesCsv(rt.ds, tenant.id, {
        layout: opts.format as CsvLayout, ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}),
      });
      await output(csv, opts.out);
    }));
}
