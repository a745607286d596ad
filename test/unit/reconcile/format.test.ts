import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { formatMoney, formatQuantity } from '../../../src/billing/index.js';
import { fmtMoney, fmtQuantity } from '../../../src/reconcile/format.js';

describe('reconcile: formatting', () => {
  it('fmtMoney answers exactly what billing\'s formatMoney answers', () => {
    const amount = fc.tuple(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.integer({ min: 0, max: 6 }))
      .map(([n, places]) => new Decimal(n.toString()).div(new Decimal(10).pow(places)));
    fc.assert(fc.property(amount, fc.constantFrom('USD', 'JPY', 'KWD', 'CLF', 'EUR'), (v, currency) => {
      expect(fmtMoney(v, currency)).to.equal(formatMoney(v, currency));
      expect(fmtQuantity(v)).to.equal(formatQuantity(v));
    }), { numRuns: 2000 });
    for (const [v, c] of [['0', 'USD'], ['-0', 'USD'], ['-3.1', 'USD'], ['1e-7', 'USD'], ['123456789012345678.5', 'USD'], ['7', 'JPY'], ['0.005', 'USD']] as const) {
      expect(fmtMoney(new Decimal(v), c), `${v} ${c}`).to.equal(formatMoney(new Decimal(v), c));
    }
  });
});
