import { expect } from 'chai';
import { dec } from '../../../src/billing/decimal.js';
import { dateRange, describeProrata, longDate, moneyText } from '../../../src/invoices/words.js';

describe('invoices: words for finance readers', () => {
  it('formats dates, inclusive ranges and money with the currency\'s places', () => {
    expect(longDate('2026-01-11')).to.equal('11 Jan 2026');
    expect(dateRange('2026-01-01', '2026-02-01')).to.equal('1 Jan 2026 – 31 Jan 2026');
    expect(moneyText(dec('1234567.5'), 'USD')).to.equal('USD 1,234,567.50');
    expect(moneyText(dec('-25.548'), 'USD')).to.equal('USD -25.55');
    expect(moneyText(dec('1250'), 'JPY')).to.equal('JPY 1,250');
  });

  it('describes pro-rata charges and credits', () => {
    const common = { description: 'M365', rule: 'from_change_date', unitPrice: dec('22'), currency: 'USD', to: '2026-02-01', periodDays: 31 };
    expect(describeProrata({ ...common, quantity: dec(5), quantityBefore: '10', quantityAfter: '15', from: '2026-01-11', days: 21 }))
      .to.equal('M365: 5 more from 11 Jan 2026 (10 → 15), charged for 21 of 31 days (11 Jan 2026 – 31 Jan 2026)');
    expect(describeProrata({ ...common, quantity: dec(-3), quantityBefore: '15', quantityAfter: '12', from: '2026-01-20', days: 12 }))
      .to.equal('M365: 3 fewer from 20 Jan 2026 (15 → 12), credited for 12 of 31 days (20 Jan 2026 – 31 Jan 2026)');
  });
});
