import type { Command } from 'commander';
import { cliActor } from '../who-am-i.js';
import { UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { setSubscriptionActive, setSubscriptionQuantity } from '../../subscriptions/actions.js';
import { listSubscriptions } from '../../subscriptions/queries.js';

export function register(program: Command): void {
  const s = program.command('subscriptions').description('imported Pax8 subscriptions');
  s.command('list')
    .option(...TENANT_OPTION)
    .option('--customer <id>', 'only this customer')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; customer?: string; json?: boolean }) => {
      await withTenant(opts.tenant, async (_rt, _t, scope) => {
        const rows = await listSubscriptions(scope, { customerId: opts.customer });
        if (opts.json) return printJson(rows);
        process.stdout.write(table(['id', 'customer', 'name', 'qty', 'status', 'active', 'billing', 'term', 'price', 'cost', 'cur'],
          rows.map((r) => [r.id, r.customerId, r.name, r.quantity, r.status, r.active + (r.activeOverride !== null ? ' (set by hand)' : '') + (r.deletedInPax8 ? ' (deleted in Pax8)' : ''), r.billingTerm, r.commitmentTerm, r.price, r.cost, r.currency])));
      });
    });
  s.command('set-quantity')
    .description('increase a subscription\'s quantity in Pax8 (needs imports.allowQuantityIncrease; decreases are refused)')
    .argument('<subscription>', 'subscription id (local or Pax8)')
    .argument('<quantity>', 'new quantity (whole number)')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action(async (id: string, quantity: string, opts: { tenant?: string; json?: boolean }) => {
      if (!/^\d+$/.test(quantity)) throw new UsageError(`quantity must be a whole number, got "${quantity}"`);
      await withTenant(opts.tenant, async (rt, tenant) => {
        const r = await setSubscriptionQuantity({ ds: rt.ds, secrets: rt.secrets }, { tenantId: tenant.id, subscriptionId: id, quantity, by: cliActor() });
        const pending = r.pendingQuantity ? { pendingQuantity: r.pendingQuantity.toFixed(), pendingStatus: r.pendingStatus } : {};
        if (opts.json) return printJson({ id: r.id, pax8Id: r.pax8Id, quantity: r.quantity.toFixed(), ...pending });
        process.stdout.write(r.pendingQuantity
          ? `Pax8 accepted quantity ${r.pendingQuantity.toFixed()} for "${r.name}" and is provisioning it (${r.pendingStatus}); ${r.quantity.toFixed()} stays billed until the next sync sees it done\n`
          : `"${r.name}" now has quantity ${r.quantity.toFixed()} in Pax8 and Recurra\n`);
      });
    });
  s.command('set-active')
    .description('set a subscription active or inactive by hand, or back to following its Pax8 status')
    .argument('<subscription>', 'subscription id (local or Pax8)')
    .argument('<state>', 'active | inactive | auto')
    .option(...TENANT_OPTION)
    .action(async (id: string, state: string, opts: { tenant?: string }) => {
      if (!['active', 'inactive', 'auto'].includes(state)) throw new UsageError('state must be active, inactive or auto');
      await withTenant(opts.tenant, async (rt, tenant) => {
        const r = await setSubscriptionActive({ ds: rt.ds, secrets: rt.secrets }, {
          tenantId: tenant.id, subscriptionId: id, active: state === 'auto' ? null : state === 'active', by: cliActor(),
        });
        process.stdout.write(`"${r.name}" is ${r.active ? 'active' : 'inactive'}${r.activeOverride === null ? ' (follows its Pax8 status)' : ' (set by hand)'}\n`);
      });
    });
}
