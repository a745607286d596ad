import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { toJson } from '../../src/pax8/sandbox/money.js';
import { Rng } from '../../src/pax8/sandbox/prng.js';
import { allocate } from '../../src/pax8/sandbox/generator/usage.js';
import { addMonths, formatDateTime, formatOffset, parseDay } from '../../src/pax8/sandbox/dates.js';
import { commitmentEnd } from '../../src/pax8/sandbox/generator/subscriptions.js';
import { SandboxData } from '../../src/pax8/sandbox/data.js';

describe('Pax8 sandbox units', () => {
  it('writes Decimal money as JSON numbers from the decimal text', () => {
    const text = toJson({ a: new Decimal('0.1').plus('0.2'), b: [new Decimal('12345678901234.5678')], c: 'x', d: new Decimal('-3.50') });
    expect(text).to.equal('{"a":0.3,"b":[12345678901234.5678],"c":"x","d":-3.5}');
    expect(toJson(new Decimal('7'))).to.equal('7');
  });

  it('allocates integer totals exactly by weights', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 40 }), (total, weights) => {
        const parts = allocate(total, weights);
        expect(parts).to.have.length(weights.length);
        expect(parts.reduce((a, b) => a + b, 0)).to.equal(total);
        expect(parts.every((p) => Number.isInteger(p) && p >= 0)).to.equal(true);
      }),
    );
  });

  it('generates the same numbers and uuids for the same seed', () => {
    const a = Rng.from(1, 'k');
    const b = Rng.from(1, 'k');
    const c = Rng.from(2, 'k');
    const ua = [a.uuid(), a.uuid()];
    expect([b.uuid(), b.uuid()]).to.deep.equal(ua);
    expect(c.uuid()).to.not.equal(ua[0]);
    expect(ua[0]).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('formats the live date variants and parses yyyy-MM-dd strictly', () => {
    const ms = Date.parse('2020-12-01T20:20:13.153Z');
    expect(formatOffset(ms, -420)).to.equal('2020-12-01T13:20:13.153-0700');
    expect(formatDateTime(ms, 0)).to.equal('2020-12-01T20:20:13.153Z');
    expect(formatDateTime(ms, 2)).to.equal('2020-12-01');
    expect(parseDay('2026-02-29')).to.equal(null);
    expect(parseDay('2026-11-03')).to.equal(Date.parse('2026-11-03T00:00:00Z'));
  });

  it('runs commitments term by term to the end of the current term', () => {
    const start = Date.parse('2024-01-31T08:30:00Z');
    const now = Date.parse('2026-11-15T12:00:00Z');
    expect(new Date(commitmentEnd(start, '1-Year', now)).toISOString()).to.equal('2027-01-31T08:30:00.000Z');
    expect(new Date(commitmentEnd(start, 'Monthly', now)).toISOString()).to.equal('2026-11-30T08:30:00.000Z');
    expect(new Date(addMonths(start, 1)).toISOString()).to.equal('2024-02-29T08:30:00.000Z');
  });

  it('Microsoft NCE: a commitment decrease only in the first 7 days of the term (its commitment record)', () => {
    const data = new SandboxData({ seed: 1, companies: 20, subscriptions: 100, usageSummaries: 5, now: '2026-11-15T12:00:00Z' });
    const s = data.subscriptions.find((x) => x.commitment && x.commitment.term === '1-Year' && data.productById.get(x.productId)!.vendorName === 'Microsoft')!;
    s.commitment!.endMs = addMonths(data.clock.nowMs(), 12) - 3 * 86_400_000; // term began 3 days ago
    expect(data.inCommitment(s)).to.equal(false);
    s.commitment!.endMs = addMonths(data.clock.nowMs(), 12) - 8 * 86_400_000; // began 8 days ago
    expect(data.inCommitment(s)).to.equal(true);
    data.clock.advance(366 * 86_400_000); // past the term end (without the renewal advanceClock would do)
    expect(data.inCommitment(s)).to.equal(false);
  });
});
