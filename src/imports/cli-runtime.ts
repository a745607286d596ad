import { openRuntime, type Runtime } from '../app/runtime.js';
import { CliFailure, UsageError } from '../cli/errors.js';
import type { Tenant } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { TenantError, TenantService } from '../tenants/service.js';

/** Opens the runtime, resolves `--tenant NAME`, runs fn, closes; domain errors become CLI failures. */
export async function withTenant<T>(tenantName: string | undefined, fn: (rt: Runtime, tenant: Tenant, scope: TenantScope) => Promise<T>): Promise<T> {
  if (!tenantName) throw new UsageError('--tenant NAME is required');
  const rt = await openRuntime();
  try {
    let tenant: Tenant;
    try {
      tenant = await new TenantService(rt.ds, rt.secrets).byName(tenantName);
    } catch (err) {
      if (err instanceof TenantError) throw new CliFailure(err.message);
      throw err;
    }
    return await fn(rt, tenant, new TenantScope(rt.ds.manager, tenant.id));
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'MappingError' || name === 'SubscriptionActionError' || name === 'ImportInputError' || name === 'TenantError') throw new CliFailure((err as Error).message);
    if (err instanceof RangeError) throw new UsageError(err.message);
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
