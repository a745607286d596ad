import { type Clock, systemClock } from './clock.js';
import { boundedMemo } from './parsed-once.js';

/**
 * Tenant-local calendar dates: the one implementation. Intl.DateTimeFormat per zone (built once and cached): the
 * import converts a few dates of every subscription, and a dayjs timezone conversion per value cost more than the
 * rest of planning together (see the import benchmark in README.md).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // Throws RangeError for an unknown zone, as a conversion into it must.
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', calendar: 'gregory', numberingSystem: 'latn' });
    formatters.set(zone, f);
  }
  return f;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' of an instant in a zone (by parts when the locale's short form is not already that). */
function formatDate(ms: number, zone: string): string {
  const f = formatterFor(zone);
  const s = f.format(ms);
  if (DATE_ONLY.test(s)) return s;
  let y = '';
  let m = '';
  let d = '';
  for (const p of f.formatToParts(ms)) {
    if (p.type === 'year') y = p.value.padStart(4, '0');
    else if (p.type === 'month') m = p.value;
    else if (p.type === 'day') d = p.value;
  }
  return `${y}-${m}-${d}`;
}

/** Instants without a zone designator are UTC (as dayjs.utc read them). */
function instantOf(instant: Date | string): number {
  if (instant instanceof Date) return instant.getTime();
  if (DATE_ONLY.test(instant)) return Date.parse(`${instant}T00:00:00Z`);
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(instant) ? instant : `${instant}Z`);
}

/** The calendar date ('YYYY-MM-DD') on which an instant falls in the IANA zone. */
export function tenantDate(instant: Date | string, zone: string): string {
  const ms = instantOf(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(instant)}`);
  return formatDate(ms, zone);
}

/** Today in the tenant's zone (UTC when it has none), by the given clock: the runtime's (`rt.clock ?? systemClock`) or a test's. */
export function tenantToday(tenant: { timeZone: string | null | undefined }, clock: Clock = systemClock): string {
  return tenantDate(clock(), tenant.timeZone || 'UTC');
}

/**
 * A Pax8 date field (normalised by the client schema: 'YYYY-MM-DD' or an ISO UTC instant) as a
 * tenant calendar date. Date-only values are taken as they are.
 */
export function pax8DateToTenantDate(value: string | null | undefined, zone: string): string | null {
  if (!value) return null;
  if (DATE_ONLY.test(value)) return value;
  // An import converts a few dates of every record and most are shared (midnight starts, commitment ends): the
  // formatter call is the costly part, so results are remembered, a bounded number at a time.
  return converted(`${zone} ${value}`, () => tenantDate(value, zone));
}

const converted = boundedMemo<string, string>(20_000);

/** 'YYYY-MM' of a calendar date. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}
