import { expect } from 'chai';
import { normalizeCompanyName } from '../../../src/mapping/normalize.js';

describe('normalizeCompanyName', () => {
  const same: Array<[string, string]> = [
    ['Acme', 'ACME'],
    ['Acme, Inc.', 'Acme'],
    ['Acme Inc', 'acme'],
    ['ACME, INC', 'Acme'],
    ['Acme LLC', 'Acme'],
    ['Acme L.L.C.', 'Acme'],
    ['Acme Ltd', 'Acme Limited'],
    ['Acme Pty Ltd', 'Acme'],
    ['Acme Pty. Ltd.', 'acme'],
    ['Müller GmbH', 'Muller'],
    ['  Blue   Harbor  ', 'Blue Harbor'],
    ['Blue-Harbor', 'Blue Harbor'],
    ['Smith & Sons', 'Smith and Sons'],
    ["O'Brien Consulting", 'OBrien Consulting'],
    ['Northwind Traders Co.', 'Northwind Traders'],
    ['Contoso Corp.', 'Contoso Corporation'],
  ];
  for (const [a, b] of same) {
    it(`"${a}" ~ "${b}"`, () => expect(normalizeCompanyName(a)).to.equal(normalizeCompanyName(b)));
  }

  const different: Array<[string, string]> = [
    ['Acme', 'Acme Holdings'],
    ['Blue Harbor', 'Blue Harbour'],
    ['Inc Solutions', 'Solutions'],
    ['Northwind', 'Northwind West'],
  ];
  for (const [a, b] of different) {
    it(`"${a}" differs from "${b}"`, () => expect(normalizeCompanyName(a)).to.not.equal(normalizeCompanyName(b)));
  }

  it('keeps a name made only of a legal word', () => {
    expect(normalizeCompanyName('Company Ltd')).to.equal('company');
    expect(normalizeCompanyName('LLC')).to.equal('llc');
  });

  it('strips several trailing legal words, not ones in the middle', () => {
    expect(normalizeCompanyName('Acme Holdings Pty Ltd')).to.equal('acme holdings');
    expect(normalizeCompanyName('Acme Inc Europe')).to.equal('acme inc europe');
  });
});
