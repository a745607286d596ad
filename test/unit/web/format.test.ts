import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { day, inWords, money, monthName, percent, period, quantity, rate, unitPrice, when, words } from '../../../src/http/web/format.js';

describe('web formatting: values as people read them', () => {
  it('shows money with its currency code, minor units and thousands separators', () => {
    expect(money('7.2', 'USD')).to.equal('USD 7.20');
    expect(money('1371.6', 'USD')).to.equal('USD 1,371.60');
    expect(money('108', 'GBP')).to.equal('GBP 108.00');
    expect(money('-25.555', 'EUR')).to.equal('EUR -25.56');
    expect(money('1234567', 'JPY')).to.equal('JPY 1,234,567');
    expect(money('12.5', 'KWD')).to.equal('KWD 12.500');
    expect(money('1000.5', undefined)).to.equal('1,000.50');
  });

  it('keeps what it cannot read, and shows nothing for nothing', () => {
    expect(money('n/a', 'USD')).to.equal('n/a');
    expect(money(null, 'USD')).to.equal('');
    expect(day('soon')).to.equal('soon');
    expect(when('not a date')).to.equal('not a date');
  });

  it('shows unit prices with at least the currency places and up to six', () => {
    expect(unitPrice('22', 'USD')).to.equal('USD 22.00');
    expect(unitPrice('1.2345', 'USD')).to.equal('USD 1.2345');
    expect(unitPrice('1234.5', 'USD')).to.equal('USD 1,234.50');
  });

  it('shows rates and percentages with a % sign', () => {
    expect(rate('0.2')).to.equal('20%');
    expect(rate('0.166667')).to.equal('16.67%');
    expect(rate('0')).to.equal('0%');
    expect(percent('-5274.44')).to.equal('-5,274.44%');
    expect(percent('16.6667')).to.equal('16.67%');
  });

  it('shows dates in words, instants in a zone, and exclusive periods as inclusive ranges', () => {
    expect(day('2026-12-07')).to.equal('7 Dec 2026');
    expect(when('2026-12-07T06:21:43.096Z')).to.equal('7 Dec 2026, 06:21 UTC');
    expect(when('2026-12-07T23:30:00Z', 'Pacific/Auckland')).to.equal('8 Dec 2026, 12:30 Pacific/Auckland');
    expect(when('2026-12-07')).to.equal('7 Dec 2026');
    expect(period('2026-12-07', '2027-01-07')).to.equal('7 Dec 2026 – 6 Jan 2027');
    expect(period('2028-02-01', '2028-03-01')).to.equal('1 Feb 2028 – 29 Feb 2028');
  });

  it('shows quantities without trailing zeros and options in words', () => {
    expect(quantity('2.500000')).to.equal('2.5');
    expect(quantity('10')).to.equal('10');
    expect(words('from_change_date')).to.equal('from the change date');
    expect(words('some_new_option')).to.equal('some new option');
    expect(words('PendingManual')).to.equal('Pending manual');
    expect(words('WaitingForDetails')).to.equal('Waiting for details');
    expect(words('Active')).to.equal('Active');
    expect(words('MS365')).to.equal('MS365');
    expect(words('schedule')).to.equal('on schedule');
  });

  it('never changes the amount: the digits of any two-place amount survive formatting', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (cents) => {
      const amount = new Decimal(cents.toString()).div(100);
      const shown = money(amount.toString(), 'USD');
      expect(new Decimal(shown.replace(/^USD /, '').replace(/,/g, '')).equals(amount)).to.equal(true);
    }));
  });

  it('shows a calendar month in words, anything else as it is', () => {
    expect(monthName('2026-11')).to.equal('November 2026');
    expect(monthName('2027-01')).to.equal('January 2027');
    expect(monthName('2026-13')).to.equal('2026-13');
    expect(monthName(null)).to.equal('');
  });

  it('puts a feature\'s sentences in words: money, periods, days and months', () => {
    expect(inWords("no Pax8 invoice for 2026-12 yet: cost is the usage summary's partner total 395.04 USD"))
      .to.equal("no Pax8 invoice for December 2026 yet: cost is the usage summary's partner total USD 395.04");
    expect(inWords('Recurra invoice 12 line "M365" (recurring, 2026-12-01 to 2027-01-01): 3 × 12.50 = 1371.60 EUR'))
      .to.equal('Recurra invoice 12 line "M365" (recurring, 1 Dec 2026 – 31 Dec 2026): 3 × 12.50 = EUR 1,371.60');
    expect(inWords('Pax8 bills nothing for it on 2026-11-30')).to.equal('Pax8 bills nothing for it on 30 Nov 2026');
    expect(inWords('quantity 3, -12.5 USD')).to.equal('quantity 3, USD -12.50');
    expect(inWords('licence INV-000123 for company 1234')).to.equal('licence INV-000123 for company 1234');
    expect(inWords(null)).to.equal('');
  });
});
