import { z } from 'zod';
import { BILLING_TERMS, SUBSCRIPTION_STATUSES } from './enums.js';
import { currencyCode, decimal, openEnum, opt, pax8Date, pax8Id, quantity, text } from './primitives.js';

const commitmentObject = z.object({
  id: opt(z.string()),
  term: opt(z.string()),
  endDate: opt(pax8Date),
});

// The spec names it `commitmentTerm` (an object); the live API sends `commitment`.
// Pricing uses a bare term string under the same name, so accept that too.
const commitmentInput = opt(z.union([commitmentObject, z.string().transform((term) => ({ term }))]));

export const subscriptionSchema = z
  .object({
    id: pax8Id,
    parentSubscriptionId: opt(pax8Id),
    companyId: pax8Id,
    productId: pax8Id,
    productName: opt(text(255)),
    vendorSubscriptionId: opt(z.string()),
    vendorSkuId: opt(z.string()),
    quantity,
    startDate: opt(pax8Date),
    endDate: opt(pax8Date),
    createdDate: opt(pax8Date),
    updatedDate: opt(pax8Date),
    billingStart: opt(pax8Date),
    status: openEnum(SUBSCRIPTION_STATUSES),
    price: opt(decimal),
    partnerCost: opt(decimal),
    currencyCode: opt(currencyCode),
    billingTerm: opt(openEnum(BILLING_TERMS)),
    commitment: commitmentInput,
    commitmentTerm: commitmentInput,
  })
  .transform((o) => {
    // In place: a rest/spread copy here costs more than the whole rest of the record.
    if (o.commitment == null) o.commitment = o.commitmentTerm ?? undefined;
    if (o.commitmentTerm !== undefined) delete o.commitmentTerm;
    return o as Omit<typeof o, 'commitmentTerm' | 'commitment'> & {
      /** Normalized from `commitment` (live) or `commitmentTerm` (spec). */
      commitment?: { id?: string | null; term?: string | null; endDate?: string | null };
    };
  });

export type Subscription = z.output<typeof subscriptionSchema>;
export type SubscriptionCommitment = NonNullable<Subscription['commitment']>;
