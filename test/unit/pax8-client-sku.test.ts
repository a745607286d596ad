import { expect } from 'chai';
import { billingCode, recurraSku, SkuMappingError, termCode, termOfBilling } from '../../src/pax8/sku.js';

describe('pax8 recurraSku', () => {
  it('builds Microsoft SKUs from the part number, commitment term and billing term', () => {
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm: 'Monthly', billingTerm: 'Monthly' })).to.equal('CFQ7TTC0LCHC-0002-P1M-M');
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm: '1-Year', billingTerm: 'Annual' })).to.equal('CFQ7TTC0LCHC-0002-P1Y-A');
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm: '1-Year', billingTerm: 'Monthly' })).to.equal('CFQ7TTC0LCHC-0002-P1Y-M');
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm: '3-Year', billingTerm: '3-Year' })).to.equal('CFQ7TTC0LCHC-0002-P3Y-T');
    expect(recurraSku({ vendorSku: ' CFQ7TTC0LCHC : 0002 ', commitmentTerm: '2-Year', billingTerm: 'Annual' })).to.equal('CFQ7TTC0LCHC-0002-P2Y-A');
  });

  it('takes the term from the billing term when there is no commitment', () => {
    expect(recurraSku({ vendorSku: 'ABC:1', billingTerm: 'Annual' })).to.equal('ABC-1-P1Y-A');
    expect(recurraSku({ vendorSku: 'ABC:1', commitmentTerm: '', billingTerm: 'Monthly' })).to.equal('ABC-1-P1M-M');
  });

  it("falls back to Pax8's own sku when there is no vendor part number", () => {
    expect(recurraSku({ vendorSku: null, sku: 'MST-NCE-103-C100', commitmentTerm: 'Monthly', billingTerm: 'Monthly' })).to.equal('MST-NCE-103-C100-P1M-M');
    expect(recurraSku({ vendorSku: '  ', sku: 'ACME-1', billingTerm: 'Monthly' })).to.equal('ACME-1-P1M-M');
  });

  it('accepts invoice spellings ("3 Year") and case differences', () => {
    expect(termCode('3 Year')).to.equal('P3Y');
    expect(termCode('annual')).to.equal('P1Y');
    expect(billingCode('2 Year')).to.equal('B');
    expect(billingCode('One-Time')).to.equal('OT');
  });

  it('has a code for every Pax8 billing term: One-Time without a commitment, Trial and Activation', () => {
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', billingTerm: 'One-Time' })).to.equal('CFQ7TTC0LCHC-0002-P0D-OT');
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', billingTerm: 'Trial' })).to.equal('CFQ7TTC0LCHC-0002-P1M-TR');
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', billingTerm: 'Activation' })).to.equal('CFQ7TTC0LCHC-0002-P0D-AC');
    // A commitment still sets the term.
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm: '1-Year', billingTerm: 'Trial' })).to.equal('CFQ7TTC0LCHC-0002-P1Y-TR');
    expect(recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm: 'Monthly', billingTerm: 'One-Time' })).to.equal('CFQ7TTC0LCHC-0002-P1M-OT');
    expect(recurraSku({ sku: 'ACME-SETUP', commitmentTerm: ' ', billingTerm: 'activation' })).to.equal('ACME-SETUP-P0D-AC');
    expect(billingCode('Trial')).to.equal('TR');
    expect(billingCode('Activation')).to.equal('AC');
    expect(termOfBilling('One-Time')).to.equal('P0D');
    expect(termOfBilling('Trial')).to.equal('P1M');
    expect(termOfBilling('3 Year')).to.equal('P3Y');
    // Not terms of a commitment: a commitment term "Trial" is still refused.
    expect(termCode('Trial')).to.equal(undefined);
  });

  it('gives the 7 billing terms of one product 7 distinct SKUs (no new code collides with an old one)', () => {
    const terms = ['Monthly', 'Annual', '2-Year', '3-Year', 'One-Time', 'Trial', 'Activation'];
    const skus = terms.map((billingTerm) => recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', billingTerm }));
    expect(skus).to.deep.equal([
      'CFQ7TTC0LCHC-0002-P1M-M', 'CFQ7TTC0LCHC-0002-P1Y-A', 'CFQ7TTC0LCHC-0002-P2Y-B', 'CFQ7TTC0LCHC-0002-P3Y-T',
      'CFQ7TTC0LCHC-0002-P0D-OT', 'CFQ7TTC0LCHC-0002-P1M-TR', 'CFQ7TTC0LCHC-0002-P0D-AC',
    ]);
    // With any commitment term too, two different billing terms never share a SKU.
    for (const commitmentTerm of ['Monthly', '1-Year', '2-Year', '3-Year']) {
      expect(new Set(terms.map((billingTerm) => recurraSku({ vendorSku: 'CFQ7TTC0LCHC:0002', commitmentTerm, billingTerm }))).size, commitmentTerm).to.equal(terms.length);
    }
  });

  it('refuses to invent a SKU for unknown terms or a missing part number', () => {
    expect(() => recurraSku({ sku: 'X', billingTerm: 'Fortnightly' })).to.throw(SkuMappingError, /billing term "Fortnightly"/);
    expect(() => recurraSku({ sku: 'X', commitmentTerm: '5-Year', billingTerm: 'Monthly' })).to.throw(SkuMappingError, /commitment term "5-Year"/);
    expect(() => recurraSku({ billingTerm: 'Monthly' })).to.throw(SkuMappingError, /neither/);
    expect(() => recurraSku({ sku: 'X', commitmentTerm: 'Trial', billingTerm: 'Trial' })).to.throw(SkuMappingError, /commitment term "Trial"/);
  });
});
