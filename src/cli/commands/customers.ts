import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';
import { listCustomers } from '../../customers/service.js';
import {
  BILLING_SETTING_KEYS, CustomerSettingsError, customerWithPax8, updateCustomerBilling, type CustomerBillingPatch,
} from '../../customers/billing-settings.js';
import { systemClock } from '../../common/clock.js';
import { billingContacts, setBillingContacts } from '../../invoice-delivery/contacts.js';
import { CliFailure } from '../errors.js';
import { customerTaxCode, TaxSettingsError } from '../../tax/service.js';

/** `key=value` pairs for `customers set`: a recurring invoice id or `none`; `true`/`false` for noAutomaticInvoiceLines; days or `none` for paymentTermsDays. */
export function parseBillingSettings(pairs: readonly string[]): CustomerBillingPatch {
  const patch: CustomerBillingPatch = {};
  if (pairs.length === 0) throw new UsageError(`give at least one key=value (keys: ${BILLING_SETTING_KEYS.join(', ')})`);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (eq < 0) throw new UsageError(`"${pair}" is not key=value`);
    if (key === 'monthlyRecurringInvoiceId' || key === 'annualRecurringInvoiceId') {
      if (value !== 'none' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
        throw new UsageError(`${key} must be a recurring invoice id or none, got "${value}"`);
      }
      patch[key] = value === 'none' ? null : value.toLowerCase();
    } else if (key === 'noAutomaticInvoiceLines') {
      if (value !== 'true' && value !== 'false') throw new UsageError(`noAutomaticInvoiceLines must be true or false, got "${value}"`);
      patch.noAutomaticInvoiceLines = value === 'true';
    } else if (key === 'paymentTermsDays') {
      if (value !== 'none' && !/^\d{1,3}$/.test(value)) throw new UsageError(`paymentTermsDays must be a number of days or none (the tenant's default), got "${value}"`);
      patch.paymentTermsDays = value === 'none' ? null : Number(value);
    } else if (key === 'taxCode' || key === 'taxCodeId') {
      if (value === '') throw new UsageError('taxCode must be a tax code (exempt or reverse charge) or none');
      patch.taxCodeId = value === 'none' ? null : value;
    } else {
      throw new UsageError(`unknown setting "${key}" (keys: ${BILLING_SETTING_KEYS.join(', ')})`);
    }
  }
  return patch;
}

async function showCustomer(rt: { config: { pax8: { portalCompanyUrl: string } } }, scope: Parameters<typeof customerWithPax8>[0], id: string, json: boolean): Promise<void> {
  const d = await customerWithPax8(scope, id, rt.config.pax8.portalCompanyUrl);
  const c = d.customer;
  const view = {
    id: c.id, name: c.name, active: c.active, source: c.source, pax8CompanyId: d.pax8CompanyId, pax8PortalUrl: d.pax8PortalUrl,
    monthlyRecurringInvoiceId: c.monthlyRecurringInvoiceId, annualRecurringInvoiceId: c.annualRecurringInvoiceId,
    noAutomaticInvoiceLines: c.noAutomaticInvoiceLines, taxCode: (await customerTaxCode(scope, c))?.code ?? null, paymentTermsDays: c.paymentTermsDays,
  };
  if (json) return printJson(view);
  process.stdout.write(table(['setting', 'value'], Object.entries(view).map(([k, v]) => [k, v as string | boolean | null])));
}

function failure(err: unknown): never {
  if (err instanceof CustomerSettingsError) throw new CliFailure(err.field ? `${err.field}: ${err.message}` : err.message);
  if (err instanceof TaxSettingsError) throw new CliFailure(`taxCode: ${err.message}`);
  throw err;
}

export function register(program: Command): void {
  const c = program.command('customers').description('local customers');
  c.command('list')
    .option(...TENANT_OPTION)
    .option('--active', 'only active customers')
    .option('--inactive', 'only inactive customers')
    .option('--unmapped', 'only customers without a Pax8 mapping')
    .option('--search <text>', 'name contains')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; active?: boolean; inactive?: boolean; unmapped?: boolean; search?: string; json?: boolean }) => {
      if (opts.active && opts.inactive) throw new UsageError('choose --active or --inactive, not both');
      await withTenant(opts.tenant, async (rt, _t, scope) => {
        const rows = await listCustomers(scope, rt.config.pax8.portalCompanyUrl, {
          ...(opts.active ? { active: true } : opts.inactive ? { active: false } : {}), ...(opts.unmapped ? { mapped: false } : {}), search: opts.search,
        });
        if (opts.json) return printJson(rows);
        process.stdout.write(table(['id', 'name', 'top level', 'active', 'city', 'country', 'pax8 link'],
          rows.map((r) => [r.id, r.name, r.topLevel, r.active, r.site.city, r.site.country, r.pax8PortalUrl])));
      });
    });

  c.command('show')
    .description('one customer: its Pax8 company and Open-in-Pax8 link, its automatic-line settings and payment terms')
    .argument('<id>', 'customer id')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((id: string, opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, _t, scope) => {
      await showCustomer(rt, scope, id, opts.json === true).catch(failure);
    }));

  c.command('contacts')
    .description('who receives the customer\'s invoices by e-mail: shows them, or replaces them with --to (and --cc); --to "" clears them')
    .argument('<id>', 'customer id')
    .option('--to <addresses>', 'comma-separated e-mail addresses the invoices are sent to')
    .option('--cc <addresses>', 'comma-separated e-mail addresses that get a copy')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((id: string, opts: { to?: string; cc?: string; tenant?: string; json?: boolean }) => {
      if (opts.to === undefined && opts.cc !== undefined) throw new UsageError('--cc needs --to (the contacts are replaced together)');
      const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      return withTenant(opts.tenant, async (rt, _t, scope) => {
        const contacts = opts.to === undefined
          ? await billingContacts(scope, id)
          : await setBillingContacts(scope, id, { to: list(opts.to), cc: list(opts.cc) }, (rt.clock ?? systemClock)());
        if (opts.json) printJson(contacts);
        else process.stdout.write(`to: ${contacts.to.join(', ') || '(none: its invoices cannot be sent)'}\ncc: ${contacts.cc.join(', ') || '(none)'}\n`);
      });
    });

  c.command('set')
    .description('change the automatic-line settings: monthlyRecurringInvoiceId=ID|none annualRecurringInvoiceId=ID|none noAutomaticInvoiceLines=true|false paymentTermsDays=DAYS|none taxCode=CODE|none')
    .argument('<id>', 'customer id')
    .argument('<settings...>', 'key=value pairs')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((id: string, pairs: string[], opts: { tenant?: string; json?: boolean }) => {
      const patch = parseBillingSettings(pairs);
      return withTenant(opts.tenant, async (rt, _t, scope) => {
        await updateCustomerBilling(scope, id, patch, (rt.clock ?? systemClock)()).catch(failure);
        await showCustomer(rt, scope, id, opts.json === true).catch(failure);
      });
    });
}
