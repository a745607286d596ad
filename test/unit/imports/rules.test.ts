import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { LEGACY_USAGE_PRODUCT_PATTERN, carriesUsage, usageCarrierRule, usageOwner, type UsageOwnerInput } from '../../../src/imports/usage-rules.js';
import { defaultTenantSettings, parseTenantSettings } from '../../../src/tenants/settings.js';
import { activeFromStatus, effectiveDateOf, historyChanges } from '../../../src/subscriptions/state.js';
import { usageDates } from '../../../src/imports/usage-days.js';
import { chargeMonth, linesTotal, toLineFields } from '../../../src/imports/usage-lines.js';
import { round6 } from '../../../src/common/rounding.js';

const base: UsageOwnerInput = {
  summaryCompanyId: null, resourceGroup: null, subscriptionCompanyId: 'sub-co', ownCompanyId: 'own', includeOwnCompany: true,
  customerByCompany: new Map([['a', 'cust-a'], ['sub-co', 'cust-sub'], ['own', 'cust-own']]),
  customerByResourceGroup: new Map([['rg-x', 'cust-x']]),
};

describe('usage ownership', () => {
  it('follows the assigned company first', () => {
    expect(usageOwner({ ...base, summaryCompanyId: 'a', resourceGroup: 'rg-x' })).to.deep.equal({ kind: 'customer', customerId: 'cust-a', mappedBy: 'company' });
  });
  it('uses the resource group when the assigned company is not mapped or absent', () => {
    expect(usageOwner({ ...base, summaryCompanyId: 'unknown', resourceGroup: 'rg-x' })).to.include({ customerId: 'cust-x', mappedBy: 'resource_group' });
    expect(usageOwner({ ...base, resourceGroup: 'rg-x' })).to.include({ customerId: 'cust-x', mappedBy: 'resource_group' });
  });
  it('resource groups win over the own company', () => {
    expect(usageOwner({ ...base, summaryCompanyId: 'own', resourceGroup: 'rg-x' })).to.include({ customerId: 'cust-x' });
  });
  it('own-company usage follows includeOwnCompany and is never billed to a customer, even one mapped to the own company', () => {
    const owned = usageOwner({ ...base, summaryCompanyId: 'own' });
    expect(owned.kind).to.equal('unmapped');
    expect((owned as { reason: string }).reason).to.match(/partner's own usage/);
    expect(usageOwner({ ...base, subscriptionCompanyId: 'own', resourceGroup: 'rg-unknown' }).kind).to.equal('unmapped');
    expect(usageOwner({ ...base, summaryCompanyId: 'own', includeOwnCompany: false })).to.deep.equal({ kind: 'own_company_excluded' });
    expect(usageOwner({ ...base, subscriptionCompanyId: 'own', includeOwnCompany: false })).to.deep.equal({ kind: 'own_company_excluded' });
  });
  it('falls back to the subscription\'s company only without an assigned company', () => {
    expect(usageOwner(base)).to.include({ customerId: 'cust-sub', mappedBy: 'subscription' });
    expect(usageOwner({ ...base, summaryCompanyId: 'unknown' }).kind).to.equal('unmapped');
  });
  it('is unmapped when nothing applies', () => {
    const r = usageOwner({ ...base, subscriptionCompanyId: 'nobody', resourceGroup: 'rg-unknown' });
    expect(r.kind).to.equal('unmapped');
  });
});

describe('usage carriers', () => {
  const pattern = 'azure plan|azure subscription|usage';
  it('matches product or vendor names case-insensitively', () => {
    expect(carriesUsage(pattern, 'Azure plan', 'Microsoft')).to.equal(true);
    expect(carriesUsage(pattern, 'Microsoft 365 Business Premium', 'Microsoft')).to.equal(false);
    expect(carriesUsage('wasabi', 'Hot Cloud Storage', 'Wasabi')).to.equal(true);
  });
  const zero = new Decimal(0);
  const aws = { productName: 'Amazon Web Services', vendorName: 'Amazon Web Services', price: zero, partnerCost: zero, billingTerm: 'Monthly' };
  const wasabi = { productName: 'Wasabi Hot Cloud Storage', vendorName: 'Wasabi', price: zero, partnerCost: zero, billingTerm: 'Monthly' };
  const azure = { productName: 'Azure plan', vendorName: 'Microsoft', price: new Decimal('0.01'), partnerCost: zero, billingTerm: 'Monthly' };
  const seats = { productName: 'Microsoft 365 Business Premium', vendorName: 'Microsoft', price: new Decimal('22'), partnerCost: new Decimal('18.7'), billingTerm: 'Monthly' };
  const trial = { ...seats, price: zero, partnerCost: zero, billingTerm: 'Trial' };
  it('takes every usage product by default: billed by usage (zero price on a recurring term) or named so', () => {
    const rule = usageCarrierRule(defaultTenantSettings().imports);
    expect([aws, wasabi, azure, seats, trial].map(rule)).to.deep.equal([true, true, true, false, false]);
  });
  it('only excludes with usageExcludePattern; the old default of usageProductPattern means "not set", another value still narrows', () => {
    expect([aws, wasabi, azure].map(usageCarrierRule({ usageExcludePattern: 'wasabi' }))).to.deep.equal([true, false, true]);
    expect([aws, wasabi, azure].map(usageCarrierRule({ usageExcludePattern: '' }))).to.deep.equal([true, true, true]);
    expect([aws, wasabi, azure].map(usageCarrierRule({ usageProductPattern: LEGACY_USAGE_PRODUCT_PATTERN }))).to.deep.equal([true, true, true]);
    expect([aws, wasabi, azure, seats].map(usageCarrierRule({ usageProductPattern: 'azure|amazon' }))).to.deep.equal([true, false, true, false]);
    expect(parseTenantSettings({ imports: { usageProductPattern: LEGACY_USAGE_PRODUCT_PATTERN } }).imports.usageExcludePattern).to.equal(null);
    expect(() => parseTenantSettings({ imports: { usageExcludePattern: '(' } })).to.throw(/regular expression/);
  });
});

describe('subscription history rules', () => {
  const stored = { quantity: new Decimal(5), status: 'Active', active: true, activeOverride: null, price: new Decimal('10.5'), cost: new Decimal(8) };
  it('sees no change for equal values written differently', () => {
    expect(historyChanges(stored, { quantity: new Decimal('5.0'), status: 'Active', price: new Decimal('10.50'), cost: new Decimal(8) }).history).to.deep.equal([]);
  });
  it('lists quantity, status, active and price changes', () => {
    const cs = historyChanges(stored, { quantity: new Decimal(7), status: 'Cancelled', price: new Decimal(11), cost: new Decimal(8) });
    expect(cs.history).to.deep.equal(['quantity', 'status', 'active', 'price']);
    expect(cs.active).to.equal(false);
  });
  it('keeps an admin override of the active flag', () => {
    const cs = historyChanges({ ...stored, activeOverride: true }, { quantity: new Decimal(5), status: 'Cancelled', price: stored.price, cost: stored.cost });
    expect(cs.active).to.equal(true);
    expect(cs.history).to.deep.equal(['status']);
  });
  it('treats unknown statuses as inactive', () => {
    expect(activeFromStatus('SomethingNew')).to.equal(false);
    expect(activeFromStatus('PendingCancel')).to.equal(true);
  });
  it('dates a change by Pax8\'s updatedDate in the tenant zone, never before the last change or in the future', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(effectiveDateOf(new Date('2026-11-20T23:30:00Z'), now, null, 'Australia/Sydney', '2026-11-22')).to.equal('2026-11-21');
    expect(effectiveDateOf(new Date('2026-11-20T23:30:00Z'), now, null, 'America/New_York', '2026-11-22')).to.equal('2026-11-20');
    expect(effectiveDateOf(new Date('2026-11-10T00:00:00Z'), now, '2026-11-15', 'UTC', '2026-11-22')).to.equal('2026-11-22');
    expect(effectiveDateOf(new Date('2026-12-01T00:00:00Z'), now, null, 'UTC', '2026-11-22')).to.equal('2026-11-22');
    expect(effectiveDateOf(null, now, null, 'UTC', '2026-11-22')).to.equal('2026-11-22');
  });
});

describe('usage days and lines', () => {
  it('covers the current month up to today (never a future day), and the previous one during the first 5 days', () => {
    const nov = usageDates(new Date('2026-11-22T10:00:00Z'), '2026-11-22');
    expect(nov[0]).to.equal('2026-11-01');
    expect(nov.at(-1)).to.equal('2026-11-22');
    expect(nov).to.have.length(22);
    const jan = usageDates(new Date('2027-01-03T10:00:00Z'), '2027-01-03');
    expect(jan[0]).to.equal('2026-12-01');
    expect(jan.slice(-4)).to.deep.equal(['2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']);
    expect(jan).to.have.length(34);
  });
  it('ends on the tenant\'s today, or on the UTC date when the tenant is already a day ahead of Pax8\'s calendar', () => {
    // New York, 23:00 on the 21st = 04:00 UTC on the 22nd: the tenant's today is the 21st.
    expect(usageDates(new Date('2026-11-22T04:00:00Z'), '2026-11-21').at(-1)).to.equal('2026-11-21');
    // Auckland, 09:00 on the 23rd = 20:00 UTC on the 22nd: the 23rd is still a future usageDate for Pax8.
    expect(usageDates(new Date('2026-11-22T20:00:00Z'), '2026-11-23').at(-1)).to.equal('2026-11-22');
  });
  it('rounds half-up to 6 places and adds up lines of the same product on a day', () => {
    expect(round6(new Decimal('0.1234565')).toFixed()).to.equal('0.123457');
    const lines = toLineFields([
      { usageDate: '2026-11-02', productId: 'm1', unitOfMeasure: 'GB', quantity: new Decimal('1.0000004'), unitPrice: new Decimal(2), currentCharges: new Decimal('2.00') },
      { usageDate: '2026-11-02', productId: 'm1', unitOfMeasure: 'GB', quantity: new Decimal(1), unitPrice: new Decimal(2), currentCharges: new Decimal('2.00') },
      { usageDate: '2026-10-31', productId: 'm1', unitOfMeasure: 'GB', quantity: new Decimal(1), unitPrice: new Decimal(2), currentCharges: new Decimal('2.00') },
    ], 'USD');
    expect(lines).to.have.length(2);
    expect(lines[0]!.quantity.toFixed()).to.equal('2');
    expect(chargeMonth(lines, '2026-12')).to.equal('2026-11');
    expect(linesTotal(lines, '2026-11').toFixed()).to.equal('4');
    expect(chargeMonth([], '2026-12')).to.equal('2026-12');
  });
});
