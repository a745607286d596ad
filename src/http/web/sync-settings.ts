import {
  HOUR_STEPS, SCHEDULE_KINDS, ScheduleChoiceError, WEEKDAYS, choiceOfSchedule, describeSchedule, nextScheduledRun, scheduleFromChoice,
  type ScheduleChoice, type ScheduleKind,
} from '../../tenants/sync-schedule.js';
import { SYNC_ENTITIES, type SyncEntity } from '../../tenants/settings.js';
import { validationError } from '../api/errors.js';
import { when } from './format.js';
import { jobTitle } from './progress.js';

/**
 * The Integration page's "Regular sync" form: per entity whether the regular schedule syncs it and when, in words
 * and as simple choices (every N hours, every day, every week, or a cron for anything else), and the billing pass's
 * time. The page never asks for a cron unless the schedule is not one of the simple choices.
 */

const ROWS = [...SYNC_ENTITIES, 'billing'] as const;
type Row = (typeof ROWS)[number];
const LABELS: Record<Row, string> = {
  customers: 'Customers', products: 'Products (the Pax8 catalog and prices)', subscriptions: 'Subscriptions', usage: 'Usage', billing: 'Daily billing pass and invoice run',
};
const KIND_LABELS: Record<ScheduleKind, string> = { hours: 'Every few hours', daily: 'Every day', weekly: 'Every week', cron: 'Other (cron)' };

interface Settings {
  imports: { scheduledEntities: readonly SyncEntity[] };
  schedule: Record<Row, string>;
}

/** One row per entity and one for billing, for the template. */
export function scheduleRows(settings: Settings, timeZone: string, now: Date) {
  return ROWS.map((key) => {
    const cron = settings.schedule[key];
    const c: ScheduleChoice = choiceOfSchedule(cron);
    const scheduled = key === 'billing' || settings.imports.scheduledEntities.includes(key);
    let next: string | null = null;
    try {
      next = scheduled ? when(nextScheduledRun(cron, timeZone, now).toISOString(), timeZone) : null;
    } catch { /* an invalid stored schedule: the words say so */ }
    return {
      key, label: LABELS[key], entity: key !== 'billing', scheduled, inWords: describeSchedule(cron), next, cron,
      kinds: SCHEDULE_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k], selected: c.kind === k })),
      hourSteps: HOUR_STEPS.map((n) => ({ value: n, label: n === 1 ? 'hour' : `${n} hours`, selected: (c.everyHours ?? 4) === n })),
      minute: c.minute ?? 0,
      at: c.at ?? '03:00',
      weekdays: WEEKDAYS.map((d, i) => ({ value: i, label: d, selected: (c.weekday ?? 1) === i })),
      customCron: c.kind === 'cron' ? cron : '',
    };
  });
}

/** The settings patch of a posted "Regular sync" form; 400 naming the row when a choice is incomplete. */
export function schedulePatchFromForm(body: Record<string, unknown>): { schedule: Record<Row, string>; imports: { scheduledEntities: SyncEntity[] } } {
  const field = (row: Row, name: string) => {
    const v = body[`${row}.${name}`];
    return typeof v === 'string' ? v : undefined;
  };
  const schedule = {} as Record<Row, string>;
  for (const row of ROWS) {
    const kind = (field(row, 'kind') ?? '') as ScheduleKind;
    try {
      schedule[row] = scheduleFromChoice({
        kind, everyHours: Number(field(row, 'everyHours')), minute: Number(field(row, 'minute') || 0), at: field(row, 'at'),
        weekday: Number(field(row, 'weekday')), cron: field(row, 'cron'),
      });
    } catch (err) {
      if (err instanceof ScheduleChoiceError) throw validationError([{ path: `schedule.${row}`, message: `${LABELS[row]}: ${err.message}` }]);
      throw err;
    }
  }
  const scheduledEntities = SYNC_ENTITIES.filter((e) => field(e, 'scheduled') === 'on' || field(e, 'scheduled') === 'true');
  return { schedule, imports: { scheduledEntities } };
}

/** The Jobs table's rows with what each job does and each recurring job's schedule in words (the job's name and the cron stay in tooltips). */
export function withScheduleWords<T extends { name?: string; repeatInterval?: string | null }>(jobs: T[]): Array<T & { scheduleWords: string; what: string }> {
  return jobs.map((j) => ({ ...j, what: jobTitle(String(j.name ?? '')), scheduleWords: j.repeatInterval ? describeSchedule(j.repeatInterval) : '' }));
}
