import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { Subscription } from '../../../src/db/entities/index.js';
import { transferMismatch } from '../../../src/operations/service.js';

const sub = (patch: Partial<Subscription>): Subscription => ({
  pax8ProductId: 'p1', productId: 'l1', name: 'M365 BP', billingTerm: 'Monthly', commitmentTerm: '1-Year', price: new Decimal('22.00'), currency: 'USD',
  ...patch,
} as Subscription);

describe('licence operation rules', () => {
  it('transfer: same product, plan, price and currency', () => {
    expect(transferMismatch(sub({}), sub({}))).to.deep.equal([]);
    expect(transferMismatch(sub({}), sub({ pax8ProductId: 'p2' })).join()).to.include('different products');
    expect(transferMismatch(sub({}), sub({ commitmentTerm: 'Monthly' })).join()).to.include('different plans');
    expect(transferMismatch(sub({}), sub({ price: new Decimal('22.000000') }))).to.deep.equal([]);
    expect(transferMismatch(sub({}), sub({ price: new Decimal('21.99') })).join()).to.include('different prices');
    expect(transferMismatch(sub({}), sub({ currency: 'EUR' })).join()).to.include('different currencies');
  });
});
