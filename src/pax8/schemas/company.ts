import { z } from 'zod';
import { COMPANY_STATUSES } from './enums.js';
import { openEnum, opt, pax8Date } from './primitives.js';

export const addressSchema = z.object({
  street: opt(z.string()),
  street2: opt(z.string()),
  city: opt(z.string()),
  stateOrProvince: opt(z.string()),
  postalCode: opt(z.string()),
  country: opt(z.string()),
});

export const companySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  address: opt(addressSchema),
  phone: opt(z.string()),
  website: opt(z.string()),
  externalId: opt(z.string()),
  billOnBehalfOfEnabled: opt(z.boolean()),
  selfServiceAllowed: opt(z.boolean()),
  orderApprovalRequired: opt(z.boolean()),
  status: opt(openEnum(COMPANY_STATUSES)),
  updatedDate: opt(pax8Date),
});

export type Company = z.output<typeof companySchema>;
