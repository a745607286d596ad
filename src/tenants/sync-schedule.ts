import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import { z } from 'zod';

/**
 * A tenant's schedules (TenantSettings.schedule) are five-field cron expressions in the tenant's time zone, the form
 * the scheduler hands to Agenda. They are checked here with cron-parser, the parser Agenda itself computes the next
 * run with, so a schedule that saves is one the scheduler can run. People see them in words (describeSchedule) and
 * edit them through simple choices (every N hours, every day, every week) that scheduleFromChoice turns into a cron.
 */

const FIVE_FIELDS = /^(\S+\s+){4}\S+$/;

/** Why `expr` is not a schedule the scheduler can run, or null. */
export function cronProblem(expr: string): string | null {
  if (!FIVE_FIELDS.test(expr.trim())) return 'a five-field cron expression, e.g. "0 */4 * * *"';
  try {
    CronExpressionParser.parse(expr.trim(), { tz: 'UTC' });
    return null;
  } catch (err) {
    return `not a valid cron expression: ${(err as Error).message}`;
  }
}

/** A schedule setting: a valid five-field cron (trimmed). */
export const cronSchedule = z.string().max(100).transform((s) => s.trim()).superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** When a schedule next comes due after `from`, in `timeZone` (what Agenda computes for the job). */
export function nextScheduledRun(expr: string, timeZone: string, from: Date): Date {
  return CronExpressionParser.parse(expr.trim(), { tz: timeZone, currentDate: from }).next().toDate();
}

export const SCHEDULE_KINDS = ['hours', 'daily', 'weekly', 'cron'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
/** The "every N hours" choices: those that divide the day evenly, so runs fall at the same hours every day. */
export const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12] as const;
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** A schedule as the web form offers it. */
export interface ScheduleChoice {
  kind: ScheduleKind;
  /** hours: 1, 2, 3, 4, 6, 8 or 12. */
  everyHours?: number;
  /** daily and weekly: HH:MM; hours: the minute past the hour (0-59). */
  at?: string;
  minute?: number;
  /** weekly: 0 (Sunday) to 6. */
  weekday?: number;
  /** cron: the expression itself. */
  cron?: string;
}

export class ScheduleChoiceError extends Error {
  override name = 'ScheduleChoiceError';
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** The cron of a form choice; throws ScheduleChoiceError naming what is wrong. */
export function scheduleFromChoice(c: ScheduleChoice): string {
  const time = () => {
    const m = HHMM.exec((c.at ?? '').trim());
    if (!m) throw new ScheduleChoiceError('a time of day as HH:MM, e.g. 03:00');
    return { h: Number(m[1]), min: Number(m[2]) };
  };
  switch (c.kind) {
    case 'hours': {
      const n = Number(c.everyHours);
      if (!(HOUR_STEPS as readonly number[]).includes(n)) throw new ScheduleChoiceError(`every ${HOUR_STEPS.join(', ')} hours`);
      const minute = Number(c.minute ?? 0);
      if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw new ScheduleChoiceError('a minute past the hour from 0 to 59');
      return `${minute} ${n === 1 ? '*' : `*/${n}`} * * *`;
    }
    case 'daily': {
      const { h, min } = time();
      return `${min} ${h} * * *`;
    }
    case 'weekly': {
      const { h, min } = time();
      const d = Number(c.weekday);
      if (!Number.isInteger(d) || d < 0 || d > 6) throw new ScheduleChoiceError('a day of the week');
      return `${min} ${h} * * ${d}`;
    }
    case 'cron': {
      const expr = (c.cron ?? '').trim();
      const problem = cronProblem(expr);
      if (problem) throw new ScheduleChoiceError(problem);
      return expr;
    }
    default:
      throw new ScheduleChoiceError(`one of ${SCHEDULE_KINDS.join(', ')}`);
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The form choice a cron reads as (kind 'cron' when it is none of the simple ones). */
export function choiceOfSchedule(expr: string): ScheduleChoice {
  const e = expr.trim();
  let m = /^(\d{1,2}) (\*|\*\/(\d{1,2})) \* \* \*$/.exec(e);
  if (m) {
    const n = m[3] ? Number(m[3]) : 1;
    if ((HOUR_STEPS as readonly number[]).includes(n) && Number(m[1]) < 60) return { kind: 'hours', everyHours: n, minute: Number(m[1]) };
  }
  m = /^(\d{1,2}) (\d{1,2}) \* \* (\*|[0-6])$/.exec(e);
  if (m && Number(m[1]) < 60 && Number(m[2]) < 24) {
    const at = `${pad(Number(m[2]))}:${pad(Number(m[1]))}`;
    return m[3] === '*' ? { kind: 'daily', at } : { kind: 'weekly', at, weekday: Number(m[3]) };
  }
  return { kind: 'cron', cron: e };
}

/** The schedule in words, e.g. "every 4 hours, on the hour", "every day at 03:00", "every Monday at 05:45". */
export function describeSchedule(expr: string): string {
  const c = choiceOfSchedule(expr);
  switch (c.kind) {
    case 'hours': {
      const past = c.minute === 0 ? 'on the hour' : `at ${pad(c.minute!)} past the hour`;
      return c.everyHours === 1 ? `every hour, ${past}` : `every ${c.everyHours} hours (from midnight), ${past}`;
    }
    case 'daily':
      return `every day at ${c.at}`;
    case 'weekly':
      return `every ${WEEKDAYS[c.weekday!]} at ${c.at}`;
    default:
      try {
        const words = cronstrue.toString(expr, { use24HourTimeFormat: true, verbose: false });
        return words.charAt(0).toLowerCase() + words.slice(1);
      } catch {
        return 'an invalid schedule';
      }
  }
}
