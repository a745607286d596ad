import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { changePercent, flagText, usageFlags, type FlagInput } from '../../../src/usage-review/flags.js';

const d = (v: string) => new Decimal(v);

function input(over: Partial<FlagInput> = {}): FlagInput {
  return {
    charges: d('100'), previousCharges: d('100'), products: ['Virtual Machines'], previousProducts: ['Virtual Machines'],
    resourceGroup: 'rg-contoso', previousResourceGroups: new Set(['rg-contoso']), lowestLineCharge: null, spikePercent: d('50'),
    ...over,
  };
}
const kinds = (i: FlagInput) => usageFlags(i).map((f) => f.kind);

describe('usage review: flags', () => {
  it('a month like the one before has no flag', () => {
    expect(usageFlags(input())).to.deep.equal([]);
  });

  describe('spike (the tenant\'s percentage)', () => {
    const cases: Array<[string, string, string, boolean, string | null]> = [
      // previous, current, threshold, spike?, percent
      ['100', '150', '50', false, null], // exactly the threshold is not above it
      ['100', '150.01', '50', true, '50.01'],
      ['100', '151', '50', true, '51'],
      ['100', '120', '10', true, '20'],
      ['100', '110', '10', false, null],
      ['100', '40', '10', false, null], // a drop is no spike
      ['0.03', '0.05', '50', true, '66.67'],
      ['100', '1000', '0', true, '900'],
      ['100', '100', '0', false, null],
      ['2000.50', '4001', '99.9', true, '100'],
    ];
    for (const [prev, cur, threshold, spike, pct] of cases) {
      it(`${prev} → ${cur} with ${threshold}%: ${spike ? `spike +${pct}%` : 'no spike'}`, () => {
        const flags = usageFlags(input({ previousCharges: d(prev), charges: d(cur), spikePercent: d(threshold) }));
        const f = flags.find((x) => x.kind === 'spike');
        if (!spike) expect(f).to.equal(undefined);
        else expect(f).to.deep.equal({ kind: 'spike', percent: pct });
      });
    }
    it('from zero to something is a spike without a percentage; zero to zero is not', () => {
      expect(usageFlags(input({ previousCharges: d('0'), charges: d('5') }))).to.deep.include({ kind: 'spike', percent: null });
      expect(kinds(input({ previousCharges: d('0'), charges: d('0') }))).to.not.include('spike');
    });
    it('after a negative month no spike is computed (a credit is no base)', () => {
      expect(kinds(input({ previousCharges: d('-10'), charges: d('50') }))).to.deep.equal([]);
    });
  });

  describe('first month', () => {
    it('no row for the month before: first month, no spike and no new products', () => {
      const flags = usageFlags(input({ previousCharges: null, charges: d('9999'), products: ['A', 'B'], previousProducts: [] }));
      expect(flags.map((f) => f.kind)).to.deep.equal(['first_month']);
    });
    it('a first month in a resource group the customer did not have is also a new resource group', () => {
      expect(kinds(input({ previousCharges: null, resourceGroup: 'rg-new', previousResourceGroups: new Set(['rg-old']) })))
        .to.deep.equal(['first_month', 'new_resource_group']);
    });
    it('a zero month before is no first month', () => {
      expect(kinds(input({ previousCharges: d('0'), charges: d('0') }))).to.deep.equal([]);
    });
  });

  describe('new resource group', () => {
    it('flags a group the customer had no charges in the month before, naming it', () => {
      expect(usageFlags(input({ resourceGroup: 'RG-Fabrikam', previousResourceGroups: new Set(['rg-contoso']) })))
        .to.deep.equal([{ kind: 'new_resource_group', resourceGroup: 'RG-Fabrikam' }]);
    });
    it('compares without case', () => {
      expect(kinds(input({ resourceGroup: 'RG-CONTOSO' }))).to.deep.equal([]);
    });
    it('a summary without a resource group never has one', () => {
      expect(kinds(input({ resourceGroup: null, previousResourceGroups: new Set() }))).to.deep.equal([]);
    });
  });

  describe('new product', () => {
    it('lists each product that was not billed the month before, once and sorted', () => {
      expect(usageFlags(input({ products: ['Storage', 'Virtual Machines', 'Bandwidth', 'Storage'] })))
        .to.deep.equal([{ kind: 'new_product', products: ['Bandwidth', 'Storage'] }]);
    });
    it('a product gone this month is no new product', () => {
      expect(kinds(input({ products: [], previousProducts: ['Virtual Machines'] }))).to.deep.equal([]);
    });
  });

  describe('negative charge', () => {
    it('a negative month total', () => {
      expect(usageFlags(input({ charges: d('-12.5') }))).to.deep.include({ kind: 'negative', amount: '-12.5' });
    });
    it('a negative daily line under a positive total names the lowest line', () => {
      expect(usageFlags(input({ lowestLineCharge: d('-3.2') }))).to.deep.equal([{ kind: 'negative', amount: '-3.2' }]);
    });
    it('the lower of the two', () => {
      expect(usageFlags(input({ charges: d('-1'), lowestLineCharge: d('-0.5') })).find((f) => f.kind === 'negative'))
        .to.deep.equal({ kind: 'negative', amount: '-1' });
    });
    it('zero and minus zero are not negative', () => {
      expect(kinds(input({ charges: d('-0'), previousCharges: d('0'), lowestLineCharge: d('0') }))).to.deep.equal([]);
    });
  });

  it('several flags at once, in a fixed order', () => {
    expect(kinds(input({ previousCharges: d('10'), charges: d('100'), resourceGroup: 'rg-x', products: ['New'], lowestLineCharge: d('-1') })))
      .to.deep.equal(['spike', 'new_resource_group', 'new_product', 'negative']);
  });

  it('change in percent: null without a base, two places otherwise', () => {
    expect(changePercent(d('5'), null)).to.equal(null);
    expect(changePercent(d('5'), d('0'))).to.equal(null);
    expect(changePercent(d('2'), d('3'))!.toString()).to.equal('-33.33');
    expect(changePercent(d('0'), d('-4'))!.toString()).to.equal('100');
  });

  it('says each flag in words', () => {
    expect(flagText({ kind: 'spike', percent: '62.5' })).to.equal('spike: +62.5%');
    expect(flagText({ kind: 'spike', percent: null })).to.equal('spike: up from nothing');
    expect(flagText({ kind: 'new_product', products: ['A', 'B'] })).to.equal('new products: A, B');
    expect(flagText({ kind: 'first_month' })).to.equal('first month');
  });
});
