import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { formatMoney, formatQuantity, formatUnitPrice, lineTax, minorUnits, roundMoney, roundRatio } from '../../../src/billing/money.js';

const D = (v: string) => new Decimal(v);

describe('billing/money', () => {
  it('knows ISO 4217 minor units', () => {
    expect(['USD', 'EUR', 'GBP', 'AUD', 'CAD', 'NZD', 'JPY', 'KWD', 'CHF'].map(minorUnits)).to.deep.equal([2, 2, 2, 2, 2, 2, 0, 3, 2]);
  });

  it('rounds half away from zero, exactly, once', () => {
    expect(roundMoney(D('0.005'), 'USD').toString()).to.equal('0.01');
    expect(roundMoney(D('-0.005'), 'USD').toString()).to.equal('-0.01');
    expect(roundMoney(D('0.0049999999999999999999999999'), 'USD').toString()).to.equal('0');
    expect(roundMoney(D('2.5'), 'JPY').toString()).to.equal('3');
    expect(roundMoney(D('-2.5'), 'JPY').toString()).to.equal('-3');
    // 5 × 22 × 21 / 31 = 74.516129…
    expect(roundMoney({ numerator: D('2310'), denominator: 31 }, 'USD').toString()).to.equal('74.52');
    // 1/8 = 0.125 exactly: the half is decided exactly, not after a lossy division
    expect(roundRatio(D('1'), 8, 2).toString()).to.equal('0.13');
    expect(roundRatio(D('-1'), 8, 2).toString()).to.equal('-0.13');
    expect(roundRatio(D('1'), 3, 2).toString()).to.equal('0.33');
  });

  it('taxes a rounded line amount and rounds the tax the same way', () => {
    expect(lineTax(D('131.07'), D('0.10'), 'USD').toString()).to.equal('13.11');
    expect(lineTax(D('74.52'), D('0.10'), 'USD').toString()).to.equal('7.45');
    expect(lineTax(D('-74.52'), D('0.10'), 'USD').toString()).to.equal('-7.45');
    expect(lineTax(D('1005'), D('0.1'), 'JPY').toString()).to.equal('101');
  });

  it('formats amounts with exactly the minor-unit places, never "-0"', () => {
    expect(formatMoney(D('220'), 'USD')).to.equal('220.00');
    expect(formatMoney(D('-3.1'), 'USD')).to.equal('-3.10');
    expect(formatMoney(D('-0.001'), 'USD')).to.equal('0.00');
    expect(formatMoney(D('1000'), 'JPY')).to.equal('1000');
    expect(formatMoney(D('1.5'), 'KWD')).to.equal('1.500');
    expect(formatMoney(D('123456789012.5'), 'USD')).to.equal('123456789012.50');
  });

  it('formats unit prices with at least the minor places and up to 6, quantities plain with at most 6', () => {
    expect(formatUnitPrice(D('22'), 'USD')).to.equal('22.00');
    expect(formatUnitPrice(D('1.234567'), 'USD')).to.equal('1.234567');
    expect(formatUnitPrice(D('1.2340'), 'USD')).to.equal('1.234');
    expect(formatUnitPrice(D('1200'), 'JPY')).to.equal('1200');
    expect(formatQuantity(D('10'))).to.equal('10');
    expect(formatQuantity(D('12.5000000'))).to.equal('12.5');
    expect(formatQuantity(D('0.0000001'))).to.equal('0');
    expect(formatQuantity(D('-5'))).to.equal('-5');
    expect(formatQuantity(D('1.0000005'))).to.equal('1.000001');
  });
});
