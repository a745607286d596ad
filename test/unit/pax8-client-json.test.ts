import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { ExactNumber, parseExactJson } from '../../src/pax8/schemas/exact-json.js';
import { decimal } from '../../src/pax8/schemas/primitives.js';

const dec = (text: string) => decimal.parse((parseExactJson(text) as { v: unknown }).v) as Decimal;

describe('pax8 exact JSON', () => {
  it('parses short literals natively and keeps their exact decimal value', () => {
    expect(dec('{"v": 15.39}').toString()).to.equal('15.39');
    expect(dec('{"v": 0.1}').plus(dec('{"v": 0.2}')).toString()).to.equal('0.3');
    expect(dec('{"v": -1e-7}').toString()).to.equal('-1e-7');
  });

  it('keeps literals a double cannot hold exactly as ExactNumber', () => {
    const parsed = parseExactJson('{"v": 0.300000000000000041, "w": 12345678901234567890.123, "n": 3}') as Record<string, unknown>;
    expect(parsed.v).to.be.instanceOf(ExactNumber);
    expect((parsed.v as ExactNumber).source).to.equal('0.300000000000000041');
    // 17 digits that are exactly a double's shortest form stay numbers, and still exact.
    expect(dec('{"v": 0.30000000000000004}').toString()).to.equal('0.30000000000000004');
    expect(dec('{"v": 12345678901234567890.123}').toFixed()).to.equal('12345678901234567890.123');
    expect(parsed.n).to.equal(3);
  });

  it('never rewrites digits inside strings, including escaped quotes', () => {
    const text = '{"s": "a\\" 1234567890123456789 \\\\", "v": 1.23456789012345678, "t": "9999999999999999"}';
    const parsed = parseExactJson(text) as Record<string, unknown>;
    expect(parsed.s).to.equal('a" 1234567890123456789 \\');
    expect(parsed.t).to.equal('9999999999999999');
    expect((parsed.v as ExactNumber).source).to.equal('1.23456789012345678');
  });

  it('keeps values beyond double range exactly', () => {
    expect(dec('{"v": 1e400}').toString()).to.equal('1e+400');
  });

  it('round-trips any decimal literal exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 25 }), (units, scale) => {
        const lit = new Decimal(units.toString()).dividedBy(new Decimal(10).pow(scale)).toFixed();
        const got = dec(`{"x":"pad 123","v":${lit}}`);
        return got.eq(new Decimal(lit));
      }),
      { numRuns: 2000 },
    );
  });

  it('throws on invalid JSON', () => {
    expect(() => parseExactJson('{"content": [1, 2')).to.throw(SyntaxError);
    expect(() => parseExactJson('{"content": [1.234567890123456789, 2')).to.throw(SyntaxError);
  });
});
