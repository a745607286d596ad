import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { REVERSE_CHARGE_NOTE } from '../../../src/billing/tax.js';
import { invoiceTaxLabel, lineTaxFacts, lineTaxJson, lineTaxText, reverseChargeNote } from '../../../src/invoices/tax-words.js';

const stored = (taxRate: string | null, taxCode: string | null, taxKind: string | null) => ({ taxRate: taxRate === null ? null : new Decimal(taxRate), taxCode, taxKind });

describe('invoices/tax-words: a stored line\'s tax in words', () => {
  it('a line billed before tax codes takes its invoice\'s rate, without a code', () => {
    const t = lineTaxFacts(stored(null, null, null), '0.2');
    expect(lineTaxJson(t)).to.deep.equal({ taxRate: '0.2', taxCode: null, taxKind: 'standard' });
    expect(lineTaxText(t)).to.equal('20%');
  });

  it('names the code and the rate, or the exemption and reverse charge (at 0 tax)', () => {
    expect(lineTaxText(lineTaxFacts(stored('0.125', 'GST', 'standard'), '0.2'))).to.equal('GST 12.5%');
    expect(lineTaxText(lineTaxFacts(stored('0', 'Zero', 'exempt'), '0.2'))).to.equal('Zero (exempt)');
    expect(lineTaxText(lineTaxFacts(stored('0', 'EU-RC', 'reverse_charge'), '0.2'))).to.equal('EU-RC (reverse charge)');
  });

  it('the invoice\'s label: one rate without a code keeps "Tax (10%)"; mixed or coded lines read "Tax"', () => {
    const plain = lineTaxFacts(stored('0.1', null, 'standard'), '0.1');
    const coded = lineTaxFacts(stored('0.1', 'GST', 'standard'), '0.1');
    expect(invoiceTaxLabel([plain, plain], '0.1')).to.equal('Tax (10%)');
    expect(invoiceTaxLabel([], '0.1')).to.equal('Tax (10%)');
    expect(invoiceTaxLabel([plain, coded], '0.1')).to.equal('Tax');
    expect(invoiceTaxLabel([plain, lineTaxFacts(stored('0.2', null, 'standard'), '0.1')], '0.1')).to.equal('Tax');
  });

  it('the reverse-charge note only when a line is reverse charged', () => {
    expect(reverseChargeNote([lineTaxFacts(stored('0', 'Zero', 'exempt'), '0')])).to.equal(null);
    expect(reverseChargeNote([lineTaxFacts(stored('0', 'RC', 'reverse_charge'), '0')])).to.equal(REVERSE_CHARGE_NOTE);
  });
});
