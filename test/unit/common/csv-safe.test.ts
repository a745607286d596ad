import { expect } from 'chai';
import { csvSafe, csvSafeRow } from '../../../src/common/csv-safe.js';

describe('invoices: CSV cells safe from formula injection', () => {
  it('prefixes a single quote to text starting with = + - @ TAB or CR', () => {
    for (const bad of ['=HYPERLINK("http://x","y")', '+1+cmd', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      expect(csvSafe(bad)).to.equal(`'${bad}`);
    }
  });
  it('leaves ordinary text, empty cells and plain numbers (negative amounts too) alone', () => {
    expect(csvSafe('Contoso Ltd')).to.equal('Contoso Ltd');
    expect(csvSafe('')).to.equal('');
    expect(csvSafe(null)).to.equal('');
    expect(csvSafe('-74.52')).to.equal('-74.52');
    expect(csvSafe('10')).to.equal('10');
    expect(csvSafe('-1e5')).to.equal("'-1e5");
    expect(csvSafeRow(['=1', 'a', undefined])).to.deep.equal(["'=1", 'a', '']);
  });
});
