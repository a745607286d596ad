import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import {
  arrearsWhat, correctionCalculation, describeCorrection, invoiceRefText, periodLabel, prorataWhat, recurringWhat, type CorrectionFacts,
} from '../../../src/invoices/correction-words.js';

const D = (v: Decimal.Value) => new Decimal(v);

describe('invoices: late-correction words', () => {
  it('names calendar-month periods by month, others by their dates; drafts by their date', () => {
    expect(periodLabel('2026-01-01', '2026-02-01')).to.equal('January 2026');
    expect(periodLabel('2026-12-01', '2027-01-01')).to.equal('December 2026');
    expect(periodLabel('2026-01-15', '2026-02-15')).to.equal('15 Jan 2026 – 14 Feb 2026');
    expect(periodLabel('2026-01-01', '2026-04-01')).to.equal('1 Jan 2026 – 31 Mar 2026');
    expect(invoiceRefText({ invoiceId: 'x', number: 12, invoiceDate: '2026-01-01' })).to.equal('INV-000012');
    expect(invoiceRefText({ invoiceId: 'x', number: null, invoiceDate: '2026-01-01' })).to.equal('the draft invoice of 1 Jan 2026');
  });

  it('describes a correction as a finance person reads it', () => {
    const facts: CorrectionFacts = {
      item: 'prorata', corrects: { invoiceId: 'x', number: 12, invoiceDate: '2026-01-01' }, period: { start: '2026-01-01', end: '2026-02-01' },
      date: '2026-01-20', what: prorataWhat('2026-01-20', { before: D(10), after: D(12) }, null), recorded: '2026-02-03',
      calculation: correctionCalculation({ quantity: D(2), unitPrice: D(15), days: 12, periodDays: 31 }, true, D('11.61'), D(0), 'USD'),
      corrected: '11.61', billed: '0', now: {},
    };
    expect(describeCorrection('Microsoft 365 Business Premium', facts)).to.equal(
      'Correction to INV-000012 (January 2026): Microsoft 365 Business Premium went from 10 to 12 on 20 Jan 2026, recorded 3 Feb 2026: 2 × 15.00 × 12/31 days',
    );
    expect(describeCorrection('Backup', { ...facts, item: 'arrears', recorded: null, what: 'x' })).to.equal('Correction to INV-000012 (January 2026, in arrears): Backup x: 2 × 15.00 × 12/31 days');
  });

  it('says what changed against what was billed', () => {
    expect(prorataWhat('2026-01-11', { before: D(10), after: D(12) }, { before: '10', after: '15' })).to.equal('went from 10 to 12 on 11 Jan 2026, not from 10 to 15 as billed');
    expect(prorataWhat('2026-01-11', { before: D(10), after: D(10) }, { before: '10', after: '15' })).to.equal('did not change on 11 Jan 2026, not from 10 to 15 as billed');
    expect(prorataWhat('2026-01-11', { before: D(10), after: D(15) }, { before: '10', after: '15' })).to.equal('went from 10 to 15 on 11 Jan 2026');
    expect(recurringWhat('2026-02-01', { quantity: D(12), unitPrice: D(15) }, { quantity: '10', unitPrice: '15' }, 'USD')).to.equal('was 12 on 1 Feb 2026, not 10 as billed');
    expect(recurringWhat('2026-02-01', { quantity: D(12), unitPrice: D(16) }, { quantity: '12', unitPrice: '15' }, 'USD')).to.equal('was priced 16.00 for the period, not 15.00 as billed');
    expect(arrearsWhat([{ from: '2026-01-20', to: '2026-02-01', billed: D(10), now: D(12), delta: D(2) }])).to.equal('was 12 from 20 Jan 2026 to 31 Jan 2026, not 10 as billed');
  });

  it('shows the calculation: natural factors, or the corrected amount less what was billed', () => {
    expect(correctionCalculation({ quantity: D(-3), unitPrice: D(22), days: 21, periodDays: 31 }, true, D(0), D(0), 'USD')).to.equal('-3 × 22.00 × 21/31 days');
    expect(correctionCalculation({ quantity: D(2), unitPrice: D(15), days: 1, periodDays: 1 }, true, D(0), D(0), 'USD')).to.equal('2 × 15.00');
    expect(correctionCalculation({ quantity: D(24), unitPrice: D(15), days: 1, periodDays: 31 }, true, D(0), D(0), 'USD')).to.equal('24 quantity-days × 15.00 / 31 days');
    expect(correctionCalculation({ quantity: D(1), unitPrice: D('14.91'), days: 1, periodDays: 1 }, false, D('29.81'), D('14.9'), 'USD')).to.equal('29.81 less 14.90 already billed');
  });
});
