import { expect } from 'chai';
import { periodContaining, periodStartsBetween, previousPeriod, isPeriodStart, type Schedule } from '../../../src/billing/periods.js';

const pad = (n: number) => String(n).padStart(2, '0');
/** Independent oracle: the anchored start in (year, month1) via JS Date month lengths. */
function expectedStart(year: number, month1: number, anchor: number): string {
  const y = year + Math.floor((month1 - 1) / 12);
  const m = ((month1 - 1) % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}-${pad(m)}-${pad(Math.min(anchor, last))}`;
}
const days = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;

describe('billing/periods', () => {
  it('every anchor day 1–31 through every month of 2024–2028: boundaries, periodDays, clamping, every day maps to its period', () => {
    let checked = 0;
    let expectedDays = 0;
    for (let anchor = 1; anchor <= 31; anchor++) {
      const schedule: Schedule = { frequency: 'monthly', anchorDay: anchor };
      for (let year = 2024; year <= 2028; year++) {
        for (let month = 1; month <= 12; month++) {
          const start = expectedStart(year, month, anchor);
          const end = expectedStart(year, month + 1, anchor);
          const p = periodContaining(schedule, start);
          expect(p, `anchor ${anchor} ${start}`).to.deep.equal({ start, end, days: days(start, end) });
          expect(isPeriodStart(schedule, start)).to.equal(true);
          expect(previousPeriod(schedule, end).start).to.equal(start);
          for (let d = 0; d < p.days; d++) {
            const day = new Date(Date.parse(`${start}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
            expect(periodContaining(schedule, day).start, `anchor ${anchor} day ${day}`).to.equal(start);
            checked++;
          }
        }
      }
      const expected = Array.from({ length: 60 }, (_, i) => expectedStart(2024, i + 1, anchor));
      expect(periodStartsBetween(schedule, '2024-01-01', '2028-12-31')).to.deep.equal(expected);
      expectedDays += days(expectedStart(2024, 1, anchor), expectedStart(2029, 1, anchor));
    }
    expect(checked).to.equal(expectedDays);
  });

  it('clamps to the month end, landing on Feb 29 in leap years', () => {
    const s31: Schedule = { frequency: 'monthly', anchorDay: 31 };
    expect(periodContaining(s31, '2024-02-29')).to.deep.equal({ start: '2024-02-29', end: '2024-03-31', days: 31 });
    expect(periodContaining(s31, '2024-02-28')).to.deep.equal({ start: '2024-01-31', end: '2024-02-29', days: 29 });
    expect(periodContaining(s31, '2025-02-28')).to.deep.equal({ start: '2025-02-28', end: '2025-03-31', days: 31 });
    expect(periodContaining(s31, '2025-04-30')).to.deep.equal({ start: '2025-04-30', end: '2025-05-31', days: 31 });
    const s29: Schedule = { frequency: 'monthly', anchorDay: 29 };
    expect(periodContaining(s29, '2028-03-01')).to.deep.equal({ start: '2028-02-29', end: '2028-03-29', days: 29 });
    expect(periodContaining(s29, '2027-03-01')).to.deep.equal({ start: '2027-02-28', end: '2027-03-29', days: 29 });
  });

  it('quarterly and annual periods are placed by the anchor month', () => {
    const q: Schedule = { frequency: 'quarterly', anchorDay: 31, anchorMonth: 2 };
    expect(periodContaining(q, '2024-03-15')).to.deep.equal({ start: '2024-02-29', end: '2024-05-31', days: 92 });
    expect(periodContaining(q, '2024-02-28')).to.deep.equal({ start: '2023-11-30', end: '2024-02-29', days: 91 });
    expect(periodStartsBetween(q, '2024-01-01', '2024-12-31')).to.deep.equal(['2024-02-29', '2024-05-31', '2024-08-31', '2024-11-30']);
    const a: Schedule = { frequency: 'annual', anchorDay: 29, anchorMonth: 2 };
    expect(periodContaining(a, '2025-06-01')).to.deep.equal({ start: '2025-02-28', end: '2026-02-28', days: 365 });
    expect(periodContaining(a, '2024-02-29')).to.deep.equal({ start: '2024-02-29', end: '2025-02-28', days: 365 });
    expect(periodContaining(a, '2024-02-28')).to.deep.equal({ start: '2023-02-28', end: '2024-02-29', days: 366 });
  });

  it('lists period starts inclusively, skipping a from date inside a period', () => {
    const s: Schedule = { frequency: 'monthly', anchorDay: 15 };
    expect(periodStartsBetween(s, '2026-01-15', '2026-03-15')).to.deep.equal(['2026-01-15', '2026-02-15', '2026-03-15']);
    expect(periodStartsBetween(s, '2026-01-16', '2026-03-14')).to.deep.equal(['2026-02-15']);
    expect(periodStartsBetween(s, '2026-03-16', '2026-03-20')).to.deep.equal([]);
  });
});
