import { expect } from 'chai';
import { matchByName } from '../../../src/mapping/match.js';

const co = (id: string, name: string) => ({ pax8CompanyId: id, name });
const cu = (id: string, name: string) => ({ customerId: id, name });

describe('matchByName', () => {
  it('links an exact, unique name', () => {
    const r = matchByName([co('p1', 'Blue Harbor LLC')], [cu('c1', 'Blue Harbor LLC'), cu('c2', 'Other')]);
    expect(r.exact).to.deep.equal([{ pax8CompanyId: 'p1', pax8Name: 'Blue Harbor LLC', customerId: 'c1', customerName: 'Blue Harbor LLC' }]);
    expect(r.suggestions).to.deep.equal([]);
  });

  it('only suggests names equal after normalisation', () => {
    const r = matchByName([co('p1', 'BLUE HARBOR, INC')], [cu('c1', 'Blue Harbor')]);
    expect(r.exact).to.deep.equal([]);
    expect(r.suggestions.map((s) => [s.pax8CompanyId, s.customerId])).to.deep.equal([['p1', 'c1']]);
  });

  it('lists a name shared by two customers as ambiguous', () => {
    const r = matchByName([co('p1', 'Acme')], [cu('c1', 'Acme'), cu('c2', 'Acme')]);
    expect(r.exact).to.deep.equal([]);
    expect(r.ambiguous).to.have.length(1);
    expect(r.ambiguous[0]!.kind).to.equal('exact');
    expect(r.ambiguous[0]!.candidates.map((c) => c.customerId).sort()).to.deep.equal(['c1', 'c2']);
  });

  it('lists a normalised name fitting two customers as ambiguous', () => {
    const r = matchByName([co('p1', 'Acme Inc')], [cu('c1', 'ACME'), cu('c2', 'Acme Ltd')]);
    expect(r.suggestions).to.deep.equal([]);
    expect(r.ambiguous[0]!.kind).to.equal('normalised');
  });

  it('never links one customer to two Pax8 companies of the same name', () => {
    const r = matchByName([co('p1', 'Acme'), co('p2', 'Acme')], [cu('c1', 'Acme')]);
    expect(r.exact).to.deep.equal([]);
    expect(r.ambiguous.map((a) => a.pax8CompanyId).sort()).to.deep.equal(['p1', 'p2']);
    expect(r.ambiguous.find((a) => a.pax8CompanyId === 'p1')!.competingPax8CompanyIds).to.deep.equal(['p2']);
  });

  it('prefers the exact match over normalised ones', () => {
    const r = matchByName([co('p1', 'Acme Inc')], [cu('c1', 'Acme Inc'), cu('c2', 'ACME')]);
    expect(r.exact.map((e) => e.customerId)).to.deep.equal(['c1']);
    expect(r.ambiguous).to.deep.equal([]);
  });

  it('reports companies without any match', () => {
    const r = matchByName([co('p1', 'Zeta')], [cu('c1', 'Alpha')]);
    expect(r.unmatched.map((u) => u.pax8CompanyId)).to.deep.equal(['p1']);
  });
});
