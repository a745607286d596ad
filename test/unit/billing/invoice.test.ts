import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { buildInvoice } from '../../../src/billing/invoice.js';
import { invoicesThrough } from '../../../src/billing/simulate.js';
import { advance, arrears, context, histories, history, link } from './helpers.js';

describe('billing/invoice', () => {
  it('JPY: amounts and tax rounded to 0 places', () => {
    const hs = histories(history('s1', [['2026-01-01', 3], ['2026-01-11', 4]]));
    const ctx = context({ currency: 'JPY', taxRate: new Decimal('0.1'), lines: [advance('m', '1234', [link('s1')])], histories: hs });
    const [jan, feb] = invoicesThrough(ctx, '2026-02-01');
    expect([jan!.subtotal, jan!.tax, jan!.total].map(String)).to.deep.equal(['3702', '370', '4072']);
    // adjustment 1 × 1234 × 21/31 = 835.935… → 836; tax 83.6 → 84
    expect(feb!.lines.map((l) => [l.kind, l.amount.toString(), l.tax.toString()])).to.deep.equal([
      ['recurring', '4936', '494'],
      ['prorata', '836', '84'],
    ]);
    expect(feb!.tax.toString()).to.equal('578');
  });

  it('tax is rounded per line and summed, not computed on the subtotal', () => {
    // three lines of 0.05 at 10%: each tax 0.005 → 0.01, sum 0.03 (on the subtotal it would be 0.015 → 0.02)
    const hs = histories(history('s1', [['2026-01-01', 1]]));
    const lines = ['a', 'b', 'c'].map((id) => advance(id, '0.05', [link('s1')]));
    const inv = buildInvoice(context({ taxRate: new Decimal('0.10'), lines, histories: hs }), '2026-01-01');
    expect([inv.subtotal, inv.tax, inv.total].map(String)).to.deep.equal(['0.15', '0.03', '0.18']);
  });

  it('orders lines: recurring/arrears/usage by input order, then adjustments by date', () => {
    const hs = histories(history('a', [['2026-01-01', 1], ['2026-01-20', 2]]), history('b', [['2026-01-01', 1], ['2026-01-10', 3]]));
    const ctx = context({
      lines: [advance('A', '31', [link('a')]), arrears('R', '1', [link('a')]), advance('B', '31', [link('b')])],
      histories: hs,
    });
    const feb = buildInvoice(ctx, '2026-02-01');
    expect(feb.lines.map((l) => `${l.line}:${l.kind}:${l.from}`)).to.deep.equal([
      'A:recurring:2026-02-01', 'R:arrears:2026-01-01', 'B:recurring:2026-02-01', 'B:prorata:2026-01-10', 'A:prorata:2026-01-20',
    ]);
  });

  it('bills a period\'s adjustments exactly once, on the next invoice; never for periods before the start', () => {
    const hs = histories(history('s1', [['2025-12-01', 5], ['2025-12-15', 9], ['2026-01-11', 10], ['2026-02-11', 12]]));
    const ctx = context({ lines: [advance('m', '31', [link('s1')])], histories: hs });
    const invoices = invoicesThrough(ctx, '2026-03-01');
    expect(invoices.map((i) => i.lines.filter((l) => l.kind === 'prorata').map((l) => l.from))).to.deep.equal([[], ['2026-01-11'], ['2026-02-11']]);
    expect(invoices[0]!.lines[0]!.quantity.toString()).to.equal('9');
  });

  it('a followed price is read on the period start; a mid-period change applies from the next period and is not pro-rated', () => {
    const hs = histories(history('s1', [['2026-01-01', 10, undefined, '20'], ['2026-01-11', 15, undefined, '30']]));
    const [jan, feb] = invoicesThrough(context({ lines: [advance('m', 'follow', [link('s1')])], histories: hs }), '2026-02-01');
    expect(jan!.lines[0]!.unitPrice.toString()).to.equal('20');
    expect(feb!.lines.map((l) => [l.kind, l.unitPrice.toString(), l.amount.toString()])).to.deep.equal([
      ['recurring', '30', '450'],
      // 5 × 20 (January's price) × 21/31 = 67.741… → 67.74
      ['prorata', '20', '67.74'],
    ]);
  });

  it('flags a following line whose linked subscriptions differ in price, and a subscription in another currency', () => {
    const hs = histories(
      history('s1', [['2026-01-01', 1, undefined, '20']]),
      history('s2', [['2026-01-01', 1, undefined, '25']]),
      history('s3', [['2026-01-01', 1]], 'EUR'),
    );
    const inv = buildInvoice(context({ lines: [advance('m', 'follow', [link('s1'), link('s2')]), advance('x', '1', [link('s3')])], histories: hs }), '2026-01-01');
    expect(inv.lines.map((l) => l.review.length)).to.deep.equal([1, 1]);
    expect(inv.lines[0]!.review[0]).to.contain('s2');
    expect(inv.lines[1]!.review[0]).to.contain('EUR');
    expect(inv.needsReview).to.equal(true);
  });

  it('every line carries provenance: subscriptions, quantities by date, price source and rule', () => {
    const hs = histories(history('s1', [['2026-01-01', 10, undefined, '22'], ['2026-01-11', 15]]));
    const feb = buildInvoice(context({ lines: [advance('m', 'follow', [link('s1', 2)])], histories: hs }), '2026-02-01');
    const [rec, adj] = feb.lines;
    expect(rec!.provenance.quantities[0]!.links).to.deep.equal([{ subscription: 's1', active: true, quantity: '15', billable: '13' }]);
    expect(rec!.provenance.price).to.deep.equal({ source: 's1', asOf: '2026-02-01' });
    expect(adj!.provenance.factor).to.deep.equal({ days: 21, periodDays: 31 });
    expect(adj!.provenance.adjustment).to.deep.equal({ quantityBefore: '8', quantityAfter: '13' });
    expect(adj!.provenance.rule).to.contain('from_change_date');
  });

  it('changes in the last period belong to the invoice after `through` and are not shown', () => {
    const hs = histories(history('s1', [['2026-01-01', 2], ['2026-02-05', 3]]));
    const invoices = invoicesThrough(context({ lines: [advance('m', '28', [link('s1')])], histories: hs }), '2026-02-27');
    expect(invoices.map((i) => i.lines.map((l) => l.kind))).to.deep.equal([['recurring'], ['recurring']]);
  });

  it('increases_only: each period starts a new high-water mark at its own Q(start)', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-10', 12], ['2026-01-20', 8], ['2026-02-10', 11]]));
    const invoices = invoicesThrough(context({ lines: [advance('m', '28', [link('s1')], 'increases_only')], histories: hs }), '2026-03-01');
    // January: +2 over the mark 10; February starts at 8, so 11 is +3 (below January's mark of 12, still charged)
    expect(invoices.map((i) => i.lines.filter((l) => l.kind === 'prorata').map((l) => `${l.from}:${l.quantity}`))).to.deep.equal([
      [], ['2026-01-10:2'], ['2026-02-10:3'],
    ]);
  });

  it('a subscription set Active before any quantity bills its minimum', () => {
    const hs = histories(history('s1', [['2026-01-01', undefined, 'Active']]));
    const inv = buildInvoice(context({ lines: [advance('m', '1', [link('s1', 0, 5)])], histories: hs }), '2026-01-01');
    expect(inv.lines[0]!.quantity.toString()).to.equal('5');
  });

  it('an arrears line\'s pro-rata option is ignored: the same by-the-day charge, no adjustments, and the provenance says so', () => {
    const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-11', 15], ['2026-01-20', 12]]));
    const through = (prorata: 'none' | 'from_change_date' | 'increases_only') => invoicesThrough(
      context({ lines: [{ ...arrears('a', '22.00', [link('s1')]), prorata }], histories: hs }), '2026-02-01',
    );
    const plain = through('none');
    for (const option of ['from_change_date', 'increases_only'] as const) {
      const invoices = through(option);
      expect(invoices.map((i) => i.lines.map((l) => `${l.kind}:${l.amount.toString()}`)), option)
        .to.deep.equal(plain.map((i) => i.lines.map((l) => `${l.kind}:${l.amount.toString()}`)));
      expect(invoices.flatMap((i) => i.lines).some((l) => l.kind === 'prorata')).to.equal(false);
      expect(invoices[1]!.lines[0]!.provenance.prorataIgnored).to.equal(option);
    }
    expect(plain[1]!.lines[0]!.provenance.prorataIgnored).to.equal(undefined);
  });

  it('refuses a date that is not a period start', () => {
    expect(() => buildInvoice(context({ lines: [], histories: histories() }), '2026-01-02')).to.throw(/not a period start/);
  });
});
