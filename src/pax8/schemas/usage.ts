import { z } from 'zod';
import { decimal, opt, pax8Date } from './primitives.js';

export const usageSummarySchema = z.object({
  id: z.string().min(1),
  companyId: opt(z.string()),
  subscriptionId: opt(z.string()),
  productId: opt(z.string()),
  resourceGroup: opt(z.string()),
  vendorName: opt(z.string()),
  currentCharges: opt(decimal),
  partnerTotal: opt(decimal),
  currencyCode: opt(z.string()),
  isTrial: opt(z.boolean()),
});

export const usageLineSchema = z.object({
  usageSummaryId: opt(z.string()),
  usageDate: pax8Date,
  productId: opt(z.string()),
  productName: opt(z.string()),
  unitOfMeasure: opt(z.string()),
  quantity: decimal,
  unitPrice: opt(decimal),
  currentCharges: opt(decimal),
  currentProfit: opt(decimal),
  partnerTotal: opt(decimal),
  currencyCode: opt(z.string()),
  isTrial: opt(z.boolean()),
});

export type UsageSummary = z.output<typeof usageSummarySchema>;
export type UsageLine = z.output<typeof usageLineSchema>;
