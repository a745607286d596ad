import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { periodContaining } from '../../../src/billing/periods.js';
import { prorataAdjustments, type Adjustment } from '../../../src/billing/prorata.js';
import { formatMoney, roundMoney } from '../../../src/billing/money.js';
import { advance, histories, history, link, MONTHLY_1 } from './helpers.js';

const JAN = periodContaining(MONTHLY_1, '2026-01-01');
const summary = (adjs: Adjustment[]) =>
  adjs.map((a) => ({ date: a.date, quantity: a.quantity.toString(), days: a.factor.days, amount: formatMoney(roundMoney(a.exact, 'USD'), 'USD') }));

describe('billing/prorata', () => {
  it('from_change_date: increase bills ΔQ × price × (e − d)/(e − s)', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-11', 15]]));
    const adjs = prorataAdjustments(advance('m', '22.00', [link('s1')]), hs, JAN, new Decimal('22.00'));
    expect(summary(adjs)).to.deep.equal([{ date: '2026-01-11', quantity: '5', days: 21, amount: '74.52' }]);
    expect(adjs[0]!.factor.periodDays).to.equal(31);
    expect(adjs[0]!.to).to.equal('2026-02-01');
  });

  it('from_change_date: decreases give credits', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-21', 7]]));
    const adjs = prorataAdjustments(advance('m', '10', [link('s1')]), hs, JAN, new Decimal('10'));
    // −3 × 10 × 11/31 = −10.645…
    expect(summary(adjs)).to.deep.equal([{ date: '2026-01-21', quantity: '-3', days: 11, amount: '-10.65' }]);
  });

  it('several changes on one day net to one; a day that nets to zero gives nothing', () => {
    const hs = histories(history('s1', [
      ['2026-01-01', 10], ['2026-01-05', 20], ['2026-01-05', 12],
      ['2026-01-09', 3], ['2026-01-09', 12],
    ]));
    const adjs = prorataAdjustments(advance('m', '31', [link('s1')]), hs, JAN, new Decimal('31'));
    expect(summary(adjs)).to.deep.equal([{ date: '2026-01-05', quantity: '2', days: 27, amount: '54.00' }]);
  });

  it('changes across linked subscriptions on the same day net at line level', () => {
    const hs = histories(history('a', [['2026-01-01', 5], ['2026-01-10', 8]]), history('b', [['2026-01-01', 5], ['2026-01-10', 2]]));
    expect(prorataAdjustments(advance('m', '1', [link('a'), link('b')]), hs, JAN, new Decimal(1))).to.deep.equal([]);
  });

  it('a change on the period start is part of the recurring charge, not an adjustment', () => {
    const hs = histories(history('s1', [['2025-12-20', 4], ['2026-01-01', 10]]));
    expect(prorataAdjustments(advance('m', '1', [link('s1')]), hs, JAN, new Decimal(1))).to.deep.equal([]);
  });

  it('none: never adjusts', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-11', 15], ['2026-01-20', 2]]));
    expect(prorataAdjustments(advance('m', '22', [link('s1')], 'none'), hs, JAN, new Decimal(22))).to.deep.equal([]);
  });

  it('increases_only: only growth above the high-water mark; decrease then re-increase to the mark gives nothing', () => {
    const hs = histories(history('s1', [
      ['2026-01-01', 10], ['2026-01-05', 6], ['2026-01-10', 10], ['2026-01-15', 13], ['2026-01-20', 11], ['2026-01-25', 14],
    ]));
    const adjs = prorataAdjustments(advance('m', '31', [link('s1')], 'increases_only'), hs, JAN, new Decimal(31));
    expect(summary(adjs)).to.deep.equal([
      { date: '2026-01-15', quantity: '3', days: 17, amount: '51.00' },
      { date: '2026-01-25', quantity: '1', days: 7, amount: '7.00' },
    ]);
    expect(adjs.map((a) => a.highWaterMark!.toString())).to.deep.equal(['10', '13']);
  });

  it('cancellation and reactivation mid-period are changes of Q like any other', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-11', undefined, 'Cancelled'], ['2026-01-21', undefined, 'Active']]));
    const fcd = prorataAdjustments(advance('m', '31', [link('s1')]), hs, JAN, new Decimal(31));
    expect(summary(fcd)).to.deep.equal([
      { date: '2026-01-11', quantity: '-10', days: 21, amount: '-210.00' },
      { date: '2026-01-21', quantity: '10', days: 11, amount: '110.00' },
    ]);
    expect(prorataAdjustments(advance('m', '31', [link('s1')], 'increases_only'), hs, JAN, new Decimal(31))).to.deep.equal([]);
  });

  it('a subscription linked or started mid-period is a change of Q; free and minimum apply', () => {
    const hs = histories(history('a', [['2026-01-01', 4]]), history('b', [['2026-01-16', 3]]));
    const adjs = prorataAdjustments(advance('m', '31', [link('a', 0, 5), link('b', 1)]), hs, JAN, new Decimal(31));
    expect(summary(adjs)).to.deep.equal([{ date: '2026-01-16', quantity: '2', days: 16, amount: '32.00' }]);
  });

  it('arrears lines are never pro-rated', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-11', 15]]));
    const line = { ...advance('m', '22', [link('s1')]), timing: 'arrears' as const };
    expect(prorataAdjustments(line, hs, JAN, new Decimal(22))).to.deep.equal([]);
  });
});
