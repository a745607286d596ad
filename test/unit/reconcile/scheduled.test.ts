import { expect } from 'chai';
import { monthsToReconcile, previousMonth } from '../../../src/reconcile/scheduled.js';

describe('reconcile: the months the nightly reconciliation covers', () => {
  it('the previous month of January is December of the year before', () => {
    expect(previousMonth('2027-01')).to.equal('2026-12');
    expect(previousMonth('2026-11')).to.equal('2026-10');
  });

  it('reconciles last month too through the 15th while its Pax8 invoice was not imported before the night', () => {
    expect(monthsToReconcile('2026-12-01', false)).to.deep.equal(['2026-11', '2026-12']);
    expect(monthsToReconcile('2027-01-05', false)).to.deep.equal(['2026-12', '2027-01']);
    expect(monthsToReconcile('2026-12-15', false)).to.deep.equal(['2026-11', '2026-12']);
  });

  it('only the current month once last month\'s invoice is in, or after the 15th', () => {
    expect(monthsToReconcile('2026-12-06', true)).to.deep.equal(['2026-12']);
    expect(monthsToReconcile('2026-12-16', false)).to.deep.equal(['2026-12']);
    expect(monthsToReconcile('2026-12-31', true)).to.deep.equal(['2026-12']);
  });
});
