import { z } from 'zod';
import { currencyCode, decimal, opt, pax8Date, pax8Id, text } from './primitives.js';

export const usageSummarySchema = z.object({
  id: pax8Id,
  companyId: opt(pax8Id),
  subscriptionId: opt(pax8Id),
  productId: opt(pax8Id),
  resourceGroup: opt(text(255)),
  vendorName: opt(text(120)),
  currentCharges: opt(decimal),
  partnerTotal: opt(decimal),
  currencyCode: opt(currencyCode),
  isTrial: opt(z.boolean()),
});

export const usageLineSchema = z.object({
  usageSummaryId: opt(pax8Id),
  usageDate: pax8Date,
  productId: opt(pax8Id),
  productName: opt(text(255)),
  unitOfMeasure: opt(text(60)),
  quantity: decimal,
  unitPrice: opt(decimal),
  currentCharges: opt(decimal),
  currentProfit: opt(decimal),
  partnerTotal: opt(decimal),
  currencyCode: opt(currencyCode),
  isTrial: opt(z.boolean()),
});

export type UsageSummary = z.output<typeof usageSummarySchema>;
export type UsageLine = z.output<typeof usageLineSchema>;
