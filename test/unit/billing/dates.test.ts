import { expect } from 'chai';
import { addDays, dayIndex, daysBetween, daysInMonth, fromDayIndex, isCalendarDate, monthBounds } from '../../../src/billing/dates.js';

const utcDays = (iso: string): number => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 86_400_000;

describe('billing/dates', () => {
  it('numbers every day of 1999–2101 like the UTC calendar does, and back', () => {
    for (let n = utcDays('1999-01-01'); n <= utcDays('2101-12-31'); n++) {
      const iso = new Date(n * 86_400_000).toISOString().slice(0, 10);
      expect(dayIndex(iso)).to.equal(n);
      expect(fromDayIndex(n)).to.equal(iso);
    }
  });

  it('counts days across leap days and year ends', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).to.equal(2);
    expect(daysBetween('2025-02-28', '2025-03-01')).to.equal(1);
    expect(daysBetween('2024-01-01', '2025-01-01')).to.equal(366);
    expect(daysBetween('2100-01-01', '2101-01-01')).to.equal(365);
    expect(daysBetween('2026-03-01', '2026-02-01')).to.equal(-28);
    expect(addDays('2024-03-01', -1)).to.equal('2024-02-29');
    expect(addDays('2026-12-31', 1)).to.equal('2027-01-01');
  });

  it('knows month lengths and rejects impossible dates', () => {
    expect([2024, 2025, 2100, 2000].map((y) => daysInMonth(y, 2))).to.deep.equal([29, 28, 28, 29]);
    expect(isCalendarDate('2025-02-29')).to.equal(false);
    expect(isCalendarDate('2024-02-29')).to.equal(true);
    expect(isCalendarDate('2026-13-01')).to.equal(false);
    expect(isCalendarDate('2026-1-01')).to.equal(false);
    expect(monthBounds('2026-12')).to.deep.equal({ from: '2026-12-01', to: '2027-01-01' });
  });
});
