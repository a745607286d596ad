import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { companySchema, normalizePax8Date, parseExactJson, subscriptionSchema, usageLineSchema } from '../../src/pax8/schemas/index.js';

const sub = {
  id: '05c587df-9e7d-4ef9-8218-0262198e36c9',
  companyId: 'fe7a2d5f-4a14-43ff-940e-a65cda66474a',
  productId: 'e91bba5e-a9a3-483f-b036-f80165d410e3',
  quantity: 5,
  startDate: '2021-01-01T08:30:00Z',
  createdDate: '2020-12-01T13:20:13.153-0700',
  billingStart: '2021-01-01',
  status: 'Active',
  price: 32.01,
  partnerCost: 28.5,
  currencyCode: 'USD',
  billingTerm: 'Monthly',
};

describe('pax8 date normalization', () => {
  it('keeps date-only values as YYYY-MM-DD', () => {
    expect(normalizePax8Date('2020-12-03')).to.equal('2020-12-03');
  });
  it('turns instants with any offset notation into ISO UTC', () => {
    expect(normalizePax8Date('2020-12-01T13:20:13.153-0700')).to.equal('2020-12-01T20:20:13.153Z');
    expect(normalizePax8Date('2020-12-01T13:20:13.153-07:00')).to.equal('2020-12-01T20:20:13.153Z');
    expect(normalizePax8Date('2021-01-01T08:30:00Z')).to.equal('2021-01-01T08:30:00.000Z');
    expect(normalizePax8Date('2021-01-01T00:30:00+0100')).to.equal('2020-12-31T23:30:00.000Z');
    expect(normalizePax8Date('2021-01-01T08:30:00.1234567Z')).to.equal('2021-01-01T08:30:00.123Z');
  });
  it('knows leap years and other precisions', () => {
    expect(normalizePax8Date('2024-02-29')).to.equal('2024-02-29');
    expect(normalizePax8Date('2000-02-29')).to.equal('2000-02-29');
    expect(normalizePax8Date('2021-01-01T08:30Z')).to.equal('2021-01-01T08:30:00.000Z');
    expect(normalizePax8Date('2021-01-01T08:30:00.5+05:30')).to.equal('2021-01-01T03:00:00.500Z');
    expect(normalizePax8Date('2021-01-01T08:30:00-07')).to.equal('2021-01-01T15:30:00.000Z');
    expect(normalizePax8Date(' 2021-01-01 ')).to.equal('2021-01-01');
  });
  it('agrees with Date for any instant written with any offset (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), fc.integer({ min: -12 * 60, max: 14 * 60 }), fc.boolean(), (t, off, colon) => {
        const local = new Date(t + off * 60_000).toISOString().slice(0, 23);
        const hh = String(Math.trunc(Math.abs(off) / 60)).padStart(2, '0');
        const mm = String(Math.abs(off) % 60).padStart(2, '0');
        const text = `${local}${off < 0 ? '-' : '+'}${hh}${colon ? ':' : ''}${mm}`;
        return normalizePax8Date(text) === new Date(t).toISOString() && normalizePax8Date(new Date(t).toISOString()) === new Date(t).toISOString();
      }),
      { numRuns: 3000 },
    );
  });
  it('rejects impossible or foreign dates', () => {
    for (const bad of ['2021-02-30', '2023-02-29', '1900-02-29', '2021-13-01', '2021-00-10', '12/03/2020', '2021-01-01T25:00:00Z', '2021-01-01T10:60:00Z',
      '2021-01-01T10:00:61Z', '2021-01-01T10:00:00+2500', '2021-01-01T10:00:00.Z', '2021-01-01T10:00:00Zjunk', '2021-01-01X', '', 'yesterday']) {
      expect(normalizePax8Date(bad), bad).to.equal(undefined);
    }
  });
});

describe('pax8 subscription schema', () => {
  it('parses the spec example with Decimals and normalized dates', () => {
    const s = subscriptionSchema.parse(sub);
    expect(s.quantity).to.be.instanceOf(Decimal);
    expect(s.price!.toString()).to.equal('32.01');
    expect(s.partnerCost!.toString()).to.equal('28.5');
    expect(s.createdDate).to.equal('2020-12-01T20:20:13.153Z');
    expect(s.billingStart).to.equal('2021-01-01');
    expect(s.commitment).to.equal(undefined);
  });

  it('accepts commitment (live) and commitmentTerm (spec) as the same field', () => {
    const live = subscriptionSchema.parse({ ...sub, commitment: { id: 'c1', term: '1-Year', endDate: '2022-01-01T00:00:00Z' } });
    const specInput = { ...sub, commitmentTerm: { id: 'c1', term: '1-Year', endDate: '2022-01-01T00:00:00Z' } };
    const spec = subscriptionSchema.parse(specInput);
    expect(specInput).to.have.property('commitmentTerm'); // the raw payload is never modified
    expect(live.commitment).to.deep.equal({ id: 'c1', term: '1-Year', endDate: '2022-01-01T00:00:00.000Z' });
    expect(spec.commitment).to.deep.equal(live.commitment);
    expect(spec).to.not.have.property('commitmentTerm');
  });

  it('keeps unknown status and billingTerm values', () => {
    const s = subscriptionSchema.parse({ ...sub, status: 'SuspendedForReasons', billingTerm: '5-Year' });
    expect(s.status).to.equal('SuspendedForReasons');
    expect(s.billingTerm).to.equal('5-Year');
  });

  it('accepts nulls for optional fields', () => {
    const s = subscriptionSchema.parse({ ...sub, endDate: null, commitment: null, price: null });
    expect(s.endDate).to.equal(null);
    expect(s.commitment).to.equal(undefined);
  });

  it('rejects wrong types, bad dates and missing ids with a path', () => {
    for (const [patch, path] of [
      [{ quantity: 'many' }, 'quantity'],
      [{ price: '12,50' }, 'price'],
      [{ startDate: 'not a date' }, 'startDate'],
      [{ id: 42 }, 'id'],
      [{ companyId: undefined }, 'companyId'],
    ] as const) {
      const r = subscriptionSchema.safeParse({ ...sub, ...patch });
      expect(r.success, JSON.stringify(patch)).to.equal(false);
      expect(r.error!.issues[0]!.path.join('.')).to.equal(path);
    }
  });

  it('keeps money exact when it arrives with many decimals', () => {
    const raw = parseExactJson('{"id":"a","companyId":"b","productId":"c","status":"Active","quantity":3,"price":10.123456789012345678}');
    expect(subscriptionSchema.parse(raw).price!.toFixed()).to.equal('10.123456789012345678');
  });
});

describe('pax8 other schemas', () => {
  it('parses a company from the spec example', () => {
    const c = companySchema.parse({
      id: '9ba32659-d339-4539-be21-1f461dc1a415', name: 'x', address: { city: 'Dayton', country: 'US' },
      status: 'Archived', selfServiceAllowed: true, updatedDate: '2023-08-11T11:33:12.314-0600',
    });
    expect(c.status).to.equal('Archived');
    expect(c.updatedDate).to.equal('2023-08-11T17:33:12.314Z');
  });
  it('parses usage lines with Decimal quantity and money', () => {
    const l = usageLineSchema.parse({ usageDate: '2020-01-14', quantity: 3, unitPrice: 5.33, currentCharges: 15.99, partnerTotal: 10.38 });
    expect(l.quantity.toString()).to.equal('3');
    expect(l.currentCharges!.minus(l.partnerTotal!).toString()).to.equal('5.61');
  });
});
