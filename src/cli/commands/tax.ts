import type { Command } from 'commander';
import { TAX_KINDS, type TaxKind } from '../../billing/tax.js';
import { systemClock } from '../../common/clock.js';
import {
  createTaxCode, listProductGroupTax, listTaxCodes, removeTaxCode, setProductGroupTax, TaxSettingsError, updateTaxCode,
} from '../../tax/service.js';
import { CliFailure, UsageError } from '../errors.js';
import { printJson, table, TENANT_OPTION, withTenant } from '../tenant-command.js';

/* `recurra tax`: tax codes and product groups' codes (src/tax). A customer's exemption: `recurra customers set ID taxCode=CODE`. */

function kindOf(value: string | undefined): TaxKind | undefined {
  if (value === undefined) return undefined;
  const k = value.replace(/-/g, '_') as TaxKind;
  if (!TAX_KINDS.includes(k)) throw new UsageError(`--kind must be one of ${TAX_KINDS.join(', ')}, got "${value}"`);
  return k;
}

function failure(err: unknown): never {
  if (err instanceof TaxSettingsError) throw new CliFailure(err.field ? `${err.field}: ${err.message}` : err.message);
  throw err;
}

async function printCodes(scope: Parameters<typeof listTaxCodes>[0], json: boolean): Promise<void> {
  const rows = await listTaxCodes(scope);
  if (json) return printJson(rows);
  process.stdout.write(table(['code', 'rate', 'kind', 'product groups', 'customers', 'id'],
    rows.map((r) => [r.code, r.rate, r.kind, r.productGroups.join(', ') || null, r.customers, r.id])));
}

export function register(program: Command): void {
  const t = program.command('tax').description('tax codes, and which product groups bill them (a line: customer exemption > product group > recurring invoice\'s rate)');

  t.command('codes')
    .description('lists the tax codes')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, (_rt, _t, scope) => printCodes(scope, opts.json === true)));

  t.command('add')
    .description('adds a tax code (name it as your accounting system does: the CSV exports carry it per line)')
    .argument('<code>', 'its name, e.g. GST, "Tax Exempt", "Reverse Charge"')
    .option('--rate <fraction>', 'its rate as a fraction, e.g. 0.15 for 15 % (exempt and reverse-charge codes bill 0)', '0')
    .option('--kind <kind>', `one of ${TAX_KINDS.join(', ')}`, 'standard')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((code: string, opts: { rate: string; kind: string; tenant?: string; json?: boolean }) => {
      const kind = kindOf(opts.kind)!;
      return withTenant(opts.tenant, async (rt, _t, scope) => {
        await createTaxCode(scope, { code, rate: opts.rate, kind }, (rt.clock ?? systemClock)()).catch(failure);
        await printCodes(scope, opts.json === true);
      });
    });

  t.command('set')
    .description('renames a tax code or changes its rate or kind (invoices already created keep theirs)')
    .argument('<code>', 'the code (name or id)')
    .option('--code <name>', 'a new name')
    .option('--rate <fraction>', 'a new rate')
    .option('--kind <kind>', `one of ${TAX_KINDS.join(', ')}`)
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((code: string, opts: { code?: string; rate?: string; kind?: string; tenant?: string; json?: boolean }) => {
      const kind = kindOf(opts.kind);
      if (opts.code === undefined && opts.rate === undefined && kind === undefined) throw new UsageError('give --code, --rate or --kind');
      return withTenant(opts.tenant, async (rt, _t, scope) => {
        await updateTaxCode(scope, code, { ...(opts.code !== undefined ? { code: opts.code } : {}), ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
          ...(kind !== undefined ? { kind } : {}) }, (rt.clock ?? systemClock)()).catch(failure);
        await printCodes(scope, opts.json === true);
      });
    });

  t.command('remove')
    .description('removes a tax code no product group or customer names')
    .argument('<code>', 'the code (name or id)')
    .option(...TENANT_OPTION)
    .action((code: string, opts: { tenant?: string }) => withTenant(opts.tenant, async (_rt, _t, scope) => {
      await removeTaxCode(scope, code).catch(failure);
      process.stdout.write(`removed tax code ${code}\n`);
    }));

  t.command('groups')
    .description('lists the product groups (of the products) with their tax code')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (_rt, _t, scope) => {
      const rows = await listProductGroupTax(scope);
      if (opts.json) return printJson(rows);
      process.stdout.write(table(['product group', 'products', 'tax code'], rows.map((r) => [r.productGroup, r.products, r.taxCode])));
    }));

  t.command('group')
    .description('gives a product group a tax code, or none (its lines then bill the recurring invoice\'s rate)')
    .argument('<group>', 'the product group, e.g. Pax8')
    .argument('<code>', 'a tax code (name or id), or none')
    .option(...TENANT_OPTION)
    .option('--json', 'print JSON')
    .action((group: string, code: string, opts: { tenant?: string; json?: boolean }) => withTenant(opts.tenant, async (rt, _t, scope) => {
      const r = await setProductGroupTax(scope, group, code === 'none' ? null : code, (rt.clock ?? systemClock)()).catch(failure);
      if (opts.json) return printJson(r);
      process.stdout.write(`${r.productGroup}: ${r.taxCode ?? 'no tax code (the recurring invoice\'s rate)'}\n`);
    }));
}
