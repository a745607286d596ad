import { isCalendarDate, type CalendarDate } from '../billing/dates.js';
import { localDateOf } from '../billing/localdate.js';
import type { Tenant } from '../db/entities/index.js';

export class BillingDateError extends Error {
  override name = 'BillingDateError';
}

/** The given billing date, checked, or today in the tenant's zone. */
export function billingDate(tenant: Tenant, date: string | undefined): CalendarDate {
  if (date === undefined) return localDateOf(new Date().toISOString(), tenant.timeZone || 'UTC');
  if (!isCalendarDate(date)) throw new BillingDateError(`the date must be a calendar date YYYY-MM-DD, got "${date}"`);
  return date;
}
