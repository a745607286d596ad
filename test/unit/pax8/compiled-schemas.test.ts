import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import fc from 'fast-check';
import type { z } from 'zod';
import { compileSchema, FAIL } from '../../../src/pax8/schemas/compiled.js';
import {
  companySchema, dependenciesSchema, ExactNumber, invoiceItemSchema, invoiceSchema, pricingSchema, productSchema,
  provisioningDetailSchema, subscriptionSchema, usageLineSchema, usageSummarySchema,
} from '../../../src/pax8/schemas/index.js';
import { validateRecord } from '../../../src/pax8/client/paging.js';

// The compiled decoders must say yes only where zod says yes, with the same value (keys in the same order).
const SCHEMAS: Record<string, z.ZodType> = {
  company: companySchema, product: productSchema, pricing: pricingSchema, provisioningDetail: provisioningDetailSchema,
  dependencies: dependenciesSchema, subscription: subscriptionSchema, usageSummary: usageSummarySchema,
  usageLine: usageLineSchema, invoice: invoiceSchema, invoiceItem: invoiceItemSchema,
};

const subscription = {
  id: '05c587df-9e7d-4ef9-8218-0262198e36c9', companyId: 'fe7a2d5f-4a14-43ff-940e-a65cda66474a',
  productId: 'e91bba5e-a9a3-483f-b036-f80165d410e3', productName: 'Exchange Online (Plan 1)', quantity: 5,
  startDate: '2021-01-01T08:30:00Z', createdDate: '2020-12-01T13:20:13.153-0700', billingStart: '2021-01-01',
  status: 'Active', price: 32.01, partnerCost: 28.5, currencyCode: 'USD', billingTerm: 'Monthly',
  commitment: { id: '10bb5b45', term: '1-Year', endDate: '2027-07-26T09:30:00.000+0100' }, extra: 'dropped',
};

const BASES: Record<string, object> = {
  company: { id: 'c1', name: 'Acme', address: { city: 'Perth', country: 'AU' }, status: 'Active', updatedDate: '2021-01-01T08:30:00Z' },
  product: { id: 'p1', name: 'Exchange', vendorName: 'Microsoft', sku: 'MST-1' },
  pricing: { productId: 'p1', billingTerm: 'Monthly', commitmentTermInMonths: 12, rates: [{ partnerBuyRate: 3.5, chargeType: 'Per Unit' }] },
  provisioningDetail: { key: 'domain', label: 'Domain', possibleValues: ['a', 'b'] },
  dependencies: { commitmentDependencies: [{ term: '1-Year', autoRenew: true }], productDependencies: [] },
  subscription,
  usageSummary: { id: 'u1', companyId: 'c1', currentCharges: 12.5, partnerTotal: 10, currencyCode: 'USD', isTrial: false },
  usageLine: { usageSummaryId: 'u1', usageDate: '2021-01-01', quantity: 2.5, unitPrice: 1, currencyCode: 'USD' },
  invoice: { id: 'i1', status: 'Unpaid', invoiceDate: '2021-01-01', total: 10.25, currencyCode: 'USD' },
  invoiceItem: { id: 'ii1', startPeriod: '2021-01-01', endPeriod: '2021-01-31', quantity: 3, price: 4.5, billedByPax8: true },
};

// Values a field may meet: valid ones of every kind the schemas take, and broken ones.
const interesting = fc.constantFrom<unknown>(
  undefined, null, '', 'x', 'USD', 'usd', 'US', 'Active', 'Monthly', '2021-01-01', '2021-02-30', '2024-02-29',
  '2021-01-01T08:30:00Z', '2020-12-01T13:20:13.153-0700', '2021-01-01T25:00:00Z', ' 2021-01-01 ', '12.5', '-3', '1e400',
  'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(300), '😀'.repeat(40), '😀'.repeat(70), 0, -1, 1, 2.5, 1e9, 999999999.5,
  32.01, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, true, false, [], ['a'], [{ key: 'k' }], {}, { term: '1-Year' },
  { id: 'c', term: '1-Year', endDate: '2027-07-26' }, { term: 5 }, { endDate: 'soon' }, new ExactNumber('12345678901234567.25'),
  [{ term: '1-Year', autoRenew: true, renewalWindowDaysBeforeTermEnd: 30 }], [{ term: '' }], [{ partnerBuyRate: 3.5 }],
  [{ partnerBuyRate: 'cheap' }],
);
const fieldValue = fc.oneof({ weight: 6, arbitrary: interesting }, { weight: 1, arbitrary: fc.anything() });

function shapeKeys(schema: z.ZodType): string[] {
  let def = (schema as any)._zod.def;
  while (def.type === 'pipe') def = def.in._zod.def;
  return Object.keys(def.shape);
}

let accepted = 0;
function agree(schema: z.ZodType, raw: unknown): void {
  const decoded = compileSchema(schema)!(raw);
  const zod = schema.safeParse(raw);
  if (decoded === FAIL) return; // zod decides (and words the issues)
  accepted++;
  expect(zod.success, `compiled accepted what zod refused: ${JSON.stringify(raw)}`).to.equal(true);
  const data = zod.data as object;
  expect(isDeepStrictEqual(decoded, data), `values differ for ${JSON.stringify(raw)}`).to.equal(true);
  expect(Object.keys(decoded as object)).to.deep.equal(Object.keys(data));
}

describe('compiled Pax8 record schemas', () => {
  it('compile every record schema the client pages through', () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) expect(compileSchema(schema), name).to.be.a('function');
  });

  it('decode every valid base record without zod', () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      expect(compileSchema(schema)!(BASES[name]), name).to.not.equal(FAIL);
      agree(schema, BASES[name]);
    }
  });

  it('decode a valid subscription exactly as zod does, unknown keys dropped', () => {
    const decoded = compileSchema(subscriptionSchema)!(subscription) as Record<string, unknown>;
    expect(decoded).to.not.equal(FAIL);
    expect(decoded).to.deep.equal(subscriptionSchema.parse(subscription));
    expect(decoded).to.not.have.property('extra');
    expect(decoded.commitment).to.deep.equal({ id: '10bb5b45', term: '1-Year', endDate: '2027-07-26T08:30:00.000Z' });
  });

  it('never accept what zod refuses, nor differ from its value (property, every schema)', () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      const keys = shapeKeys(schema);
      const record = fc.dictionary(fc.constantFrom(...keys, 'other'), fieldValue, { maxKeys: keys.length + 1 });
      fc.assert(fc.property(record, (raw) => agree(schema, raw)), { numRuns: 400 });
      // Valid records with one field changed: the decoders' usual input.
      accepted = 0;
      fc.assert(fc.property(fc.constantFrom(...keys), fieldValue, (key, value) => agree(schema, { ...BASES[name], [key]: value })), { numRuns: 300 });
      expect(accepted, `${name}: valid variants decoded without zod`).to.be.greaterThan(30);
    }
  });

  it('leave the wording of a broken record to zod', () => {
    const item = validateRecord(subscriptionSchema, { ...subscription, quantity: -1, startDate: '2021-02-30' }, 'GET /subscriptions', 0, 3);
    expect(item.error?.message).to.equal(
      'invalid record from GET /subscriptions: quantity: expected a non-negative quantity below a billion; startDate: unrecognised date "2021-02-30"',
    );
  });

  it('keep a non-object record as zod would refuse it', () => {
    for (const raw of [null, 'x', 3, [subscription]]) expect(validateRecord(subscriptionSchema, raw, 'GET /x').error).to.not.equal(undefined);
  });
});
