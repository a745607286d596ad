import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { arrearsCharge } from '../../../src/billing/arrears.js';
import { addDays, daysBetween } from '../../../src/billing/dates.js';
import type { SubscriptionHistory } from '../../../src/billing/history.js';
import { invoicesThrough } from '../../../src/billing/simulate.js';
import type { ProrataRule } from '../../../src/billing/model.js';
import { periodContaining, type Period, type Schedule } from '../../../src/billing/periods.js';
import { prorataAdjustments } from '../../../src/billing/prorata.js';
import { lineQuantityOn } from '../../../src/billing/quantity.js';
import { advance, arrears, context, histories, history, link, type ChangeTuple } from './helpers.js';

/** A high-precision oracle independent of the engine's own rounding code. */
const Big = Decimal.clone({ precision: 200 });
const roundHalfUp = (numerator: Decimal, denominator: number, places: number) =>
  new Big(numerator).div(denominator).toDecimalPlaces(places, Decimal.ROUND_HALF_UP);

const priceArb = fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 6 })).map(([n, k]) => new Decimal(n).div(new Decimal(10).pow(k)));
const quantityArb = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 400 }).map((n) => String(n / 4)));

interface Case {
  schedule: Schedule;
  period: Period;
  subs: SubscriptionHistory[];
  links: ReturnType<typeof link>[];
  price: Decimal;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    anchor: fc.integer({ min: 1, max: 31 }),
    year: fc.integer({ min: 2024, max: 2028 }),
    month: fc.integer({ min: 1, max: 12 }),
    price: priceArb,
    subs: fc.array(
      fc.record({
        changes: fc.array(
          fc.record({
            offset: fc.integer({ min: -5, max: 35 }),
            quantity: fc.option(quantityArb, { nil: undefined }),
            status: fc.option(fc.constantFrom('Active', 'Cancelled'), { nil: undefined, freq: 4 }),
          }),
          { maxLength: 8 },
        ),
        free: fc.integer({ min: 0, max: 3 }),
        minimum: fc.integer({ min: 0, max: 5 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ anchor, year, month, price, subs }) => {
    const schedule: Schedule = { frequency: 'monthly', anchorDay: anchor };
    const period = periodContaining(schedule, `${year}-${String(month).padStart(2, '0')}-15`);
    const hs = subs.map((s, i) =>
      history(
        `s${i}`,
        s.changes
          .map((c): ChangeTuple => [addDays(period.start, c.offset), c.quantity, c.status])
          .filter(([, q, st]) => q !== undefined || st !== undefined),
      ),
    );
    return { schedule, period, subs: hs, links: subs.map((s, i) => link(`s${i}`, s.free, s.minimum)), price };
  });

function dailyQuantities(c: Case): Decimal[] {
  const hs = histories(...c.subs);
  return Array.from({ length: c.period.days }, (_, i) => lineQuantityOn({ links: c.links }, hs, addDays(c.period.start, i)));
}

describe('billing properties', () => {
  it('from_change_date: adjustments of a period add up, before rounding, to exactly price × Σ_days (Q(day) − Q(start)) / periodDays', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const adjs = prorataAdjustments(advance('L', c.price.toString(), c.links), histories(...c.subs), c.period, c.price);
        const q = dailyQuantities(c);
        const difference = q.reduce((acc, qd) => acc.add(qd.sub(q[0]!)), new Big(0)).mul(c.price);
        const total = adjs.reduce((acc, a) => acc.add(a.exact.numerator), new Big(0));
        for (const a of adjs) {
          expect(a.exact.denominator).to.equal(c.period.days);
          expect(a.factor.days).to.equal(daysBetween(a.date, c.period.end));
          expect(a.quantity.isZero()).to.equal(false);
        }
        expect(total.toString()).to.equal(difference.toString());
      }),
      { numRuns: 400 },
    );
  });

  it('increases_only: charges exactly the peak above Q(start), never a credit', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const adjs = prorataAdjustments(advance('L', c.price.toString(), c.links, 'increases_only'), histories(...c.subs), c.period, c.price);
        const q = dailyQuantities(c);
        const peak = q.reduce((a, b) => Decimal.max(a, b));
        const growth = adjs.reduce((acc, a) => acc.add(a.quantity), new Big(0));
        expect(adjs.every((a) => a.quantity.isPositive() && !a.quantity.isZero())).to.equal(true);
        expect(growth.toString()).to.equal(peak.sub(q[0]!).toString());
      }),
      { numRuns: 300 },
    );
  });

  it('arrears: the exact amount is price × Σ_days Q(day) / periodDays', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const charge = arrearsCharge(arrears('L', c.price.toString(), c.links), histories(...c.subs), c.period, c.price);
        const quantityDays = dailyQuantities(c).reduce((a, b) => a.add(b), new Big(0));
        expect(charge.exact.numerator.toString()).to.equal(quantityDays.mul(c.price).toString());
        expect(charge.exact.denominator).to.equal(c.period.days);
      }),
      { numRuns: 200 },
    );
  });

  it('invoices: each amount is its exact value rounded once, tax per line, total = subtotal + tax', () => {
    const ruleArb = fc.constantFrom<ProrataRule>('none', 'from_change_date', 'increases_only');
    const currencyArb = fc.constantFrom('USD', 'JPY', 'KWD');
    const taxArb = fc.integer({ min: 0, max: 2500 }).map((n) => new Decimal(n).div(10000));
    fc.assert(
      fc.property(caseArb, ruleArb, currencyArb, taxArb, (c, rule, currency, taxRate) => {
        const ctx = context({
          currency,
          taxRate,
          schedule: c.schedule,
          billingStart: c.period.start,
          lines: [advance('A', c.price.toString(), c.links, rule), arrears('R', c.price.toString(), c.links)],
          histories: histories(...c.subs),
        });
        const places = currency === 'JPY' ? 0 : currency === 'KWD' ? 3 : 2;
        const half = new Decimal(10).pow(-places).div(2);
        for (const inv of invoicesThrough(ctx, addDays(c.period.end, 1))) {
          let subtotal = new Big(0);
          let tax = new Big(0);
          for (const line of inv.lines) {
            expect(line.amount.toString()).to.equal(roundHalfUp(line.exact.numerator, line.exact.denominator, places).toString());
            const exact = new Big(line.exact.numerator).div(line.exact.denominator);
            expect(exact.sub(line.amount).abs().lte(half)).to.equal(true);
            expect(line.tax.toString()).to.equal(new Big(line.amount).mul(taxRate).toDecimalPlaces(places, Decimal.ROUND_HALF_UP).toString());
            subtotal = subtotal.add(line.amount);
            tax = tax.add(line.tax);
          }
          expect(inv.subtotal.toString()).to.equal(subtotal.toString());
          expect(inv.tax.toString()).to.equal(tax.toString());
          expect(inv.total.toString()).to.equal(inv.subtotal.add(inv.tax).toString());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('periods: every date lies in [start, end) of its period, which is 28–31 days and follows the previous one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 3652 }), (anchor, offset) => {
        const schedule: Schedule = { frequency: 'monthly', anchorDay: anchor };
        const date = addDays('2024-01-01', offset);
        const p = periodContaining(schedule, date);
        expect(p.start <= date && date < p.end).to.equal(true);
        expect(p.days).to.be.within(28, 31);
        expect(periodContaining(schedule, p.end).start).to.equal(p.end);
        expect(periodContaining(schedule, addDays(p.start, -1)).end).to.equal(p.start);
      }),
      { numRuns: 1000 },
    );
  });
});
