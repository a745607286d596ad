import { Decimal } from 'decimal.js';
import type { Command } from 'commander';
import { cliActor } from '../who-am-i.js';
import { CliFailure, UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { OperationError, OperationsService, type OperationOutcome, type Preview } from '../../operations/service.js';
import { pax8ClientFor } from '../../tenants/pax8-client.js';
import { TenantService } from '../../tenants/service.js';
import type { Runtime } from '../../app/runtime.js';

/** `recurra licences purchase|decrease|transfer|in-use|operations` (issue 9): previews unless --yes. */

const who = () => ({ label: cliActor() });

function service(rt: Runtime): OperationsService {
  const tenants = new TenantService(rt.ds, rt.secrets);
  return new OperationsService(rt.ds, (t) => pax8ClientFor(tenants, t));
}

function whole(v: string, what: string): Decimal {
  if (!/^\d+$/.test(v)) throw new UsageError(`${what} must be a whole number, got "${v}"`);
  return new Decimal(v);
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OperationError) throw new CliFailure(err.message);
    throw err;
  }
}

export function printPreview(p: Preview): void {
  process.stdout.write(`${p.type} of ${p.licenceCount} licence(s), effective ${p.date}\n`);
  process.stdout.write(table(['side', 'customer', 'product', 'before', 'after', 'in use', 'available after', 'est. period total'],
    p.sides.map((s, i) => [p.sides.length > 1 ? (i === 0 ? 'from' : 'to') : '-', s.customerName, s.productName, s.quantityBefore, s.quantityAfter, s.inUse, s.availableAfter,
      s.estimatedPeriodTotal === null ? null : `${s.estimatedPeriodTotal} ${s.currency ?? ''}`.trim()])));
  if (p.minimumToAdd !== undefined) process.stdout.write(`minimum to add: ${p.minimumToAdd}\n`);
  if (p.estimatedAddedPrice !== undefined) process.stdout.write(`estimated price of the added licences: ${p.estimatedAddedPrice ?? 'unknown'}\n`);
  if (p.costAboveMinimum !== undefined) process.stdout.write(`cost above the minimum: ${p.costAboveMinimum ?? 'unknown'}\n`);
  if (p.saving !== undefined) process.stdout.write(`saving per period: ${p.saving ?? 'unknown'}\n`);
  process.stdout.write(`next invoice: ${p.invoice.summary}\n`);
  for (const problem of p.problems) process.stdout.write(`cannot complete: ${problem}\n`);
}

function printOutcome(o: OperationOutcome): void {
  process.stdout.write(`${o.operation.type} ${o.status}${o.failureReason ? `: ${o.failureReason}` : ''} (operation ${o.operation.id})\n`);
  if (o.status === 'provisioning') {
    process.stdout.write('Pax8 accepted the change and is provisioning it: billing keeps the current quantity until the next subscriptions sync '
      + 'or Pax8 webhook sees it provisioned (then applied, or failed) — see `recurra licences operations`\n');
  } else if (o.status !== 'applied') process.exitCode = 1;
}

export function register(program: Command): void {
  const l = program.command('licences').description('licence operations: purchase, decrease and transfer with previews (admins)');
  l.command('purchase')
    .description('preview (or with --yes complete) a purchase of licences for a subscription')
    .argument('<subscription>', 'local subscription id').argument('<count>', 'licences to add')
    .option(...TENANT_OPTION).option('--yes', 'complete the purchase').option('--json', 'print JSON')
    .action(async (id: string, count: string, opts: { tenant?: string; yes?: boolean; json?: boolean }) => {
      const add = whole(count, 'count');
      await withTenant(opts.tenant, async (rt, tenant) => {
        const svc = service(rt);
        if (!opts.yes) {
          const p = await run(() => svc.previewPurchase(tenant, { subscriptionId: id, add }));
          return opts.json ? printJson(p) : printPreview(p);
        }
        const o = await run(() => svc.purchase(tenant, who(), { subscriptionId: id, add }));
        return opts.json ? printJson(o) : printOutcome(o);
      });
    });
  l.command('decrease')
    .description('preview (or with --yes complete) a decrease; never below the licences in use or during a commitment')
    .argument('<subscription>', 'local subscription id').argument('<count>', 'licences to remove')
    .option(...TENANT_OPTION).option('--yes', 'complete the decrease').option('--json', 'print JSON')
    .action(async (id: string, count: string, opts: { tenant?: string; yes?: boolean; json?: boolean }) => {
      const remove = whole(count, 'count');
      await withTenant(opts.tenant, async (rt, tenant) => {
        const svc = service(rt);
        if (!opts.yes) {
          const p = await run(() => svc.previewDecrease(tenant, { subscriptionId: id, remove }));
          return opts.json ? printJson(p) : printPreview(p);
        }
        const o = await run(() => svc.decrease(tenant, who(), { subscriptionId: id, remove }));
        return opts.json ? printJson(o) : printOutcome(o);
      });
    });
  l.command('transfer')
    .description('preview (or with --yes complete) a transfer between two subscriptions of the same product, plan, price and currency')
    .argument('<from>', 'source subscription id').argument('<to>', 'target subscription id').argument('<count>', 'licences to move')
    .option(...TENANT_OPTION).option('--yes', 'complete the transfer')
    .option('--confirm-cross-customer', 'allow a transfer between different customers').option('--json', 'print JSON')
    .action(async (from: string, to: string, count: string, opts: { tenant?: string; yes?: boolean; json?: boolean; confirmCrossCustomer?: boolean }) => {
      const quantity = whole(count, 'count');
      await withTenant(opts.tenant, async (rt, tenant) => {
        const svc = service(rt);
        const input = { fromSubscriptionId: from, toSubscriptionId: to, quantity, confirmCrossCustomer: !!opts.confirmCrossCustomer };
        if (!opts.yes) {
          const p = await run(() => svc.previewTransfer(tenant, input));
          return opts.json ? printJson(p) : printPreview(p);
        }
        const o = await run(() => svc.transfer(tenant, who(), input));
        return opts.json ? printJson(o) : printOutcome(o);
      });
    });
  l.command('in-use')
    .description('show or set the licences in use (assigned users or devices) of a subscription')
    .argument('<subscription>', 'local subscription id').argument('[count]', 'new number in use')
    .option(...TENANT_OPTION).option('--note <text>', 'where the number comes from')
    .action(async (id: string, count: string | undefined, opts: { tenant?: string; note?: string }) => {
      await withTenant(opts.tenant, async (rt, tenant) => {
        const svc = service(rt);
        if (count !== undefined) await run(() => svc.setInUse(tenant, who(), id, whole(count, 'count'), opts.note ?? null));
        process.stdout.write(`${(await svc.inUse(tenant, id)).toString()} licence(s) in use\n`);
      });
    });
  l.command('operations')
    .description('recent licence operations')
    .option(...TENANT_OPTION).option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      await withTenant(opts.tenant, async (rt, tenant) => {
        const rows = await service(rt).list(tenant);
        if (opts.json) return printJson(rows);
        process.stdout.write(table(['at', 'type', 'status', 'count', 'from', 'to', 'by', 'reason'], rows.map((o) => [
          o.at.toISOString(), o.type, o.status, o.licenceCount.toString(), o.sourceSubscriptionId, o.targetSubscriptionId, o.initiatedBy, o.failureReason,
        ])));
      });
    });
}
