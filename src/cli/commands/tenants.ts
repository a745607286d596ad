import type { Command } from 'commander';
import { openRuntime, type Runtime } from '../../app/runtime.js';
import { TenantError, TenantService, viewTenant } from '../../tenants/service.js';
import { pax8ClientFor } from '../../tenants/pax8-client.js';
import {
  partnerCompanyCandidates, partnerCompanyHint, setPartnerCompany, tenantPartnerCompany, type PartnerCompanyCandidate, type PartnerCompanyState,
} from '../../tenants/partner-company.js';
import type { Tenant } from '../../db/entities/index.js';
import { CliFailure, UsageError } from '../errors.js';
import { readSecret } from '../read-secret.js';

async function withTenants<T>(fn: (svc: TenantService, rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime();
  try {
    return await fn(new TenantService(rt.ds, rt.secrets), rt);
  } catch (err) {
    if (err instanceof TenantError) throw err.code === 'invalid' ? new UsageError(err.message) : new CliFailure(err.message);
    throw err;
  } finally {
    await rt.close();
  }
}

/** Parses `a.b=value` settings assignments; values are JSON when they parse, else strings. */
function parseAssignments(items: string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`--set expects key=value, got "${item}"`);
    const keys = item.slice(0, eq).split('.');
    let value: unknown = item.slice(eq + 1);
    try {
      value = JSON.parse(value as string);
    } catch {
      /* plain string */
    }
    let cur = patch;
    for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
    cur[keys[keys.length - 1]] = value;
  }
  return patch;
}

function describePartnerCompany(state: PartnerCompanyState): string {
  if (state.state === 'chosen') return `chosen (${state.pax8CompanyId})`;
  return state.state === 'declined' ? 'declined (the account has none: every company is a customer)' : 'not yet chosen';
}

/** Lists the Pax8 companies whose names match the tenant's (read live); a failure to reach Pax8 is only reported. */
async function printCandidates(svc: TenantService, t: Tenant, also: string[]): Promise<void> {
  let candidates: PartnerCompanyCandidate[];
  try {
    candidates = await partnerCompanyCandidates(pax8ClientFor(svc, t, { maxRetries: 1, timeoutMs: 15_000 }), t, also);
  } catch (err) {
    process.stdout.write(`could not list the Pax8 companies (${(err as Error).message}); any company may be chosen by id\n`);
    candidates = [];
  }
  if (candidates.length > 0) {
    process.stdout.write('Pax8 companies whose names match the partner account:\n');
    for (const c of candidates) process.stdout.write(`  ${c.pax8CompanyId}\t${c.name}\n`);
  } else {
    process.stdout.write('no Pax8 company name matches the partner account (try --match WORDS); any company may be chosen by id\n');
  }
  process.stdout.write(`then: ${partnerCompanyHint(t.name)}\n`);
}

export function register(program: Command): void {
  const tenants = program.command('tenants').description('Pax8 partner connections (tenants)');

  tenants
    .command('add <name>')
    .description('connect a Pax8 partner account; the client secret is read from PAX8_CLIENT_SECRET or stdin (never echoed)')
    .requiredOption('--client-id <id>', 'Pax8 developer app client id')
    .option('--api-url <url>', 'API base URL (default https://api.pax8.com/v1)')
    .option('--token-url <url>', 'OAuth token URL (default https://api.pax8.com/v1/token)')
    .option('--audience <audience>', 'OAuth audience (default https://api.pax8.com)')
    .option('--time-zone <zone>', 'IANA time zone for billing dates', 'UTC')
    .option('--display-name <name>', 'name shown in the web app')
    .option('--disabled', 'create the tenant disabled (no scheduled syncs)')
    .option('--partner-company <pax8CompanyId>', 'the partner\'s own Pax8 company (never imported as a customer)')
    .option('--no-partner-company', 'the account has no own company among its Pax8 companies (every company is a customer)')
    .action(async (name: string, o: {
      clientId: string; apiUrl?: string; tokenUrl?: string; audience?: string; timeZone: string; displayName?: string; disabled?: boolean; partnerCompany?: string | false;
    }) => {
      const secret = await readSecret('PAX8_CLIENT_SECRET', 'Pax8 client secret: ');
      if (!secret) throw new UsageError('no client secret: set PAX8_CLIENT_SECRET or pipe it on stdin');
      await withTenants(async (svc) => {
        const t = await svc.create({
          name, clientId: o.clientId, clientSecret: secret, apiUrl: o.apiUrl, tokenUrl: o.tokenUrl, audience: o.audience,
          timeZone: o.timeZone, displayName: o.displayName, enabled: !o.disabled,
        });
        process.stdout.write(`tenant "${t.name}" added (id ${t.id})\n`);
        if (o.partnerCompany !== undefined) {
          const state = await setPartnerCompany(svc, t.id, o.partnerCompany === false ? null : o.partnerCompany);
          process.stdout.write(`partner company: ${describePartnerCompany(state)}\n`);
          return;
        }
        process.stdout.write('partner company: not yet chosen (imports refuse to run until it is chosen or declined)\n');
        await printCandidates(svc, t, []);
      });
    });

  tenants
    .command('partner-company <name>')
    .description('show, choose (--set) or decline (--none) the partner\'s own Pax8 company; it is never imported as a customer, and imports refuse to run until it is chosen or declined')
    .option('--set <pax8CompanyId>', 'choose this Pax8 company (any id, listed or not)')
    .option('--none', 'the account has no own company among its Pax8 companies')
    .option('--match <words...>', 'also offer companies whose names share these words (e.g. the partner account\'s legal name)')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: { set?: string; none?: boolean; match?: string[]; json?: boolean }) => {
      if (o.set !== undefined && o.none) throw new UsageError('give either --set or --none, not both');
      await withTenants(async (svc) => {
        const t = await svc.byName(name);
        if (o.set !== undefined || o.none) {
          const state = await setPartnerCompany(svc, t.id, o.none ? null : o.set!);
          if (o.json) process.stdout.write(JSON.stringify(state) + '\n');
          else process.stdout.write(`tenant "${t.name}": partner company ${describePartnerCompany(state)}\n`);
          return;
        }
        const state = tenantPartnerCompany(t);
        if (o.json) {
          const candidates = await partnerCompanyCandidates(pax8ClientFor(svc, t, { maxRetries: 1 }), t, o.match ?? []);
          process.stdout.write(JSON.stringify({ ...state, candidates }, null, 2) + '\n');
          return;
        }
        process.stdout.write(`tenant "${t.name}": partner company ${describePartnerCompany(state)}\n`);
        await printCandidates(svc, t, o.match ?? []);
      });
    });

  tenants
    .command('list')
    .description('list tenants (secrets are never shown)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      await withTenants(async (svc) => {
        const views = (await svc.list()).map(viewTenant);
        if (o.json) {
          process.stdout.write(JSON.stringify(views, null, 2) + '\n');
          return;
        }
        if (views.length === 0) {
          process.stdout.write('no tenants\n');
          return;
        }
        for (const v of views) {
          process.stdout.write(`${v.name}\t${v.enabled ? 'enabled' : 'disabled'}\t${v.timeZone}\t${v.pax8ApiUrl ?? 'https://api.pax8.com/v1'}\t${v.displayName}\n`);
        }
      });
    });

  tenants
    .command('test <name>')
    .description('fetch a token and one page from Pax8, and report success or the precise reason it failed')
    .option('--json', 'print as JSON')
    .option('--timeout <ms>', 'per-request timeout in milliseconds', '15000')
    .action(async (name: string, o: { json?: boolean; timeout: string }) => {
      const timeoutMs = Number.parseInt(o.timeout, 10);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
      const result = await withTenants(async (svc) => {
        const client = pax8ClientFor(svc, await svc.byName(name), { timeoutMs, maxRetries: 0 });
        return client.testConnection();
      });
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else if (result.ok) process.stdout.write(`tenant "${name}": connection OK\n`);
      if (!result.ok) {
        if (!o.json) process.stderr.write(`tenant "${name}": connection failed (${result.reason}): ${result.message}\n`);
        process.exitCode = 1;
      }
    });

  tenants
    .command('settings <name>')
    .description('show a tenant\'s settings, or change them with --set key=value (e.g. imports.allowQuantityIncrease=true)')
    .option('--set <assignment...>', 'settings to change, as dotted.key=value')
    .action(async (name: string, o: { set?: string[] }) => {
      await withTenants(async (svc) => {
        const t = await svc.byName(name);
        const settings = o.set ? await svc.updateSettings(t.id, parseAssignments(o.set)) : viewTenant(t).settings;
        process.stdout.write(JSON.stringify(settings, null, 2) + '\n');
      });
    });

  tenants
    .command('remove <name>')
    .description('remove a tenant and everything imported for it')
    .option('--yes', 'confirm the removal')
    .action(async (name: string, o: { yes?: boolean }) => {
      if (!o.yes) throw new UsageError(`removing tenant "${name}" deletes all its data: repeat with --yes to confirm`);
      await withTenants(async (svc) => {
        await svc.remove((await svc.byName(name)).id);
        process.stdout.write(`tenant "${name}" removed\n`);
      });
    });
}
