import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { buildInvoice } from '../../../src/billing/invoice.js';
import { invoicesThrough } from '../../../src/billing/simulate.js';
import { billedRate, resolveLineTax, type TaxCode } from '../../../src/billing/tax.js';
import { parseScenario } from '../../../src/billing/scenario/load.js';
import { scenarioOutput } from '../../../src/billing/scenario/output.js';
import { advance, arrears, context, histories, history, link } from './helpers.js';

const code = (c: string, rate: string, kind: TaxCode['kind'] = 'standard'): TaxCode => ({ code: c, rate: new Decimal(rate), kind });

describe('billing/tax', () => {
  describe('resolveLineTax', () => {
    const fallbackRate = new Decimal('0.20');

    it('takes the recurring invoice\'s rate when neither the customer nor the product group names a code', () => {
      const r = resolveLineTax({ fallbackRate });
      expect([r.rate.toString(), r.code, r.kind, r.source]).to.deep.equal(['0.2', null, 'standard', 'recurring invoice']);
    });

    it('takes the product group\'s code over the recurring invoice\'s rate', () => {
      const r = resolveLineTax({ productGroup: code('GST', '0.15'), fallbackRate });
      expect([r.rate.toString(), r.code, r.kind, r.source]).to.deep.equal(['0.15', 'GST', 'standard', 'product group']);
    });

    it('an exempt or reverse-charge customer wins over the product group, at rate 0 whatever rate the code was given', () => {
      for (const kind of ['exempt', 'reverse_charge'] as const) {
        const r = resolveLineTax({ customer: code('X', '0.07', kind), productGroup: code('GST', '0.15'), fallbackRate });
        expect([r.rate.toString(), r.code, r.kind, r.source]).to.deep.equal(['0', 'X', kind, 'customer']);
      }
    });

    it('a product group\'s exempt code bills no tax', () => {
      expect(resolveLineTax({ productGroup: code('Zero', '0.1', 'exempt'), fallbackRate }).rate.toString()).to.equal('0');
    });

    it('ignores a customer code of kind standard (not an override)', () => {
      const r = resolveLineTax({ customer: code('S', '0.05'), productGroup: code('GST', '0.15'), fallbackRate });
      expect(r.source).to.equal('product group');
      expect(resolveLineTax({ customer: code('S', '0.05'), fallbackRate }).source).to.equal('recurring invoice');
    });

    it('billedRate: standard bills its rate', () => {
      expect(billedRate(code('A', '0.125')).toString()).to.equal('0.125');
    });
  });

  describe('per-line rates in buildInvoice', () => {
    it('mixed rates on one invoice: each line\'s tax from its rounded amount at its own rate, rounded, then summed', () => {
      const hs = histories(history('s1', [['2026-01-01', 3]]), history('s2', [['2026-01-01', 7]]));
      const ctx = context({
        taxRate: new Decimal('0.10'),
        lines: [
          { ...advance('a', '10.05', [link('s1')]), taxRate: new Decimal('0.20') }, // 30.15 × 0.2 = 6.03
          advance('b', '3.33', [link('s2')]), // 23.31 × 0.1 = 2.331 → 2.33
          { ...advance('c', '1.15', [link('s1')]), taxRate: new Decimal('0.075') }, // 3.45 × 0.075 = 0.25875 → 0.26
        ],
        histories: hs,
      });
      const inv = buildInvoice(ctx, '2026-01-01');
      expect(inv.lines.map((l) => [l.line, l.amount.toString(), l.taxRate.toString(), l.tax.toString()])).to.deep.equal([
        ['a', '30.15', '0.2', '6.03'], ['b', '23.31', '0.1', '2.33'], ['c', '3.45', '0.075', '0.26'],
      ]);
      expect([inv.subtotal, inv.tax, inv.total].map(String)).to.deep.equal(['56.91', '8.62', '65.53']);
    });

    it('a pro-rata adjustment carries its line\'s rate, not the fallback', () => {
      const hs = histories(history('s1', [['2026-01-01', 10], ['2026-01-11', 15]]));
      const ctx = context({ taxRate: new Decimal('0.10'), lines: [{ ...advance('m', '22.00', [link('s1')]), taxRate: new Decimal('0.25') }], histories: hs });
      const [, feb] = invoicesThrough(ctx, '2026-02-01');
      // adjustment 5 × 22 × 21/31 = 74.516… → 74.52; tax 18.63
      expect(feb!.lines.map((l) => [l.kind, l.amount.toString(), l.taxRate.toString(), l.tax.toString()])).to.deep.equal([
        ['recurring', '330', '0.25', '82.5'], ['prorata', '74.52', '0.25', '18.63'],
      ]);
      expect(feb!.tax.toString()).to.equal('101.13');
    });

    it('an exempt line (rate 0) beside a taxed one: only the taxed line adds tax', () => {
      const hs = histories(history('s1', [['2026-01-01', 1]]));
      const ctx = context({
        taxRate: new Decimal('0.2'),
        lines: [{ ...advance('x', '100', [link('s1')]), taxRate: new Decimal(0) }, arrears('y', '50', [link('s1')]), advance('z', '50', [link('s1')])],
        histories: hs,
      });
      const inv = buildInvoice(ctx, '2026-01-01');
      expect(inv.lines.map((l) => l.tax.toString())).to.deep.equal(['0', '10']);
      expect(inv.tax.toString()).to.equal('10');
    });

    it('a reverse-charged customer\'s lines bill 0 tax at the resolved rate, whatever the group\'s and the invoice\'s', () => {
      const hs = histories(history('s1', [['2026-01-01', 4]]));
      const rule = resolveLineTax({ customer: code('RC', '0.2', 'reverse_charge'), productGroup: code('GST', '0.15'), fallbackRate: new Decimal('0.2') });
      const inv = buildInvoice(context({ taxRate: new Decimal('0.2'), lines: [{ ...advance('m', '12.34', [link('s1')]), taxRate: rule.rate }], histories: hs }), '2026-01-01');
      expect([inv.subtotal, inv.tax, inv.total].map(String)).to.deep.equal(['49.36', '0', '49.36']);
      expect(rule.kind).to.equal('reverse_charge');
    });

    it('a usage line takes its own rate', () => {
      const ctx = context({
        taxRate: new Decimal('0.1'),
        lines: [{ id: 'u', timing: 'usage', usageSummary: 'u1', taxRate: new Decimal('0.05') }],
        histories: histories(),
        usage: [{ usageSummary: 'u1', month: '2025-12', charges: new Decimal('118.40') }],
      });
      const inv = buildInvoice(ctx, '2026-01-01');
      expect(inv.lines[0]!.tax.toString()).to.equal('5.92');
    });

    it('property: tax = Σ round(round(amount) × own rate); lines without a rate follow the fallback', () => {
      const Big = Decimal.clone({ precision: 200 });
      const rateArb = fc.integer({ min: 0, max: 300 }).map((n) => new Decimal(n).div(1000));
      fc.assert(fc.property(
        fc.array(fc.record({ price: fc.integer({ min: 0, max: 9_999_999 }), qty: fc.integer({ min: 0, max: 50 }), rate: fc.option(rateArb, { nil: undefined }) }), { minLength: 1, maxLength: 6 }),
        rateArb,
        (specs, fallback) => {
          const hs = histories(...specs.map((s, i) => history(`s${i}`, [['2026-01-01', s.qty]])));
          const lines = specs.map((s, i) => ({
            ...advance(`l${i}`, new Decimal(s.price).div(1000).toString(), [link(`s${i}`)]),
            ...(s.rate === undefined ? {} : { taxRate: s.rate }),
          }));
          const inv = buildInvoice(context({ taxRate: fallback, lines, histories: hs }), '2026-01-01');
          let expected = new Big(0);
          specs.forEach((s, i) => {
            const amount = new Big(s.price).div(1000).mul(s.qty).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
            const tax = amount.mul(s.rate ?? fallback).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
            expect(inv.lines[i]!.tax.toString()).to.equal(tax.toString());
            expected = expected.add(tax);
          });
          expect(inv.tax.toString()).to.equal(expected.toString());
          expect(inv.total.toString()).to.equal(inv.subtotal.add(inv.tax).toString());
        },
      ), { numRuns: 200 });
    });

    it('property: a line rate equal to the fallback gives the same invoice as no line rate', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (r, q1, q2) => {
        const rate = new Decimal(r).div(1000);
        const hs = histories(history('s1', [['2026-01-01', q1], ['2026-01-17', q2]]));
        const base = advance('m', '13.37', [link('s1')]);
        const a = invoicesThrough(context({ taxRate: rate, lines: [base], histories: hs }), '2026-02-01');
        const b = invoicesThrough(context({ taxRate: new Decimal('0.99'), lines: [{ ...base, taxRate: rate }], histories: hs }), '2026-02-01');
        expect(b.map((i) => [i.tax.toString(), i.total.toString()])).to.deep.equal(a.map((i) => [i.tax.toString(), i.total.toString()]));
      }), { numRuns: 100 });
    });
  });

  describe('scenario: a line\'s own taxRate', () => {
    const scenario = (lineRate?: string, fallback = '0.10') => ({
      currency: 'USD', frequency: 'monthly', anchorDay: 1, startDate: '2026-01-01', through: '2026-02-01', taxRate: fallback,
      lines: [
        { id: 'm365', unitPrice: '22.00', timing: 'advance', links: [{ subscription: 's1' }], ...(lineRate === undefined ? {} : { taxRate: lineRate }) },
        { id: 'azure', timing: 'usage', usageSummary: 'u1' },
      ],
      subscriptions: [{ id: 's1', changes: [{ date: '2026-01-01', quantity: 10 }, { date: '2026-01-11', quantity: 15 }] }],
      usage: [{ usageSummary: 'u1', month: '2025-12', charges: '118.40' }, { usageSummary: 'u1', month: '2026-01', charges: '131.07' }],
    });

    it('applies to the line and its pro-rata adjustment; the scenario\'s rate stays the fallback for the others', () => {
      const r = parseScenario(scenario('0'));
      if (!r.ok) throw new Error(r.errors.join('\n'));
      const out = scenarioOutput(invoicesThrough(r.scenario.context, r.scenario.through));
      // Only azure is taxed: 11.84 on 1 Jan; 13.11 on 1 Feb (m365 330.00 and its 74.52 adjustment at 0).
      expect(out.invoices.map((i) => [i.subtotal, i.tax, i.total])).to.deep.equal([['338.40', '11.84', '350.24'], ['535.59', '13.11', '548.70']]);
    });

    it('without a line rate the rules\' worked example is unchanged', () => {
      const r = parseScenario(scenario());
      if (!r.ok) throw new Error(r.errors.join('\n'));
      const out = scenarioOutput(invoicesThrough(r.scenario.context, r.scenario.through));
      expect(out.invoices.map((i) => i.tax)).to.deep.equal(['33.84', '53.56']);
    });

    it('refuses a line rate above 1 or not a decimal string, naming the line', () => {
      const high = parseScenario(scenario('10'));
      expect(high.ok).to.equal(false);
      if (!high.ok) expect(high.errors).to.deep.equal(['lines[0].taxRate: 10 would be 1000%; write a rate as a fraction, e.g. "0.10" for 10%']);
      const bad = parseScenario(scenario(0.1 as unknown as string));
      expect(bad.ok).to.equal(false);
      if (!bad.ok) expect(bad.errors[0]).to.match(/^lines\[0\]\.taxRate: must be a non-negative decimal string/);
    });
  });
});
