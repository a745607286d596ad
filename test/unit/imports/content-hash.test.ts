import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { contentHash } from '../../../src/common/content-hash.js';

/** The first implementation (a sorted copy, then JSON.stringify): the hashes stored by earlier imports were made with it. */
function storedHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (v instanceof Decimal) return v.toFixed();
    if (v === undefined) return null;
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, canonical(o[k])]));
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}

const leaf = fc.oneof(
  fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.integer({ min: -1e9, max: 1e9 }).map((n) => new Decimal(n).div(1000)), fc.date({ noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 5 })),
})).node;

describe('imports: content hash', () => {
  it('hashes every value exactly as the hashes already stored were made (an upgrade does not rewrite unchanged rows)', () => {
    fc.assert(fc.property(value, (v) => {
      expect(contentHash(v)).to.equal(storedHash(v));
    }), { numRuns: 2000 });
  });

  it('does not depend on key order, and tells apart values that differ', () => {
    expect(contentHash({ a: 1, b: new Decimal('2.50') })).to.equal(contentHash({ b: new Decimal('2.5'), a: 1 }));
    expect(contentHash({ a: 1, b: null })).to.equal(contentHash({ a: 1, b: undefined }));
    expect(contentHash({ a: 1 })).to.not.equal(contentHash({ a: 2 }));
    expect(contentHash(['x', 'y'])).to.not.equal(contentHash(['y', 'x']));
  });

  it('keeps objects whose key lists look alike apart (the key order is cached per list of keys)', () => {
    const alike: unknown[] = [
      { '': new Date(0) }, { a: {}, b: { a: 1 } }, [{ x: 1, y: 2 }, { y: 2, x: 1 }], { 'a\u0000b': 1, c: 2 }, { a: 1, 'b\u0000c': 2 },
      { 1: 'one', 10: 'ten', 2: 'two', b: 'b', a: 'a' },
    ];
    for (const v of alike) expect(contentHash(v)).to.equal(storedHash(v));
    expect(contentHash({ 'a\u0000b': 1, c: 2 })).to.not.equal(contentHash({ a: 1, 'b\u0000c': 2 }));
  });
});
