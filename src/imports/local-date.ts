import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The calendar date ('YYYY-MM-DD') on which an instant falls in the tenant's IANA zone. */
export function tenantDate(instant: Date | string, zone: string): string {
  return dayjs.utc(instant).tz(zone).format('YYYY-MM-DD');
}

/**
 * A Pax8 date field (normalised by the client schema: 'YYYY-MM-DD' or an ISO UTC instant) as a
 * tenant calendar date. Date-only values are taken as they are.
 */
export function pax8DateToTenantDate(value: string | null | undefined, zone: string): string | null {
  if (!value) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : tenantDate(value, zone);
}

/** 'YYYY-MM' of a calendar date. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}
