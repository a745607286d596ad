import { expect } from 'chai';
import {
  choiceOfSchedule, cronProblem, describeSchedule, nextScheduledRun, scheduleFromChoice, ScheduleChoiceError,
} from '../../../src/tenants/sync-schedule.js';

describe('sync schedules: checked, in words, from the form\'s choices', () => {
  it('accepts only crons the scheduler can run', () => {
    for (const ok of ['0 */4 * * *', '15 0 * * *', '30 5 * * 2', '0 5 1 * *', '*/15 * * * *']) expect(cronProblem(ok), ok).to.equal(null);
    expect(cronProblem('61 * * * *')).to.match(/not a valid cron/);
    expect(cronProblem('0 3 * *')).to.match(/five-field/);
    expect(cronProblem('0 0 3 * * *')).to.match(/five-field/);
  });

  it('says a schedule in words, not as a cron', () => {
    expect(describeSchedule('0 */4 * * *')).to.equal('every 4 hours (from midnight), on the hour');
    expect(describeSchedule('0 * * * *')).to.equal('every hour, on the hour');
    expect(describeSchedule('30 */2 * * *')).to.equal('every 2 hours (from midnight), at 30 past the hour');
    expect(describeSchedule('0 3 * * *')).to.equal('every day at 03:00');
    expect(describeSchedule('45 5 * * 1')).to.equal('every Monday at 05:45');
    expect(describeSchedule('0 5 1 * *')).to.equal('at 05:00, on day 1 of the month');
  });

  it('turns the form\'s choices into crons and back', () => {
    const cases: Array<[Parameters<typeof scheduleFromChoice>[0], string]> = [
      [{ kind: 'hours', everyHours: 1, minute: 0 }, '0 * * * *'],
      [{ kind: 'hours', everyHours: 6, minute: 10 }, '10 */6 * * *'],
      [{ kind: 'daily', at: '03:05' }, '5 3 * * *'],
      [{ kind: 'weekly', at: '23:59', weekday: 0 }, '59 23 * * 0'],
      [{ kind: 'cron', cron: ' 0 5 1 * * ' }, '0 5 1 * *'],
    ];
    for (const [choice, cron] of cases) {
      expect(scheduleFromChoice(choice)).to.equal(cron);
      if (choice.kind !== 'cron') expect(scheduleFromChoice(choiceOfSchedule(cron))).to.equal(cron);
    }
    for (const bad of [{ kind: 'hours', everyHours: 5 }, { kind: 'daily', at: '24:00' }, { kind: 'weekly', at: '01:00', weekday: 7 }, { kind: 'cron', cron: 'x' }] as const) {
      expect(() => scheduleFromChoice(bad), JSON.stringify(bad)).to.throw(ScheduleChoiceError);
    }
  });

  it('computes the next run in the tenant\'s zone from any clock, across a daylight-saving change', () => {
    // 29 March 2026: Europe/Berlin moves from UTC+1 to UTC+2 at 01:00 UTC.
    expect(nextScheduledRun('0 3 * * *', 'Europe/Berlin', new Date('2026-03-28T23:30:00Z')).toISOString()).to.equal('2026-03-29T01:00:00.000Z');
    expect(nextScheduledRun('0 3 * * *', 'Europe/Berlin', new Date('2026-03-27T23:30:00Z')).toISOString()).to.equal('2026-03-28T02:00:00.000Z');
    expect(nextScheduledRun('30 5 * * 2', 'America/New_York', new Date('2028-02-29T12:00:00Z')).toISOString()).to.equal('2028-03-07T10:30:00.000Z');
  });
});
