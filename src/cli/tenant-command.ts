import { openRuntime, type Runtime } from '../app/runtime.js';
import { Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { BillingDateError } from '../invoices/billing-date.js';
import { TenantError, TenantService } from '../tenants/service.js';
import { CliFailure, UsageError } from './errors.js';

/** The `--tenant` option every tenant command takes. */
export const TENANT_OPTION = ['--tenant <name>', 'tenant name (optional when there is only one)'] as const;

/**
 * The tenant named by --tenant (unknown: a failure, exit 1), or the only tenant when there is exactly one
 * (none or several: bad usage, exit 2).
 */
async function chooseTenant(rt: Runtime, name: string | undefined): Promise<Tenant> {
  if (name !== undefined) {
    try {
      return await new TenantService(rt.ds, rt.secrets).byName(name);
    } catch (err) {
      if (err instanceof TenantError) throw new CliFailure(err.message);
      throw err;
    }
  }
  const all = await rt.ds.manager.find(Tenant, { take: 2 });
  if (all.length === 1) return all[0]!;
  throw new UsageError(all.length === 0 ? 'there are no tenants yet (recurra tenants add)' : 'several tenants exist; choose one with --tenant NAME');
}

/**
 * Opens the runtime, resolves the tenant, runs fn with a scope bound to it, and closes. Invalid argument values
 * found by the domain (a RangeError, a bad --date) are bad usage (exit 2); other errors print their message (exit 1).
 */
export async function withTenant<T>(tenantName: string | undefined, fn: (rt: Runtime, tenant: Tenant, scope: TenantScope) => Promise<T>): Promise<T> {
  const rt = await openRuntime();
  try {
    const tenant = await chooseTenant(rt, tenantName);
    return await fn(rt, tenant, new TenantScope(rt.ds.manager, tenant.id));
  } catch (err) {
    if (err instanceof RangeError || err instanceof BillingDateError) throw new UsageError(err.message);
    throw err;
  } finally {
    await rt.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Fixed-width text table. */
export function table(headers: string[], rows: Array<Array<string | number | boolean | null>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function splitList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}
