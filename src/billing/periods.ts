import { type CalendarDate, dateParts, daysBetween, daysInMonth, makeDate } from './dates.js';

export type Frequency = 'monthly' | 'quarterly' | 'annual';

export interface Schedule {
  frequency: Frequency;
  /** 1–31; in a shorter month the period starts on its last day. */
  anchorDay: number;
  /** Month (1–12) in which one period starts; places quarterly and annual periods. Default 1. */
  anchorMonth?: number;
}

/** [start, end): end is the next period's start. */
export interface Period {
  start: CalendarDate;
  end: CalendarDate;
  days: number;
}

const MONTHS_PER_PERIOD: Record<Frequency, number> = { monthly: 1, quarterly: 3, annual: 12 };

function monthIndex(year: number, month: number): number {
  return year * 12 + (month - 1);
}

function startInMonthIndex(schedule: Schedule, index: number): CalendarDate {
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return makeDate(year, month, Math.min(schedule.anchorDay, daysInMonth(year, month)));
}

function checkSchedule(schedule: Schedule): void {
  const { anchorDay, anchorMonth = 1 } = schedule;
  if (!(anchorDay >= 1 && anchorDay <= 31 && Math.floor(anchorDay) === anchorDay)) throw new Error(`anchorDay must be 1–31, got ${anchorDay}`);
  if (!(anchorMonth >= 1 && anchorMonth <= 12 && Math.floor(anchorMonth) === anchorMonth)) throw new Error(`anchorMonth must be 1–12, got ${anchorMonth}`);
  if (!Object.hasOwn(MONTHS_PER_PERIOD, schedule.frequency)) throw new Error(`unknown frequency ${String(schedule.frequency)}`);
}

/** Month index of the start of the period containing `date`. */
function periodIndexContaining(schedule: Schedule, date: CalendarDate): number {
  checkSchedule(schedule);
  const step = MONTHS_PER_PERIOD[schedule.frequency];
  const { year, month } = dateParts(date);
  const index = monthIndex(year, month);
  const offset = (((index - ((schedule.anchorMonth ?? 1) - 1)) % step) + step) % step;
  const candidate = index - offset;
  return date < startInMonthIndex(schedule, candidate) ? candidate - step : candidate;
}

function periodAt(schedule: Schedule, index: number): Period {
  const start = startInMonthIndex(schedule, index);
  const end = startInMonthIndex(schedule, index + MONTHS_PER_PERIOD[schedule.frequency]);
  return { start, end, days: daysBetween(start, end) };
}

export function periodContaining(schedule: Schedule, date: CalendarDate): Period {
  return periodAt(schedule, periodIndexContaining(schedule, date));
}

export function isPeriodStart(schedule: Schedule, date: CalendarDate): boolean {
  return periodContaining(schedule, date).start === date;
}

/** The period that ends where the period containing `date` starts. */
export function previousPeriod(schedule: Schedule, date: CalendarDate): Period {
  return periodAt(schedule, periodIndexContaining(schedule, date) - MONTHS_PER_PERIOD[schedule.frequency]);
}

export function nextPeriod(schedule: Schedule, date: CalendarDate): Period {
  return periodAt(schedule, periodIndexContaining(schedule, date) + MONTHS_PER_PERIOD[schedule.frequency]);
}

/** Every period start s with from ≤ s ≤ through, in order. */
export function periodStartsBetween(schedule: Schedule, from: CalendarDate, through: CalendarDate): CalendarDate[] {
  const starts: CalendarDate[] = [];
  let period = periodContaining(schedule, from);
  if (period.start < from) period = nextPeriod(schedule, from);
  while (period.start <= through) {
    starts.push(period.start);
    period = nextPeriod(schedule, period.start);
  }
  return starts;
}
