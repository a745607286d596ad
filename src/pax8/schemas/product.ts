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

export type ProvisioningDetail = z.output<typeof provisioningDetailSchema>;
export type Product = z.output<typeof productSchema>;
export type Pricing = z.output<typeof pricingSchema>;
export type Rate = z.output<typeof rateSchema>;
