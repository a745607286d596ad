import { expect } from 'chai';
import { commitmentVerdict, termMonths, type CommitmentTerms, type CommitmentVerdict } from '../../../src/subscriptions/commitment-rules.js';

/** Microsoft NCE as Pax8's product data describes it: no decrease or cancellation mid-term; 7 days after a term starts; a 14-day renewal window. */
const NCE: CommitmentTerms = {
  term: '1-Year', allowIncrease: true, allowDecrease: false, allowEarlyCancellation: false, renewalWindowDaysBefore: 14, renewalWindowDaysAfter: 7, cancellationFeeApplied: true,
};
const FLEXIBLE: CommitmentTerms = {
  term: '1-Year', allowIncrease: true, allowDecrease: true, allowEarlyCancellation: true, renewalWindowDaysBefore: 0, renewalWindowDaysAfter: 0, cancellationFeeApplied: false,
};
/** A 1-Year term that began 2026-03-01. */
const SUB = { commitmentTerm: '1-Year', commitmentEndDate: '2027-03-01' };

const refused = (v: CommitmentVerdict) => (v.allowed ? null : v.reason);

describe('the commitment rule (src/subscriptions/commitment-rules.ts)', () => {
  it('without a commitment on the subscription, everything is allowed and known', () => {
    for (const action of ['increase', 'decrease', 'cancel'] as const) {
      expect(commitmentVerdict(action, { commitmentTerm: null, commitmentEndDate: null }, NCE, '2026-11-15')).to.deep.equal({ allowed: true, known: true });
    }
  });

  it('unknown (left to Pax8): no record synced, no end date, past the stored end, or a flag Pax8 did not send', () => {
    expect(commitmentVerdict('decrease', SUB, null, '2026-11-15')).to.deep.equal({ allowed: true, known: false });
    expect(commitmentVerdict('decrease', SUB, undefined, '2026-11-15')).to.deep.equal({ allowed: true, known: false });
    expect(commitmentVerdict('decrease', { commitmentTerm: '1-Year', commitmentEndDate: null }, NCE, '2026-11-15')).to.deep.equal({ allowed: true, known: false });
    expect(commitmentVerdict('decrease', SUB, NCE, '2027-03-01')).to.deep.equal({ allowed: true, known: false });
    expect(commitmentVerdict('decrease', SUB, NCE, '2027-06-01')).to.deep.equal({ allowed: true, known: false });
    expect(commitmentVerdict('decrease', SUB, { ...NCE, allowDecrease: null }, '2026-11-15')).to.deep.equal({ allowed: true, known: false });
  });

  it('Microsoft NCE: a decrease mid-term is refused with the term, its end and when it is possible, in plain words', () => {
    const v = commitmentVerdict('decrease', SUB, NCE, '2026-11-15');
    expect(v).to.deep.equal({
      allowed: false, possibleFrom: '2027-02-15',
      reason: "Pax8 does not allow fewer licences during this subscription's 1-Year commitment, which runs until 2027-03-01. "
        + 'Fewer licences are possible from 2027-02-15, in the renewal window before the term ends.',
    });
  });

  it('Microsoft NCE: an increase is allowed mid-term', () => {
    expect(commitmentVerdict('increase', SUB, NCE, '2026-11-15')).to.deep.equal({ allowed: true, known: true });
  });

  it('the first days of a term (the window after the previous term end): up to the day before start + 7', () => {
    expect(commitmentVerdict('decrease', SUB, NCE, '2026-03-01').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', SUB, NCE, '2026-03-07').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', SUB, NCE, '2026-03-08').allowed).to.equal(false);
    expect(commitmentVerdict('cancel', SUB, NCE, '2026-03-07').allowed).to.equal(true);
  });

  it('the renewal window before the end: from end − before days', () => {
    expect(commitmentVerdict('decrease', SUB, NCE, '2027-02-14').allowed).to.equal(false);
    expect(commitmentVerdict('decrease', SUB, NCE, '2027-02-15')).to.deep.equal({ allowed: true, known: true });
    expect(commitmentVerdict('decrease', SUB, NCE, '2027-02-28').allowed).to.equal(true);
  });

  it('a vendor whose commitment allows decreases: allowed mid-term (the old 7-day rule refused it)', () => {
    expect(commitmentVerdict('decrease', SUB, FLEXIBLE, '2026-11-15')).to.deep.equal({ allowed: true, known: true });
    expect(commitmentVerdict('cancel', SUB, FLEXIBLE, '2026-11-15')).to.deep.equal({ allowed: true, known: true });
  });

  it('a vendor forbidding increases', () => {
    const v = commitmentVerdict('increase', SUB, { ...FLEXIBLE, allowIncrease: false }, '2026-11-15');
    expect(refused(v)).to.match(/^Pax8 does not allow more licences during this subscription's 1-Year commitment, which runs until 2027-03-01\. More licences are possible from 2027-03-01, when the term ends\.$/);
  });

  it('cancellation: refused mid-term when early cancellation is not allowed; a fee is noted where Pax8 charges one', () => {
    expect(refused(commitmentVerdict('cancel', SUB, NCE, '2026-11-15'))).to.equal(
      "Pax8 does not allow cancelling it during this subscription's 1-Year commitment, which runs until 2027-03-01. Cancelling is possible from 2027-02-15, in the renewal window before the term ends.",
    );
    expect(commitmentVerdict('cancel', SUB, NCE, '2027-02-20')).to.deep.equal({ allowed: true, known: true, note: 'Pax8 charges a cancellation fee for this commitment' });
    expect(commitmentVerdict('cancel', SUB, { ...FLEXIBLE, cancellationFeeApplied: true }, '2026-11-15'))
      .to.deep.equal({ allowed: true, known: true, note: 'Pax8 charges a cancellation fee for this commitment' });
  });

  it('only a window after the end: possible in the first days of the next term', () => {
    const rule = { ...NCE, renewalWindowDaysBefore: 0 };
    const v = commitmentVerdict('decrease', SUB, rule, '2027-02-27');
    expect(v).to.deep.include({ allowed: false, possibleFrom: '2027-03-01' });
    expect(refused(v)).to.match(/Fewer licences are possible in the first 7 days of the next term, from 2027-03-01\.$/);
    expect(commitmentVerdict('decrease', SUB, { ...rule, renewalWindowDaysAfter: 1 }, '2026-03-01').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', SUB, { ...rule, renewalWindowDaysAfter: 1 }, '2026-03-02').allowed).to.equal(false);
    expect(refused(commitmentVerdict('decrease', SUB, { ...rule, renewalWindowDaysAfter: 0 }, '2026-03-01'))).to.match(/from 2027-03-01, when the term ends\.$/);
    expect(refused(commitmentVerdict('decrease', SUB, { ...rule, renewalWindowDaysAfter: null }, '2026-03-01'))).to.match(/when the term ends/);
  });

  it('Monthly and 3-Year terms, and month ends', () => {
    const monthly = { commitmentTerm: 'Monthly', commitmentEndDate: '2026-12-01' };
    expect(commitmentVerdict('decrease', monthly, { ...NCE, term: 'Monthly', renewalWindowDaysBefore: 0 }, '2026-11-07').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', monthly, { ...NCE, term: 'Monthly', renewalWindowDaysBefore: 0 }, '2026-11-08').allowed).to.equal(false);
    expect(commitmentVerdict('decrease', monthly, { ...NCE, term: 'Monthly', renewalWindowDaysBefore: 3 }, '2026-11-28').allowed).to.equal(true);
    const three = { commitmentTerm: '3-Year', commitmentEndDate: '2028-01-31' };
    expect(commitmentVerdict('decrease', three, { ...NCE, term: '3-Year' }, '2025-02-06').allowed).to.equal(true); // began 2025-01-31
    expect(commitmentVerdict('decrease', three, { ...NCE, term: '3-Year' }, '2025-02-07').allowed).to.equal(false);
    const march = { commitmentTerm: 'Monthly', commitmentEndDate: '2027-03-31' }; // began 2027-02-28 (dayjs clamps)
    expect(commitmentVerdict('decrease', march, { ...NCE, term: 'Monthly', renewalWindowDaysBefore: 0 }, '2027-03-06').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', march, { ...NCE, term: 'Monthly', renewalWindowDaysBefore: 0 }, '2027-03-07').allowed).to.equal(false);
  });

  it('a term of unknown length keeps only the renewal window; fractional and negative window days are floored at 0', () => {
    const odd = { commitmentTerm: 'Quarterly', commitmentEndDate: '2027-03-01' };
    expect(commitmentVerdict('decrease', odd, NCE, '2026-11-15').allowed).to.equal(false);
    expect(commitmentVerdict('decrease', odd, NCE, '2027-02-20').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', SUB, { ...NCE, renewalWindowDaysBefore: 1.9, renewalWindowDaysAfter: -3 }, '2027-02-28').allowed).to.equal(true);
    expect(commitmentVerdict('decrease', SUB, { ...NCE, renewalWindowDaysBefore: 1.9, renewalWindowDaysAfter: -3 }, '2027-02-27').allowed).to.equal(false);
    expect(commitmentVerdict('decrease', SUB, { ...NCE, renewalWindowDaysBefore: 1.9, renewalWindowDaysAfter: -3 }, '2026-03-01').allowed).to.equal(false);
  });

  it('term lengths from Pax8 term names', () => {
    expect([termMonths('Monthly'), termMonths('1-Year'), termMonths('Annual'), termMonths('2-Year'), termMonths('3-Year'), termMonths('3 Year'), termMonths('Quarterly')])
      .to.deep.equal([1, 12, 12, 24, 36, 36, null]);
  });
});
