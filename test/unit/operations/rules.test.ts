import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { Subscription } from '../../../src/db/entities/index.js';
import { commitmentBlock, transferMismatch } from '../../../src/operations/service.js';

const sub = (patch: Partial<Subscription>): Subscription => ({
  pax8ProductId: 'p1', productId: 'l1', name: 'M365 BP', billingTerm: 'Monthly', commitmentTerm: '1-Year', price: new Decimal('22.00'), currency: 'USD',
  ...patch,
} as Subscription);

describe('licence operation rules', () => {
  it('commitment: no decrease while the term runs, except in its first 7 days; none after its end', () => {
    const s = { commitmentTerm: '1-Year', commitmentEndDate: '2027-03-01' };
    expect(commitmentBlock(s, '2026-11-15')).to.match(/1-Year term runs until 2027-03-01/);
    expect(commitmentBlock(s, '2026-03-07')).to.equal(null); // day 7 of the term (started 2026-03-01)
    expect(commitmentBlock(s, '2026-03-08')).to.match(/commitment/);
    expect(commitmentBlock(s, '2027-03-01')).to.equal(null);
    expect(commitmentBlock({ commitmentTerm: null, commitmentEndDate: null }, '2026-11-15')).to.equal(null);
    expect(commitmentBlock({ commitmentTerm: 'Monthly', commitmentEndDate: '2026-12-01' }, '2026-11-15')).to.match(/Monthly term/);
  });

  it('transfer: same product, plan, price and currency', () => {
    expect(transferMismatch(sub({}), sub({}))).to.deep.equal([]);
    expect(transferMismatch(sub({}), sub({ pax8ProductId: 'p2' })).join()).to.include('different products');
    expect(transferMismatch(sub({}), sub({ commitmentTerm: 'Monthly' })).join()).to.include('different plans');
    expect(transferMismatch(sub({}), sub({ price: new Decimal('22.000000') }))).to.deep.equal([]);
    expect(transferMismatch(sub({}), sub({ price: new Decimal('21.99') })).join()).to.include('different prices');
    expect(transferMismatch(sub({}), sub({ currency: 'EUR' })).join()).to.include('different currencies');
  });
});
