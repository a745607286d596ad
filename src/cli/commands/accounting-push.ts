import type { Command } from 'commander';
import { systemClock } from '../../common/clock.js';
import { ACCOUNTING_VENDORS, type AccountingVendor } from '../../accounting/connector.js';
import { autoLinkContacts, contactMatches, createMissingContacts, linkContact, unlinkContact } from '../../accounting/contacts.js';
import { listLedgerMappings, mappingChoices, setLedgerMapping } from '../../accounting/ledger-mappings.js';
import { accountingOpener } from '../../accounting/open.js';
import { ageingSummary, refreshPayments, vendorStatuses } from '../../accounting/payments.js';
import { queuePushes, runPushes } from '../../accounting/push.js';
import { createScheduler } from '../../app/scheduler.js';
import type { Runtime } from '../../app/runtime.js';
import { LEDGER_MAPPING_KINDS, type LedgerMappingKind } from '../../db/entities/index.js';
import { UsageError } from '../errors.js';
import { cliActor } from '../who-am-i.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';

/*
 * `recurra accounting contacts|map|push|payments` (src/accounting: contacts.ts, ledger-mappings.ts, push.ts, payments.ts),
 * over the tenant's connection (`recurra accounting connection`, connected in the web app).
 */

function vendorOf(value: string): AccountingVendor {
  if (!(ACCOUNTING_VENDORS as readonly string[]).includes(value)) throw new UsageError(`vendor must be one of ${ACCOUNTING_VENDORS.join(', ')}, got "${value}"`);
  return value as AccountingVendor;
}

const clockOf = (rt: Runtime) => rt.clock ?? systemClock;
const depsOf = (rt: Runtime) => ({ ds: rt.ds, open: accountingOpener(rt.ds, rt.secrets), clock: clockOf(rt) });
const openFor = (rt: Runtime, tenantId: string, vendor: AccountingVendor) => accountingOpener(rt.ds, rt.secrets)(tenantId, vendor, clockOf(rt)());

export function registerPush(acc: Command): void {
  acc.command('contacts')
    .description('customers and their contact in the books: list with suggestions; --match links unambiguous exact name matches; --link CUSTOMER=CONTACT; --unlink CUSTOMER; --create-missing [CUSTOMER,…]')
    .argument('<vendor>', ACCOUNTING_VENDORS.join(' or '))
    .option('--match', 'link every customer whose name matches exactly one contact (and no other customer)')
    .option('--link <customer=contact>', 'link a customer (id) to a contact (the vendor\'s id), replacing any link')
    .option('--unlink <customer>', 'forget a customer\'s link')
    .option('--create-missing [customers]', 'create contacts for customers without one (default: every active customer with no contact of its name or billing e-mail)')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((vendorArg: string, opts: { match?: boolean; link?: string; unlink?: string; createMissing?: string | boolean; tenant?: string; json?: boolean }) =>
      withTenant(opts.tenant, async (rt, tenant, scope) => {
        const vendor = vendorOf(vendorArg);
        const by = { by: cliActor(), now: clockOf(rt)() };
        if (opts.unlink) {
          await unlinkContact(scope, vendor, opts.unlink);
          process.stdout.write(`unlinked ${opts.unlink}\n`);
          return;
        }
        const conn = await openFor(rt, tenant.id, vendor);
        if (opts.link) {
          const [customerId, contactId] = opts.link.split('=');
          if (!customerId || !contactId) throw new UsageError('--link takes CUSTOMER_ID=CONTACT_ID');
          const v = await linkContact(scope, conn, vendor, customerId, contactId, by);
          process.stdout.write(`${v.customerName}: ${v.note}\n`);
          return;
        }
        if (opts.createMissing !== undefined) {
          const ids = typeof opts.createMissing === 'string' ? opts.createMissing.split(',').map((s) => s.trim()).filter(Boolean) : null;
          const { results } = await createMissingContacts(scope, conn, vendor, ids, by);
          if (opts.json) return printJson(results);
          for (const r of results) process.stdout.write(`${r.outcome}\t${r.customerName}\t${r.message}\n`);
          if (results.some((r) => r.outcome === 'not_found' || r.outcome === 'ambiguous')) process.exitCode = 1;
          return;
        }
        const items = opts.match ? (await autoLinkContacts(scope, conn, vendor, by)).items : await contactMatches(scope, conn, vendor);
        if (opts.json) return printJson(items);
        process.stdout.write(table(['customer', 'match', 'contact', 'how', 'suggestions', 'note', 'customer id'], items.map((i) => [
          i.customerName, i.match, i.link?.name ?? null, i.link?.how ?? null, i.suggestions.map((s) => `${s.name} (${s.reason}, ${s.id})`).join('; ') || null, i.note, i.customerId,
        ])));
      }));

  acc.command('map')
    .description('where lines post and which tax code they carry: list (with --choices, the vendor\'s accounts or items and tax codes), or set KIND KEY TARGET (TARGET "none" removes)')
    .argument('<vendor>', ACCOUNTING_VENDORS.join(' or '))
    .argument('[kind]', LEDGER_MAPPING_KINDS.join(', '))
    .argument('[key]', 'product group, line kind, Recurra tax code or rate ("0.2"); "-" for the defaults')
    .argument('[target]', 'the vendor\'s account code or item id, or its tax code; none removes the mapping')
    .option('--choices', 'also list what can be chosen (from the vendor)')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((vendorArg: string, kind: string | undefined, key: string | undefined, target: string | undefined, opts: { choices?: boolean; tenant?: string; json?: boolean }) =>
      withTenant(opts.tenant, async (rt, tenant, scope) => {
        const vendor = vendorOf(vendorArg);
        if (kind !== undefined) {
          if (!(LEDGER_MAPPING_KINDS as readonly string[]).includes(kind)) throw new UsageError(`kind must be one of ${LEDGER_MAPPING_KINDS.join(', ')}`);
          if (key === undefined || target === undefined) throw new UsageError('map VENDOR KIND KEY TARGET');
          const m = await setLedgerMapping(scope, await openFor(rt, tenant.id, vendor), vendor,
            { kind: kind as LedgerMappingKind, key: key === '-' ? '' : key, target: target === 'none' ? null : target }, { by: cliActor(), now: clockOf(rt)() });
          process.stdout.write(m ? `${m.kind} ${m.key || '(default)'} → ${m.target} (${m.targetName ?? ''})\n` : `${kind} ${key} removed\n`);
          return;
        }
        if (opts.choices) {
          const c = await mappingChoices(scope, await openFor(rt, tenant.id, vendor), vendor);
          if (opts.json) return printJson(c);
          process.stdout.write(table(['target', 'name', 'kind'], c.ledgerTargets.map((t) => [t.ref, t.name, t.kind])));
          process.stdout.write(table(['tax code', 'name', 'rate'], c.taxRates.map((t) => [t.code, t.name, t.rate])));
        }
        const rows = await listLedgerMappings(scope, vendor);
        if (opts.json && !opts.choices) return printJson(rows);
        process.stdout.write(table(['kind', 'key', 'target', 'name', 'by'], rows.map((m) => [m.kind, m.key || '(default)', m.target, m.targetName, m.mappedBy])));
      }));

  acc.command('push')
    .description('push issued invoices to the books (queued for the scheduler of recurra start or a recurra worker, or --now here); --status shows how they stand')
    .argument('<vendor>', ACCOUNTING_VENDORS.join(' or '))
    .argument('[ids...]', 'invoice ids')
    .option('--now', 'push in this process now instead of leaving it to the scheduler')
    .option('--status', 'show the accounting status of the given invoices (every pushed one without ids)')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((vendorArg: string, ids: string[], opts: { now?: boolean; status?: boolean; tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, tenant, scope) => {
      const vendor = vendorOf(vendorArg);
      if (opts.status) {
        const views = await vendorStatuses(scope, tenant, vendor, ids, clockOf(rt)());
        if (opts.json) return printJson(views);
        process.stdout.write(table(['invoice', 'push', 'payment', 'number', 'paid', 'due', 'due date', 'status'],
          views.map((v) => [v.invoiceId, v.push, v.payment, v.externalNumber, v.amountPaid, v.amountDue, v.dueDate, v.label])));
        return;
      }
      if (ids.length === 0) throw new UsageError('give the invoice ids to push');
      const results = await queuePushes(scope, vendor, ids, { by: cliActor(), now: clockOf(rt)() });
      for (const r of results) process.stdout.write(`${r.outcome}\t${r.invoiceId}\t${r.message}\n`);
      if (results.some((r) => r.outcome === 'queued' || r.outcome === 'already_queued')) {
        if (opts.now) {
          const o = await runPushes(depsOf(rt), tenant.id, { invoiceIds: ids, vendor });
          process.stdout.write(`pushed ${o.pushed}, unchanged ${o.unchanged}, refused ${o.refused}, failed ${o.failed}, to be tried again ${o.retrying}\n`);
          for (const v of await vendorStatuses(scope, tenant, vendor, ids, clockOf(rt)())) {
            if (v.lastError && v.push !== 'pushed') process.stdout.write(`${v.push}\t${v.invoiceId}\t${v.lastError}\n`);
          }
          if (o.retrying > 0) await createScheduler(rt).queueAccountingPush(tenant.id, o.nextAttemptAt ?? undefined);
          if (o.failed > 0 || o.refused > 0) process.exitCode = 1;
        } else {
          await createScheduler(rt).queueAccountingPush(tenant.id);
        }
      }
      if (results.some((r) => r.outcome === 'not_issued' || r.outcome === 'not_found')) process.exitCode = 1;
    }));

  acc.command('payments')
    .description('read payments back from the books now (every pushed invoice, or the given ones) and show the ageing of what is owed')
    .argument('[ids...]', 'invoice ids')
    .option('--no-refresh', 'only show the ageing as last read back')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((ids: string[], opts: { refresh?: boolean; tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, tenant, scope) => {
      const refreshed = opts.refresh === false ? null : await refreshPayments(depsOf(rt), tenant.id, ids.length > 0 ? { invoiceIds: ids } : {});
      const ageing = await ageingSummary(scope, tenant, clockOf(rt)());
      if (opts.json) return printJson({ refreshed, ageing });
      if (refreshed) {
        process.stdout.write(`checked ${refreshed.checked}, changed ${refreshed.changed}, missing ${refreshed.missing}\n`);
        for (const p of refreshed.problems) process.stdout.write(`problem: ${p}\n`);
        if (refreshed.problems.length > 0) process.exitCode = 1;
      }
      process.stdout.write(`owed as of ${ageing.asOf}:\n`);
      process.stdout.write(table(['currency', 'current', '1-30 days', '31-60 days', '61-90 days', 'over 90 days', 'total', 'invoices'],
        ageing.rows.map((r) => [r.currency, r.buckets.current, r.buckets.days1to30, r.buckets.days31to60, r.buckets.days61to90, r.buckets.over90, r.total, r.invoices])));
    }));
}
