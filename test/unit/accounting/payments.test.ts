import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { bucketOf, paymentState } from '../../../src/accounting/payments.js';
import { normaliseName } from '../../../src/accounting/contacts.js';

describe('accounting: payment state and ageing buckets (pure)', () => {
  it('puts what is owed in the bucket of its days past due, counted in calendar days', () => {
    const today = '2026-03-31';
    expect(bucketOf(null, today)).to.equal('current');
    expect(bucketOf('2026-03-31', today)).to.equal('current'); // due today
    expect(bucketOf('2026-03-30', today)).to.equal('days1to30');
    expect(bucketOf('2026-03-01', today)).to.equal('days1to30'); // 30 days
    expect(bucketOf('2026-02-28', today)).to.equal('days31to60');
    expect(bucketOf('2026-01-30', today)).to.equal('days31to60'); // 60 days
    expect(bucketOf('2026-01-29', today)).to.equal('days61to90');
    expect(bucketOf('2025-12-31', today)).to.equal('days61to90'); // 90 days
    expect(bucketOf('2025-12-30', today)).to.equal('over90');
    expect(bucketOf('2024-02-29', '2024-03-01')).to.equal('days1to30'); // leap day
  });

  it('reads overdue as open or partly paid past the due date; paid and voided stay so', () => {
    const p = (externalStatus: string | null, dueDate: string | null, paid = '0') => paymentState({ externalStatus, dueDate, amountPaid: new Decimal(paid) }, '2026-03-31');
    expect(p(null, null)).to.equal(null);
    expect(p('open', '2026-03-31')).to.equal('open');
    expect(p('open', '2026-03-30')).to.equal('overdue');
    expect(p('partly_paid', '2026-04-30', '5')).to.equal('partly_paid');
    expect(p('open', '2026-04-30', '5')).to.equal('partly_paid');
    expect(p('partly_paid', '2026-01-01', '5')).to.equal('overdue');
    expect(p('paid', '2026-01-01', '10')).to.equal('paid');
    expect(p('voided', '2026-01-01')).to.equal('voided');
    expect(p('draft', '2026-01-01')).to.equal('draft');
  });

  it('normalises names so only real spelling differences keep two names apart', () => {
    expect(normaliseName('The Acme Co.')).to.equal('the acme');
    expect(normaliseName('Ltd')).to.equal('ltd'); // a name that is only a suffix stays
    expect(normaliseName('Müller GmbH')).to.equal('muller');
    expect(normaliseName('A&B')).to.equal('a and b');
  });
});
