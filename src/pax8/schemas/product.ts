import { z } from 'zod';
import { BILLING_TERMS } from './enums.js';
import { decimal, openEnum, opt, pax8Id, text } from './primitives.js';

export const productSchema = z.object({
  id: pax8Id,
  name: text(255),
  vendorName: opt(text(120)),
  shortDescription: opt(z.string()),
  description: opt(z.string()),
  sku: opt(text(120)),
  vendorSku: opt(text(120)),
  altVendorSku: opt(z.string()),
  requiresCommitment: opt(z.boolean()),
  /**
   * Not in Pax8's published Product schema (nor its CLI's): read when an account's answer carries one, so the catalog
   * shows it; otherwise a product's category stays as it is. A guess (src/imports/catalog-import.ts).
   */
  category: opt(z.string()),
});

export const rateSchema = z.object({
  partnerBuyRate: opt(decimal),
  suggestedRetailPrice: opt(decimal),
  startQuantityRange: opt(decimal),
  endQuantityRange: opt(decimal),
  chargeType: opt(z.string()),
});

/** One entry of GET /products/{id}/pricing (unitOfMeasurement lives here). */
export const pricingSchema = z.object({
  productId: opt(z.string()),
  productName: opt(z.string()),
  billingTerm: opt(openEnum(BILLING_TERMS)),
  commitmentTerm: opt(z.string()),
  commitmentTermInMonths: opt(z.number()),
  type: opt(z.string()),
  unitOfMeasurement: opt(z.string()),
  rates: opt(z.array(rateSchema)),
});

/** One entry of GET /products/{id}/provision-details (Pax8's ProvisioningDetail). */
export const provisioningDetailSchema = z.object({
  key: text(255),
  label: opt(z.string()),
  description: opt(z.string()),
  valueType: opt(z.string()),
  possibleValues: opt(z.array(z.string()).nullable()),
});

/**
 * One commitment term of a product (Pax8's `Commitment`, in GET /products/{id}/dependencies): what Pax8 allows while a
 * subscription's term runs. Every field but the term is optional in the spec; a missing flag is "unknown" to Recurra.
 */
export const commitmentSchema = z.object({
  id: opt(z.string().max(64)),
  term: text(40).min(1),
  autoRenew: opt(z.boolean()),
  renewalWindowDaysBeforeTermEnd: opt(z.number().nonnegative().max(3660)),
  renewalWindowDaysAfterTermEnd: opt(z.number().nonnegative().max(3660)),
  allowForQuantityIncrease: opt(z.boolean()),
  allowForQuantityDecrease: opt(z.boolean()),
  allowForEarlyCancellation: opt(z.boolean()),
  cancellationFeeApplied: opt(z.boolean()),
  isTransferable: opt(z.boolean()),
});

/** GET /products/{id}/dependencies (Pax8's `Dependencies`); the product dependencies are not read. */
export const dependenciesSchema = z.object({
  commitmentDependencies: opt(z.array(commitmentSchema)),
  productDependencies: opt(z.array(z.unknown())),
});

export type ProvisioningDetail = z.output<typeof provisioningDetailSchema>;
export type Commitment = z.output<typeof commitmentSchema>;
export type Dependencies = z.output<typeof dependenciesSchema>;
export type Product = z.output<typeof productSchema>;
export type Pricing = z.output<typeof pricingSchema>;
export type Rate = z.output<typeof rateSchema>;
