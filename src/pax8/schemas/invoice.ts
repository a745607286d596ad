import { z } from 'zod';
import { decimal, opt, pax8Date } from './primitives.js';

export const invoiceSchema = z.object({
  id: z.string().min(1),
  status: opt(z.string()),
  invoiceDate: opt(pax8Date),
  dueDate: opt(pax8Date),
  paidDate: opt(pax8Date),
  balance: opt(decimal),
  carriedBalance: opt(decimal),
  total: opt(decimal),
  currencyCode: opt(z.string()),
  partnerName: opt(z.string()),
  companyId: opt(z.string()),
  externalId: opt(z.string()),
});

/** Items of a finished invoice and draft items share this shape. */
export const invoiceItemSchema = z.object({
  id: opt(z.string()),
  purchaseOrderNumber: opt(z.string()),
  type: opt(z.string()),
  companyId: opt(z.string()),
  externalId: opt(z.string()),
  companyName: opt(z.string()),
  startPeriod: opt(pax8Date),
  endPeriod: opt(pax8Date),
  quantity: opt(decimal),
  unitOfMeasure: opt(z.string()),
  term: opt(z.string()),
  sku: opt(z.string()),
  description: opt(z.string()),
  details: opt(z.string()),
  rateType: opt(z.string()),
  chargeType: opt(z.string()),
  price: opt(decimal),
  subTotal: opt(decimal),
  cost: opt(decimal),
  costTotal: opt(decimal),
  offeredBy: opt(z.string()),
  billedByPax8: opt(z.boolean()),
  total: opt(decimal),
  productId: opt(z.string()),
  productName: opt(z.string()),
  billingFee: opt(decimal),
  billingFeeRate: opt(decimal),
  amountDue: opt(decimal),
  currencyCode: opt(z.string()),
  salesTax: opt(decimal),
  subscriptionId: opt(z.string()),
  vendorName: opt(z.string()),
});

export type Invoice = z.output<typeof invoiceSchema>;
export type InvoiceItem = z.output<typeof invoiceItemSchema>;
