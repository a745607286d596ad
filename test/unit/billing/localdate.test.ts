import { expect } from 'chai';
import { isInstant, isTimeZone, localDateOf } from '../../../src/billing/localdate.js';

describe('billing/localdate', () => {
  it('puts an instant on the local calendar date of the tenant zone', () => {
    expect(localDateOf('2026-01-11T03:00:00Z', 'UTC')).to.equal('2026-01-11');
    expect(localDateOf('2026-01-11T03:00:00Z', 'America/New_York')).to.equal('2026-01-10');
    expect(localDateOf('2026-01-10T11:30:00Z', 'Pacific/Auckland')).to.equal('2026-01-11');
    // an offset in the timestamp is honoured: 23:30 in New York is already the next day in UTC
    expect(localDateOf('2026-03-31T23:30:00-04:00', 'UTC')).to.equal('2026-04-01');
    expect(localDateOf('2026-03-31T23:30:00-04:00', 'America/New_York')).to.equal('2026-03-31');
  });

  it('handles the DST switch days by the instant, not the wall clock', () => {
    // 2026-03-08 is the US spring-forward day; 04:30Z is 23:30 EST on the 7th
    expect(localDateOf('2026-03-08T04:30:00Z', 'America/New_York')).to.equal('2026-03-07');
    expect(localDateOf('2026-03-08T05:30:00Z', 'America/New_York')).to.equal('2026-03-08');
  });

  it('requires an explicit offset and a real zone', () => {
    expect(isInstant('2026-01-11T03:00:00')).to.equal(false);
    expect(isInstant('2026-01-11T03:00:00.123+05:30')).to.equal(true);
    expect(() => localDateOf('2026-01-11', 'UTC')).to.throw(/instant/);
    expect(isTimeZone('Europe/London')).to.equal(true);
    expect(isTimeZone('Europe/Londn')).to.equal(false);
  });
});
