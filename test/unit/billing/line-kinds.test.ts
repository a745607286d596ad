import { expect } from 'chai';
import { isLineKind, LINE_KINDS, unreachable } from '../../../src/billing/index.js';

describe('billing: line kinds', () => {
  it('are defined once, and a stored kind outside them is recognised as such', () => {
    expect(LINE_KINDS).to.deep.equal(['recurring', 'arrears', 'usage', 'prorata']);
    for (const k of LINE_KINDS) expect(isLineKind(k)).to.equal(true);
    expect(isLineKind('adjustment')).to.equal(false);
    expect(isLineKind('')).to.equal(false);
  });

  it('an exhaustive switch that is reached with an unknown kind anyway says so', () => {
    expect(() => unreachable('adjustment' as never, 'line kind')).to.throw('unexpected line kind: adjustment');
  });
});
