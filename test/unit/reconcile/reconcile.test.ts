import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import type { RBilledLine, ReconcileInput, RPax8Item, RSubscription, RUsage } from '../../../src/reconcile/model.js';
import { provenanceOf } from '../../../src/reconcile/load.js';
import { allocate, marginPercent, monthlyAmount, reconcile } from '../../../src/reconcile/reconcile.js';

const D = (v: Decimal.Value) => new Decimal(v);

function sub(id: string, patch: Partial<RSubscription> = {}): RSubscription {
  return {
    id, kind: 'license', pax8Id: `p-${id}`, pax8CompanyId: 'co-1', customerId: 'cust-1', name: `Sub ${id}`, quantity: D(10), status: 'Active', active: true,
    price: D('12.00'), cost: D('10.00'), currency: 'USD', billingTerm: 'Monthly', startDate: '2026-01-01', endDate: null, deletedInPax8: false,
    usageSummaryId: null, ...patch,
  };
}

function item(id: string, patch: Partial<RPax8Item> = {}): RPax8Item {
  return {
    id, type: 'subscription', pax8CompanyId: 'co-1', companyName: 'Contoso', pax8SubscriptionId: 'p-a', description: 'M365', term: 'Monthly',
    quantity: D(10), unitCost: D('10.00'), amountDue: D('100.00'), currency: 'USD', ...patch,
  };
}

function billed(id: string, subs: string[], patch: Partial<RBilledLine> = {}): RBilledLine {
  return {
    id, invoiceId: 'inv-1', invoiceNumber: 7, customerId: 'cust-1', recurringInvoiceLineId: `l-${id}`, kind: 'recurring', description: 'M365',
    fromDate: '2026-11-01', toDate: '2026-12-01', quantity: D(10), unitPrice: D('12.00'), amount: D('120.00'), currency: 'USD',
    subscriptions: subs, linkBillable: new Map(subs.map((s) => [s, D(10)])), usageSummaryId: null, ...patch,
  };
}

function input(patch: Partial<ReconcileInput> = {}): ReconcileInput {
  return {
    month: '2026-11', customers: [{ id: 'cust-1', name: 'Contoso' }, { id: 'cust-2', name: 'Fabrikam' }],
    mappings: [{ pax8CompanyId: 'co-1', customerId: 'cust-1' }, { pax8CompanyId: 'co-2', customerId: 'cust-2' }],
    subscriptions: [sub('a')], usage: [],
    lines: [{ id: 'l-1', recurringInvoiceId: 'ri-1', customerId: 'cust-1', description: 'M365', timing: 'advance', usageSummaryId: null, links: [{ subscriptionId: 'a', free: D(0), minimum: D(0) }] }],
    billed: [billed('1', ['a'])], pax8Items: [item('x')], pax8Source: 'draft', ignoredCompanyIds: [], canAddLines: true, knownCompanyIds: ['co-1', 'co-2', 'co-9'],
    ...patch,
  };
}

describe('reconcile (pure)', () => {
  it('a matching month: cost from Pax8, billed from the invoice line, margin and margin %, no finding', () => {
    const r = reconcile(input());
    expect(r.findings).to.deep.equal([]);
    expect(r.rows).to.have.length(1);
    const row = r.rows[0]!;
    expect([row.cost.toString(), row.billed.toString(), row.margin.toString(), row.marginPercent!.toString()]).to.deep.equal(['100', '120', '20', '16.67']);
    expect(row.costSource).to.equal('pax8_draft');
    expect(row.explanation.join('\n')).to.match(/Recurra invoice 7 line "M365" \(recurring, 2026-11-01 to 2026-12-01\): 10 × 12.00 = 120.00 USD/);
    expect(r.totals[0]!.margin.toString()).to.equal('20');
  });

  it('unbilled: price × quantity a month (annual terms spread over 12 months); trial and inactive subscriptions are not leakage', () => {
    const r = reconcile(input({
      subscriptions: [sub('a'), sub('b', { pax8Id: 'p-b', quantity: D(3), price: D('100.00'), billingTerm: 'Annual' }), sub('c', { pax8Id: 'p-c', billingTerm: 'Trial' }),
        sub('d', { pax8Id: 'p-d', active: false, status: 'Suspended' })],
    }));
    expect(r.findings.map((f) => [f.key, f.amount.toString(), f.fix?.action])).to.deep.equal([['unbilled:b', '25', 'add_to_recurring_invoice']]);
    expect(monthlyAmount(D('10.01'), D(3), 'Monthly', 'USD').toString()).to.equal('30.03');
    expect(monthlyAmount(D('100'), D(1), '3-Year', 'USD').toString()).to.equal('2.78');
  });

  it('unbilled without the tenant\'s automatic lines is a manual fix', () => {
    const r = reconcile(input({ subscriptions: [sub('a'), sub('b', { pax8Id: 'p-b' })], canAddLines: false }));
    expect(r.findings[0]!.fix).to.equal(null);
    expect(r.findings[0]!.manual).to.match(/add a line/);
  });

  it('fewer licences: held by Pax8 minus free minus billed, at the billed unit price; free licences alone are not leakage', () => {
    const free = input({
      lines: [{ id: 'l-1', recurringInvoiceId: 'ri-1', customerId: 'cust-1', description: 'M365', timing: 'advance', usageSummaryId: null, links: [{ subscriptionId: 'a', free: D(2), minimum: D(0) }] }],
      billed: [billed('1', ['a'], { quantity: D(8), amount: D('96.00'), linkBillable: new Map([['a', D(8)]]) })],
    });
    expect(reconcile(free).findings).to.deep.equal([]);
    expect(reconcile(free).rows[0]!.freeQuantity.toString()).to.equal('2');
    const short = reconcile({ ...free, pax8Items: [item('x', { quantity: D(13), amountDue: D('130.00') })] });
    expect(short.findings.map((f) => [f.kind, f.amount.toString()])).to.deep.equal([['under_quantity', '36']]);
  });

  it('below cost: (Pax8 unit cost − unit price) × billed quantity', () => {
    const r = reconcile(input({ billed: [billed('1', ['a'], { unitPrice: D('9.50'), amount: D('95.00') })] }));
    expect(r.findings.map((f) => [f.kind, f.amount.toString()])).to.deep.equal([['below_cost', '5']]);
  });

  it('cancelled but billed: only what is billed for dates on or after the end date', () => {
    const before = reconcile(input({ subscriptions: [sub('a', { status: 'Cancelled', endDate: '2026-11-20' })] }));
    expect(before.findings).to.deep.equal([]);
    const after = reconcile(input({ subscriptions: [sub('a', { status: 'Cancelled', endDate: '2026-10-20' })], pax8Items: [] }));
    expect(after.findings.map((f) => [f.kind, f.amount.toString()])).to.deep.equal([['cancelled_billed', '120']]);
  });

  it('usage: Pax8 usage items are matched to summaries by partner total; an unmapped summary is leakage', () => {
    const u = (id: string, patch: Partial<RUsage> = {}): RUsage => ({
      id, pax8Id: `pu-${id}`, pax8SubscriptionId: 'p-az', pax8CompanyId: 'co-1', customerId: 'cust-1', resourceGroup: null, currency: 'USD',
      monthCharges: D('50'), monthPartnerTotal: D('40.123'), subscriptionId: null, name: `usage ${id}`, createdDate: '2026-11-01', ...patch,
    });
    const usage = [u('u1'), u('u2', { monthPartnerTotal: D('7.5'), monthCharges: D('9'), customerId: null })];
    const r = reconcile(input({
      subscriptions: [sub('a'), sub('az', { pax8Id: 'p-az', price: D(0), cost: D(0), quantity: D(1) })], usage,
      lines: [...input().lines, { id: 'l-u', recurringInvoiceId: 'ri-1', customerId: 'cust-1', description: 'Azure', timing: 'usage', usageSummaryId: 'u1', links: [] }],
      billed: [billed('1', ['a']), billed('u', [], { kind: 'usage', usageSummaryId: 'u1', amount: D('50.00'), quantity: D(1), unitPrice: D(50) })],
      pax8Items: [item('x'), item('y', { pax8SubscriptionId: 'p-az', term: 'Arrears', amountDue: D('7.5') }), item('z', { pax8SubscriptionId: 'p-az', term: 'Arrears', amountDue: D('40.123') })],
    }));
    const u1 = r.rows.find((x) => x.usageSummaryId === 'u1')!;
    expect([u1.cost.toString(), u1.billed.toString()]).to.deep.equal(['40.123', '50']);
    expect(r.findings.map((f) => [f.kind, f.amount.toString(), f.customerId])).to.deep.equal([['unmapped_usage', '7.5', null]]);
  });

  it('Pax8 items of a company mapped to no customer: one finding per company with the sum, map fix when the company is known; own company ignored', () => {
    const r = reconcile(input({
      customers: [{ id: 'cust-1', name: 'Contoso' }, { id: 'cust-3', name: 'Northwind Ltd' }],
      pax8Items: [item('x'), item('y', { pax8CompanyId: 'co-9', companyName: 'Northwind', pax8SubscriptionId: 'p-zz', amountDue: D('5.55') }),
        item('z', { pax8CompanyId: 'co-9', companyName: 'Northwind', pax8SubscriptionId: 'p-zy', amountDue: D('4.45') }),
        item('w', { pax8CompanyId: 'own', pax8SubscriptionId: 'p-own', amountDue: D('999') })],
      ignoredCompanyIds: ['own'],
    }));
    expect(r.findings.map((f) => [f.key, f.amount.toString()])).to.deep.equal([['unmapped_company:co-9:USD', '10']]);
    expect(r.findings[0]!.fix).to.deep.include({ action: 'map_company', pax8CompanyId: 'co-9', suggestedCustomerId: 'cust-3' });
    const noCustomer = r.customers.find((c) => c.customerId === null)!;
    expect([noCustomer.cost.toString(), noCustomer.leakage.toString()]).to.deep.equal(['10', '10']);
    expect(r.totals[0]!.cost.toString()).to.equal('110');
  });

  it('a Pax8 subscription Recurra never imported, for a mapped company, is unbilled', () => {
    const r = reconcile(input({ pax8Items: [item('x'), item('y', { pax8SubscriptionId: 'p-new', amountDue: D('33.00') })] }));
    expect(r.findings.map((f) => [f.kind, f.amount.toString(), f.customerId, f.fix])).to.deep.equal([['unbilled', '33', 'cust-1', null]]);
  });

  it('Pax8 usage on a subscription Recurra imports no usage summary for is unbilled', () => {
    const r = reconcile(input({ pax8Items: [item('x'), item('y', { term: 'Arrears', amountDue: D('12.34') })] }));
    expect(r.findings.map((f) => [f.key, f.amount.toString()])).to.deep.equal([['unbilled:usage:a', '12.34']]);
  });

  it('without a Pax8 bill, cost falls back to partner cost × quantity and usage partner totals', () => {
    const r = reconcile(input({ pax8Items: [], pax8Source: 'none' }));
    expect([r.rows[0]!.cost.toString(), r.rows[0]!.costSource]).to.deep.equal(['100', 'estimate']);
  });

  it('a line for several subscriptions is split by billable quantity, to the cent, adding up exactly', () => {
    const r = reconcile(input({
      subscriptions: [sub('a'), sub('b', { pax8Id: 'p-b', quantity: D(20) })],
      lines: [{ id: 'l-1', recurringInvoiceId: 'ri-1', customerId: 'cust-1', description: 'M365', timing: 'advance', usageSummaryId: null, links: [{ subscriptionId: 'a', free: D(0), minimum: D(0) }, { subscriptionId: 'b', free: D(0), minimum: D(0) }] }],
      billed: [billed('1', ['a', 'b'], { quantity: D(30), amount: D('100.00'), unitPrice: D('3.3333'), linkBillable: new Map([['a', D(10)], ['b', D(20)]]) })],
      pax8Items: [],
      pax8Source: 'none',
    }));
    const a = r.rows.find((x) => x.subscriptionId === 'a')!;
    const b = r.rows.find((x) => x.subscriptionId === 'b')!;
    expect([a.billed.toString(), b.billed.toString()]).to.deep.equal(['33.33', '66.67']);
    expect(allocate(D('0.05'), [D(1), D(1), D(1)], 'USD').map(String)).to.deep.equal(['0.02', '0.02', '0.01']);
    expect(allocate(D('10'), [D(0), D(0)], 'JPY').map(String)).to.deep.equal(['5', '5']);
  });

  it('findings are listed newest first; totals per currency are the sum of their customers', () => {
    const r = reconcile(input({
      subscriptions: [sub('a'), sub('b', { pax8Id: 'p-b', startDate: '2025-01-01' }), sub('c', { pax8Id: 'p-c', startDate: '2026-06-01', customerId: 'cust-2', currency: 'EUR' })],
    }));
    expect(r.findings.map((f) => f.since)).to.deep.equal(['2026-06-01', '2025-01-01']);
    expect(r.totals.map((t) => t.currency)).to.deep.equal(['EUR', 'USD']);
    for (const t of r.totals) {
      const cs = r.customers.filter((c) => c.currency === t.currency);
      expect(t.leakage.equals(cs.reduce((s, c) => s.plus(c.leakage), D(0)))).to.equal(true);
    }
    expect(marginPercent(D(1), D(0))).to.equal(null);
  });

  it('reads subscriptions, billable quantities and the usage summary from an issued line\'s provenance', () => {
    const p = provenanceOf(JSON.stringify({
      subscriptions: ['a', 'b'], quantities: [{ from: '2026-11-01', to: '2026-12-01', quantity: '7', links: [{ subscription: 'a', billable: '3' }, { subscription: 'b', billable: '4' }] }],
    }));
    expect(p.subscriptions).to.deep.equal(['a', 'b']);
    expect([...p.linkBillable!.entries()].map(([k, v]) => [k, v.toString()])).to.deep.equal([['a', '3'], ['b', '4']]);
    expect(provenanceOf('{"subscriptions":[],"usage":{"usageSummary":"u1","month":"2026-11"}}').usageSummaryId).to.equal('u1');
    expect(provenanceOf('not json').subscriptions).to.deep.equal([]);
  });
});
