import { expect } from 'chai';
import { backoffDelay, parseRetryAfter } from '../../src/pax8/client/backoff.js';

describe('pax8 backoff', () => {
  it('grows exponentially under full jitter and caps at the maximum', () => {
    expect(backoffDelay(0, 100, 10_000, () => 0.999)).to.equal(99);
    expect(backoffDelay(3, 100, 10_000, () => 0.999)).to.equal(799);
    expect(backoffDelay(10, 100, 10_000, () => 0.999)).to.equal(9990);
    expect(backoffDelay(60, 100, 10_000, () => 0.5)).to.equal(5000);
    expect(backoffDelay(3, 100, 10_000, () => 0)).to.equal(0);
  });
  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).to.equal(2000);
    expect(parseRetryAfter('0.5', now)).to.equal(500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).to.equal(3000);
    expect(parseRetryAfter(null, now)).to.equal(undefined);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
  });
});
