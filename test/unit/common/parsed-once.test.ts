import { expect } from 'chai';
import { boundedMemo, parsedOnce } from '../../../src/common/parsed-once.js';

describe('common: bounded memo', () => {
  it('computes once per distinct key and hands the same value out again', () => {
    const calls: string[] = [];
    const memo = boundedMemo<string, { text: string }>(10);
    const make = (k: string) => { calls.push(k); return { text: k.toUpperCase() }; };
    const a = memo('a', make);
    expect(memo('a', make)).to.equal(a);
    expect(memo('b', make).text).to.equal('B');
    expect(calls).to.deep.equal(['a', 'b']);
  });

  it('keeps at most `bound` keys: when full it starts afresh and computes again', () => {
    let calls = 0;
    const parse = parsedOnce((n: number) => { calls++; return n * 2; }, 3);
    for (const n of [1, 2, 3]) expect(parse(n)).to.equal(n * 2);
    expect(calls).to.equal(3);
    expect(parse(4)).to.equal(8); // the fourth key clears the three before it
    expect(calls).to.equal(4);
    expect(parse(4)).to.equal(8);
    expect(parse(1)).to.equal(2);
    expect(calls).to.equal(5);
  });

  it('computes the value of each key from what the caller passes with it', () => {
    const memo = boundedMemo<string, string>(100);
    expect(memo('EUR|1.5', () => '1.50 €')).to.equal('1.50 €');
    expect(memo('EUR|1.5', () => 'not asked')).to.equal('1.50 €');
  });
});
