import { expect } from 'chai';
import { billingCode, recurraSku, SkuMappingError, termCode } from '../../src/pax8/sku.js';

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

  it('refuses to invent a SKU for unknown terms or a missing part number', () => {
    expect(() => recurraSku({ sku: 'X', billingTerm: 'Fortnightly' })).to.throw(SkuMappingError, /billing term "Fortnightly"/);
    expect(() => recurraSku({ sku: 'X', commitmentTerm: '5-Year', billingTerm: 'Monthly' })).to.throw(SkuMappingError, /commitment term "5-Year"/);
    expect(() => recurraSku({ billingTerm: 'Monthly' })).to.throw(SkuMappingError, /neither/);
  });
});
