import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import {
  addDays, dateRange, daysBetween, openFrom, planUsageDays, previousMonth, usageToday,
  type StoredUsageState, type UsagePlan, type UsagePlanSettings,
} from '../../../src/imports/usage-plan.js';

const d = (v: string | number) => new Decimal(v);
const SETTINGS: UsagePlanSettings = { revisionDays: 3, monthCloseDays: 5, fullRefreshDays: 7 };

/** The state a plan leaves once its days were read, with the charges it was planned for. */
function after(plan: UsagePlan, charges: Decimal, partnerTotal = charges): StoredUsageState {
  return { currentCharges: charges, partnerTotal, ...plan.next };
}

describe('usage read plan (issue 26)', () => {
  describe('dates', () => {
    it('steps over month and year ends, leap days included', () => {
      expect(addDays('2026-11-30', 1)).to.equal('2026-12-01');
      expect(addDays('2027-01-01', -1)).to.equal('2026-12-31');
      expect(addDays('2028-02-28', 1)).to.equal('2028-02-29');
      expect(daysBetween('2026-12-30', '2027-01-02')).to.equal(3);
      expect(previousMonth('2027-01')).to.equal('2026-12');
      expect(previousMonth('2026-11')).to.equal('2026-10');
      expect(dateRange('2026-11-29', '2026-12-01')).to.deep.equal(['2026-11-29', '2026-11-30', '2026-12-01']);
      expect(dateRange('2026-12-02', '2026-12-01')).to.deep.equal([]);
    });
    it('the open months start on the previous month\'s 1st through day monthCloseDays, else on this month\'s', () => {
      expect(openFrom('2026-12-05', 5)).to.equal('2026-11-01');
      expect(openFrom('2026-12-06', 5)).to.equal('2026-12-01');
      expect(openFrom('2027-01-01', 5)).to.equal('2026-12-01');
    });
    it('today is the tenant\'s date, or the UTC date when the tenant is already a day ahead of Pax8\'s calendar', () => {
      // New York, 23:00 on the 21st = 04:00 UTC on the 22nd.
      expect(usageToday(new Date('2026-11-22T04:00:00Z'), '2026-11-21')).to.equal('2026-11-21');
      // Auckland, 09:00 on the 23rd = 20:00 UTC on the 22nd: the 23rd is still a future usageDate for Pax8.
      expect(usageToday(new Date('2026-11-22T20:00:00Z'), '2026-11-23')).to.equal('2026-11-22');
    });
  });

  describe('plans', () => {
    const first = planUsageDays({ today: '2026-11-15', stored: null, charges: d(100), partnerTotal: d(90), settings: SETTINGS });

    it('reads a summary seen for the first time in full: the open months up to today', () => {
      expect(first.reason).to.equal('new');
      expect(first.days).to.deep.equal(dateRange('2026-11-01', '2026-11-15'));
      expect(first.next).to.deep.equal({ finalThrough: '2026-11-12', lastFullRead: '2026-11-15', closedMonth: '2026-10' });
      // In the first days of a month the previous month is still open (as the full read always did).
      const jan = planUsageDays({ today: '2027-01-03', stored: null, charges: d(1), partnerTotal: d(1), settings: SETTINGS });
      expect(jan.days[0]).to.equal('2026-12-01');
      expect(jan.days).to.have.length(34);
      expect(jan.next.closedMonth).to.equal('2026-11');
    });

    it('reads a summary stored before the read state existed in full', () => {
      const plan = planUsageDays({
        today: '2026-11-16', charges: d(1), partnerTotal: d(1), settings: SETTINGS,
        stored: { currentCharges: d(1), partnerTotal: d(1), finalThrough: null, lastFullRead: null, closedMonth: null },
      });
      expect(plan.reason).to.equal('new');
      expect(plan.days).to.have.length(16);
    });

    it('the next day, reads only the days that can still change: the revision window and today', () => {
      const plan = planUsageDays({ today: '2026-11-16', stored: after(first, d(100), d(90)), charges: d(104), partnerTotal: d(93), settings: SETTINGS });
      expect(plan.reason).to.equal('changed');
      expect(plan.days).to.deep.equal(['2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16']);
      expect(plan.next).to.deep.equal({ finalThrough: '2026-11-13', lastFullRead: '2026-11-15', closedMonth: '2026-10' });
    });

    it('after days without an import, reads every day since the last final one', () => {
      const plan = planUsageDays({ today: '2026-11-20', stored: after(first, d(100)), charges: d(120), partnerTotal: d(120), settings: SETTINGS });
      expect(plan.days).to.deep.equal(dateRange('2026-11-13', '2026-11-20'));
    });

    it('reads nothing of a summary whose charges and partner total are as last imported', () => {
      const plan = planUsageDays({ today: '2026-11-16', stored: after(first, d(100), d(90)), charges: d('100.000000'), partnerTotal: d(90), settings: SETTINGS });
      expect(plan).to.deep.include({ reason: 'unchanged', days: [] });
      expect(plan.next).to.deep.equal(first.next);
      // The partner total alone changing is a change.
      expect(planUsageDays({ today: '2026-11-16', stored: after(first, d(100), d(90)), charges: d(100), partnerTotal: d(91), settings: SETTINGS }).reason).to.equal('changed');
    });

    it('reads the open months in full when asked (--full), and every fullRefreshDays days whatever the charges', () => {
      expect(planUsageDays({ today: '2026-11-16', stored: after(first, d(100)), charges: d(100), partnerTotal: d(100), full: true, settings: SETTINGS }))
        .to.deep.include({ reason: 'full', days: dateRange('2026-11-01', '2026-11-16') });
      expect(planUsageDays({ today: '2026-11-21', stored: after(first, d(100)), charges: d(100), partnerTotal: d(100), settings: SETTINGS }).reason).to.equal('unchanged');
      const weekly = planUsageDays({ today: '2026-11-22', stored: after(first, d(100)), charges: d(100), partnerTotal: d(100), settings: SETTINGS });
      expect(weekly).to.deep.include({ reason: 'weekly', days: dateRange('2026-11-01', '2026-11-22') });
      expect(weekly.next.lastFullRead).to.equal('2026-11-22');
    });

    it('at month close (the first import on or after day monthCloseDays) reads the month just ended in full once, even unchanged', () => {
      let stored = after(planUsageDays({ today: '2026-11-28', stored: null, charges: d(5), partnerTotal: d(5), settings: SETTINGS }), d(5));
      // Until the close the previous month is open: its days inside the revision window are read with December's.
      const dec2 = planUsageDays({ today: '2026-12-02', stored, charges: d(6), partnerTotal: d(6), settings: SETTINGS });
      expect(dec2.days).to.deep.equal(dateRange('2026-11-26', '2026-12-02'));
      stored = after(dec2, d(6));
      const dec5 = planUsageDays({ today: '2026-12-05', stored, charges: d(6), partnerTotal: d(6), settings: SETTINGS });
      expect(dec5).to.deep.include({ reason: 'month_close', days: dateRange('2026-11-01', '2026-12-05') });
      expect(dec5.next.closedMonth).to.equal('2026-11');
      stored = after(dec5, d(6));
      const dec6 = planUsageDays({ today: '2026-12-06', stored, charges: d(7), partnerTotal: d(7), settings: SETTINGS });
      expect(dec6).to.deep.include({ reason: 'changed', openFrom: '2026-12-01', days: dateRange('2026-12-03', '2026-12-06') });
      // An import first made after the close day reads the month just ended once, then no more.
      const late = planUsageDays({ today: '2026-12-09', stored: after(dec2, d(6)), charges: d(6), partnerTotal: d(6), settings: SETTINGS });
      expect(late).to.deep.include({ reason: 'month_close', openFrom: '2026-12-01', days: dateRange('2026-11-01', '2026-12-09') });
      expect(planUsageDays({ today: '2026-12-10', stored: after(late, d(6)), charges: d(6), partnerTotal: d(6), settings: SETTINGS }).reason).to.equal('unchanged');
    });
  });

  describe('properties (a simulated Pax8 that revises each day for a while, imports on arbitrary days)', () => {
    const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
    /** A day's figure as Pax8 serves it on `t`: low while the vendor may still revise it, then final (in cents). */
    const served = (day: string, t: string, pax8Revision: number): number | undefined => {
      if (day > t) return undefined;
      const final = 100 + ((dayMs(day) / 86_400_000) * 7919) % 500;
      return daysBetween(day, t) < pax8Revision ? Math.floor(final * 0.8) : final;
    };
    /** Pax8's current charges: the current month so far (a revision of the previous month does not change them). */
    const charges = (t: string, pax8Revision: number): Decimal => {
      let cents = 0;
      for (const day of dateRange(`${t.slice(0, 7)}-01`, t)) cents += served(day, t, pax8Revision)!;
      return d(cents).div(100);
    };

    const scenario = fc.record({
      start: fc.integer({ min: 0, max: 3 * 365 }).map((n) => addDays('2026-01-01', n)),
      gaps: fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 12 })), { minLength: 1, maxLength: 40 }),
      revisionDays: fc.integer({ min: 0, max: 5 }),
      monthCloseDays: fc.integer({ min: 1, max: 10 }),
      fullRefreshDays: fc.integer({ min: 1, max: 14 }),
    }).chain((s) => fc.record({
      s: fc.constant(s),
      // Pax8 revises within the window the tenant set, and settles a month before its close.
      pax8Revision: fc.integer({ min: 0, max: Math.min(s.revisionDays, s.monthCloseDays) }),
    }));

    it('keeps every day of the current month as Pax8 serves it, the month just ended final after its close, asks for no future day, and refreshes in full on time', () => {
      fc.assert(fc.property(scenario, ({ s, pax8Revision }) => {
        const settings = { revisionDays: s.revisionDays, monthCloseDays: s.monthCloseDays, fullRefreshDays: s.fullRefreshDays };
        const lines = new Map<string, number>();
        let stored: StoredUsageState | null = null;
        let today = s.start;
        let firstOpen: string | null = null;
        for (const gap of [0, ...s.gaps]) {
          today = addDays(today, gap);
          const c = charges(today, pax8Revision);
          const plan = planUsageDays({ today, stored, charges: c, partnerTotal: c, settings });
          firstOpen ??= plan.openFrom;
          // Ascending, no repeats, never after today, never before the previous month.
          expect(plan.days).to.deep.equal([...new Set(plan.days)].sort());
          if (plan.days.length > 0) {
            expect(plan.days.at(-1)).to.equal(today);
            expect(plan.days[0]! >= `${previousMonth(today.slice(0, 7))}-01`).to.equal(true);
          }
          // Never more than fullRefreshDays between full reads of the open months.
          if (stored?.lastFullRead && daysBetween(stored.lastFullRead, today) >= s.fullRefreshDays) {
            expect(plan.days).to.include.members(dateRange(plan.openFrom, today));
          }
          for (const day of plan.days) {
            const v = served(day, today, pax8Revision);
            if (v !== undefined) lines.set(day, v);
          }
          stored = after(plan, c);
          // Every day of the current month is stored as Pax8 serves it now (a revision inside the window is caught).
          for (const day of dateRange(`${today.slice(0, 7)}-01`, today)) expect(lines.get(day), `${day} on ${today}`).to.equal(served(day, today, pax8Revision));
          // After the close day the month just ended is stored final (a late revision after month end is caught).
          const prev = `${previousMonth(today.slice(0, 7))}-01`;
          if (Number(today.slice(8, 10)) >= s.monthCloseDays && firstOpen <= prev) {
            for (const day of dateRange(prev, addDays(`${today.slice(0, 7)}-01`, -1))) {
              expect(lines.get(day), `${day} on ${today}`).to.equal(served(day, '9999-12-31', pax8Revision));
            }
          }
        }
      }), { numRuns: 300 });
    });

    it('the day after an import asks for revisionDays + 1 days, and nothing for a summary whose charges are unchanged', () => {
      fc.assert(fc.property(
        fc.integer({ min: 0, max: 3 * 365 }).map((n) => addDays('2026-01-01', n)), fc.integer({ min: 0, max: 5 }),
        (start, revisionDays) => {
          const settings = { ...SETTINGS, revisionDays };
          const today = addDays(start, 1);
          const stored = after(planUsageDays({ today: start, stored: null, charges: d(1), partnerTotal: d(1), settings }), d(1));
          const plan = planUsageDays({ today, stored, charges: d(2), partnerTotal: d(2), settings });
          if (plan.reason === 'changed' && stored.finalThrough! >= plan.openFrom) expect(plan.days).to.have.length(revisionDays + 1);
          if (plan.reason === 'changed') expect(plan.days.length).to.be.at.most(revisionDays + 1);
          const same = planUsageDays({ today, stored, charges: d(1), partnerTotal: d(1), settings });
          if (same.reason === 'unchanged') expect(same.days).to.deep.equal([]);
          else expect(['month_close', 'weekly']).to.include(same.reason);
        },
      ), { numRuns: 500 });
    });
  });
});
