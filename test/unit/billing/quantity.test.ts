import { expect } from 'chai';
import { stateOn } from '../../../src/billing/history.js';
import { billableForLink, lineQuantityOn } from '../../../src/billing/quantity.js';
import { histories, history, link, str } from './helpers.js';

describe('billing/quantity', () => {
  it('free 2, minimum 5: quantity 3 bills 5, quantity 9 bills 7, cancelled bills 0 (rules example)', () => {
    const l = link('s1', 2, 5);
    const h = history('s1', [['2026-01-01', 3], ['2026-01-10', 9], ['2026-01-20', undefined, 'Cancelled']]);
    expect(str(billableForLink(l, stateOn(h, '2026-01-05')))).to.equal('5');
    expect(str(billableForLink(l, stateOn(h, '2026-01-10')))).to.equal('7');
    expect(str(billableForLink(l, stateOn(h, '2026-01-20')))).to.equal('0');
  });

  it('bills nothing before the first change gives a quantity; never negative', () => {
    const h = history('s1', [['2026-01-10', 1]]);
    expect(str(billableForLink(link('s1', 0, 5), stateOn(h, '2026-01-09')))).to.equal('0');
    expect(str(billableForLink(link('s1', 3, 0), stateOn(h, '2026-01-10')))).to.equal('0');
  });

  it('state on a date is after every change dated that day, in order', () => {
    const h = history('s1', [['2026-01-01', 10], ['2026-01-05', 12], ['2026-01-05', 4], ['2026-01-05', 7]]);
    expect(str(stateOn(h, '2026-01-04').quantity)).to.equal('10');
    expect(str(stateOn(h, '2026-01-05').quantity)).to.equal('7');
  });

  it('cancelled → active cycle: a bare quantity change does not reactivate, status Active does', () => {
    const h = history('s1', [
      ['2026-01-01', 10],
      ['2026-01-05', undefined, 'Cancelled'],
      ['2026-01-07', 12],
      ['2026-01-09', undefined, 'Active'],
    ]);
    expect(['2026-01-04', '2026-01-05', '2026-01-07', '2026-01-09'].map((d) => stateOn(h, d).active)).to.deep.equal([true, false, false, true]);
    expect(str(stateOn(h, '2026-01-09').quantity)).to.equal('12');
  });

  it('sums billable quantities over links', () => {
    const hs = histories(history('a', [['2026-01-01', 3]]), history('b', [['2026-01-01', 10]]), history('c', [['2026-01-01', 4, 'Cancelled']]));
    const line = { links: [link('a', 0, 5), link('b', 2), link('c')] };
    expect(str(lineQuantityOn(line, hs, '2026-01-01'))).to.equal('13');
  });
});
