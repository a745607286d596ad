import { isCalendarDate, type CalendarDate } from '../billing/dates.js';
import { AppError, fieldError } from '../common/app-error.js';
import { systemClock, type Clock } from '../common/clock.js';
import { tenantToday } from '../common/tenant-date.js';
import type { Tenant } from '../db/entities/index.js';

export class BillingDateError extends AppError {
  override name = 'BillingDateError';
  /** `invalid_date`: not a calendar date (body.date); `future_date`: a run dated after today without allowing it (its own API code). */
  constructor(message: string, override readonly code: 'invalid_date' | 'future_date' = 'invalid_date') {
    super('invalid', message, code === 'future_date'
      ? { code, apiCode: 'future_date', fields: fieldError('body.allowFuture', message) }
      : { code, fields: fieldError('body.date', message) });
  }
}

/** The given billing date, checked, or today in the tenant's zone. */
export function billingDate(tenant: Tenant, date: string | undefined, clock: Clock = systemClock): CalendarDate {
  if (date === undefined) return tenantToday(tenant, clock);
  if (!isCalendarDate(date)) throw new BillingDateError(`the date must be a calendar date YYYY-MM-DD, got "${date}"`);
  return date;
}
