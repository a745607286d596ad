/**
 * Date rendering in the formats the live Pax8 API mixes: `2020-12-03`,
 * `2020-12-01T13:20:13.153-0700` and ISO with `Z`. The variant is chosen by the caller
 * (deterministically, from a record's id) so the same record always renders the same way.
 */
export type DateStyle = 'date' | 'offset' | 'zulu';

const OFFSETS_MIN = [-420, -360, -300, -240, 0, 60];

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatZulu(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Local time at a fixed offset, written like `2020-12-01T13:20:13.153-0700`. */
export function formatOffset(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60000).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? '-' : '+';
  return `${local}${sign}${pad(Math.trunc(Math.abs(offsetMin) / 60))}${pad(Math.abs(offsetMin) % 60)}`;
}

/** Renders an instant as a date-time in one of the live formats; `variant` picks which. */
export function formatDateTime(ms: number, variant: number): string {
  switch (variant % 3) {
    case 0:
      return formatZulu(ms);
    case 1:
      return formatOffset(ms, OFFSETS_MIN[variant % OFFSETS_MIN.length]!);
    default:
      return formatDate(ms);
  }
}

/** Always a date-time (never a bare date): ISO Z or the offset form. */
export function formatTimestamp(ms: number, variant: number): string {
  return variant % 2 === 0 ? formatZulu(ms) : formatOffset(ms, OFFSETS_MIN[variant % OFFSETS_MIN.length]!);
}

export const DAY_MS = 86_400_000;

export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const dim = daysInMonth(d.getUTCFullYear(), d.getUTCMonth());
  d.setUTCDate(Math.min(day, dim));
  return d.getTime();
}

export function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

export function startOfMonthUtc(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Parses `yyyy-MM-dd` strictly; returns epoch ms at UTC midnight or null. */
export function parseDay(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const ms = Date.parse(`${s}T00:00:00Z`);
  if (Number.isNaN(ms) || formatDate(ms) !== s) return null;
  return ms;
}
