import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { arrearsCharge } from '../../../src/billing/arrears.js';
import {
  correctionAmount, correctionFactors, factorsExact, quantityDays, segmentDifference,
} from '../../../src/billing/correction.js';
import { formatMoney, roundMoney } from '../../../src/billing/money.js';
import { periodContaining } from '../../../src/billing/periods.js';
import { arrears, histories, history, link, MONTHLY_1 } from './helpers.js';

const D = (v: Decimal.Value) => new Decimal(v);
const JAN = periodContaining(MONTHLY_1, '2026-01-01');
const seg = (from: string, to: string, quantity: number) => ({ from, to, quantity: D(quantity) });

describe('billing/correction', () => {
  it('the amount owed is the corrected item rounded once, less the rounded amounts already billed', () => {
    // 2 × 22.00 × 21/31 = 29.806… → 29.81; 14.90 billed (1 × 22.00 × 21/31).
    const corrected = { numerator: D(2).mul(22).mul(21), denominator: 31 };
    expect(correctionAmount(corrected, [D('14.90')], 'USD').toString()).to.equal('14.91');
    expect(correctionAmount(null, [D('11.61'), D('-11.61')], 'USD').toString()).to.equal('0');
    expect(correctionAmount(null, [D('11.61')], 'USD').toString()).to.equal('-11.61');
    expect(correctionAmount({ numerator: D(1000), denominator: 3 }, [], 'JPY').toString()).to.equal('333');
  });

  it('billed + correction always equals the corrected item rounded once (property over many splits)', () => {
    for (let before = 0; before <= 6; before++) {
      for (let after = 0; after <= 6; after++) {
        for (const [price, days, periodDays] of [['22.00', 21, 31], ['0.33', 1, 28], ['1.005', 7, 30], ['9.99', 13, 29]] as const) {
          const billed = roundMoney({ numerator: D(before).mul(price).mul(days), denominator: periodDays }, 'USD');
          const corrected = { numerator: D(after).mul(price).mul(days), denominator: periodDays };
          const amount = correctionAmount(corrected, [billed], 'USD');
          const natural = { quantity: D(after - before), unitPrice: D(price), days, periodDays };
          const { factors } = correctionFactors(amount, natural, 'USD');
          expect(billed.add(roundMoney(factorsExact(factors), 'USD')).toString()).to.equal(roundMoney(corrected, 'USD').toString());
        }
      }
    }
  });

  it('keeps the natural factors when they round to the amount, else bills 1 × the amount', () => {
    const natural = { quantity: D(2), unitPrice: D('15.00'), days: 12, periodDays: 31 };
    expect(correctionFactors(D('11.61'), natural, 'USD')).to.deep.include({ natural: true, factors: natural });
    // 1 × 22.00 × 21/31 rounds to 14.90, but 14.91 is owed.
    const short = correctionFactors(D('14.91'), { quantity: D(1), unitPrice: D('22.00'), days: 21, periodDays: 31 }, 'USD');
    expect(short.natural).to.equal(false);
    expect([short.factors.quantity.toString(), short.factors.unitPrice.toString(), short.factors.days, short.factors.periodDays]).to.deep.equal(['1', '14.91', 1, 1]);
    // A price correction at the same quantity has no ΔQ form.
    expect(correctionFactors(D('12.00'), { quantity: D(0), unitPrice: D('1.00'), days: 1, periodDays: 1 }, 'USD').natural).to.equal(false);
    expect(correctionFactors(D('-3.00'), null, 'USD').factors.unitPrice.toString()).to.equal('-3');
  });

  it('segmentDifference: where the current timeline differs from the billed one, merged', () => {
    const billed = [seg('2026-01-01', '2026-01-11', 10), seg('2026-01-11', '2026-02-01', 15)];
    const now = [seg('2026-01-01', '2026-01-11', 10), seg('2026-01-11', '2026-01-20', 12), seg('2026-01-20', '2026-02-01', 12)];
    expect(segmentDifference(billed, now).map((d) => [d.from, d.to, d.billed.toString(), d.now.toString(), d.delta.toString()]))
      .to.deep.equal([['2026-01-11', '2026-02-01', '15', '12', '-3']]);
    expect(segmentDifference(now, now)).to.deep.equal([]);
    const two = segmentDifference([seg('2026-01-01', '2026-02-01', 10)], [seg('2026-01-01', '2026-01-05', 11), seg('2026-01-05', '2026-01-20', 10), seg('2026-01-20', '2026-02-01', 12)]);
    expect(two.map((d) => [d.from, d.to, d.delta.toString()])).to.deep.equal([['2026-01-01', '2026-01-05', '1'], ['2026-01-20', '2026-02-01', '2']]);
  });

  it('quantityDays agrees with the arrears charge of the engine', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-20', 12]]));
    const charge = arrearsCharge(arrears('a', '15.00', [link('s1')]), hs, JAN, D('15.00'));
    expect(quantityDays(charge.segments).toString()).to.equal(charge.quantityDays.toString()); // 10 × 19 + 12 × 12 = 334
    expect(formatMoney(roundMoney(charge.exact, 'USD'), 'USD')).to.equal('161.61');
  });
});
