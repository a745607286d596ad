import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import { tenantDate } from '../common/tenant-date.js';
import type { CalendarDate } from './dates.js';

dayjs.extend(utc);

/** ISO 8601 instant with an explicit offset or Z, e.g. 2026-01-10T23:30:00Z or 2026-01-10T18:30:00-05:00. */
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function isInstant(value: string): boolean {
  return INSTANT_RE.test(value) && dayjs.utc(value).isValid();
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The calendar date on which an instant falls in `zone` (an instant, not a wall-clock reading): strict about its
 * input (an offset or Z is required), then the one tenant-date conversion in src/common/tenant-date.ts.
 */
export function localDateOf(instant: string, zone: string): CalendarDate {
  if (!isInstant(instant)) throw new Error(`not an ISO 8601 instant with an offset: ${instant}`);
  return tenantDate(instant, zone);
}
