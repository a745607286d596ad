import type { DataSource } from 'typeorm';
import { isCalendarDate, type CalendarDate } from '../billing/dates.js';
import { localDateOf } from '../billing/localdate.js';
import { Tenant } from '../db/entities/index.js';

export class TenantChoiceError extends Error {
  override name = 'TenantChoiceError';
}

/** The tenant named by --tenant, or the only tenant when there is exactly one. */
export async function resolveTenant(ds: DataSource, name: string | undefined): Promise<Tenant> {
  if (name !== undefined) {
    const t = await ds.manager.findOneBy(Tenant, { name });
    if (!t) throw new TenantChoiceError(`no tenant named "${name}"`);
    return t;
  }
  const all = await ds.manager.find(Tenant, { take: 2 });
  if (all.length === 1) return all[0]!;
  throw new TenantChoiceError(all.length === 0 ? 'there are no tenants yet' : 'several tenants exist; choose one with --tenant NAME');
}

/** --date, or today in the tenant's zone. */
export function billingDate(tenant: Tenant, date: string | undefined): CalendarDate {
  if (date === undefined) return localDateOf(new Date().toISOString(), tenant.timeZone || 'UTC');
  if (!isCalendarDate(date)) throw new TenantChoiceError(`--date must be a calendar date YYYY-MM-DD, got "${date}"`);
  return date;
}
