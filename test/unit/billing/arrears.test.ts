import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { arrearsCharge } from '../../../src/billing/arrears.js';
import { buildInvoice } from '../../../src/billing/invoice.js';
import { periodContaining } from '../../../src/billing/periods.js';
import { formatQuantity, roundMoney } from '../../../src/billing/money.js';
import { arrears, context, histories, history, link, MONTHLY_1 } from './helpers.js';

describe('billing/arrears', () => {
  it('weights Q by day over the previous period and rounds once', () => {
    // Feb 2026 (28 days): 10 for 10 days, 15 for 18 days → Σ = 370; 370/28 × 7.00 = 92.50
    const hs = histories(history('s1', [['2026-02-01', 10], ['2026-02-11', 15]]));
    const feb = periodContaining(MONTHLY_1, '2026-02-01');
    const charge = arrearsCharge(arrears('a', '7.00', [link('s1')]), hs, feb, new Decimal('7.00'));
    expect(charge.quantityDays.toString()).to.equal('370');
    expect(charge.segments.map((s) => [s.from, s.to, s.quantity.toString()])).to.deep.equal([
      ['2026-02-01', '2026-02-11', '10'],
      ['2026-02-11', '2026-03-01', '15'],
    ]);
    expect(roundMoney(charge.exact, 'USD').toString()).to.equal('92.5');
  });

  it('shows the average quantity to at most 6 places, trailing zeros removed; amount is not average × price', () => {
    // Jan 2026: 1 for 10 days, 2 for 21 days → 52/31 = 1.677419354…
    const hs = histories(history('s1', [['2026-01-01', 1], ['2026-01-11', 2]]));
    const ctx = context({ lines: [arrears('a', '1000000', [link('s1')])], histories: hs, billingStart: '2026-01-01' });
    const inv = buildInvoice(ctx, '2026-02-01');
    const line = inv.lines[0]!;
    expect(line.kind).to.equal('arrears');
    expect(formatQuantity(line.quantity)).to.equal('1.677419');
    expect([line.from, line.to]).to.deep.equal(['2026-01-01', '2026-02-01']);
    // 1000000 × 52 / 31 = 1677419.354… (the shown average × price would give 1677419.00)
    expect(line.exact.numerator.toString()).to.equal('52000000');
    expect(line.exact.denominator).to.equal(31);
    expect(line.amount.toString()).to.equal('1677419.35');

    const even = histories(history('s1', [['2026-01-01', 2], ['2026-01-17', 4]]));
    const inv2 = buildInvoice(context({ lines: [arrears('a', '1', [link('s1')])], histories: even }), '2026-02-01');
    // (2×16 + 4×15)/31 = 92/31 = 2.967741935…
    expect(formatQuantity(inv2.lines[0]!.quantity)).to.equal('2.967742');
    const half = histories(history('s1', [['2026-01-01', 2], ['2026-01-16', 3]]));
    const feb = buildInvoice(context({ lines: [arrears('a', '1', [link('s1')])], histories: half, schedule: { frequency: 'monthly', anchorDay: 1 } }), '2026-02-01');
    // (2×15 + 3×16)/31 = 78/31
    expect(feb.lines[0]!.quantity.toString()).to.equal('2.516129');
  });

  it('the first invoice has no arrears line; later ones always do, even at quantity 0', () => {
    const hs = histories(history('s1', [['2026-03-05', 4]]));
    const ctx = context({ lines: [arrears('a', '5', [link('s1')])], histories: hs });
    expect(buildInvoice(ctx, '2026-01-01').lines).to.deep.equal([]);
    const feb = buildInvoice(ctx, '2026-02-01').lines;
    expect(feb.map((l) => [l.kind, l.quantity.toString(), l.amount.toString()])).to.deep.equal([['arrears', '0', '0']]);
  });

  it('uses the price as of the billed period start for a followed price', () => {
    const hs = histories(history('s1', [['2026-01-01', 2, undefined, '10'], ['2026-01-20', undefined, undefined, '99']]));
    const inv = buildInvoice(context({ lines: [arrears('a', 'follow', [link('s1')])], histories: hs }), '2026-02-01');
    expect(inv.lines[0]!.unitPrice.toString()).to.equal('10');
    expect(inv.lines[0]!.amount.toString()).to.equal('20');
  });
});
