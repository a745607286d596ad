import { z } from 'zod';
import { COMPANY_STATUSES } from './enums.js';
import { openEnum, opt, pax8Date, pax8Id, text } from './primitives.js';

export const addressSchema = z.object({
  street: opt(text(255)),
  street2: opt(text(255)),
  city: opt(text(120)),
  stateOrProvince: opt(text(120)),
  postalCode: opt(text(40)),
  country: opt(text(80)),
});

export const companySchema = z.object({
  id: pax8Id,
  name: text(255),
  address: opt(addressSchema),
  phone: opt(z.string()),
  website: opt(z.string()),
  externalId: opt(text(120)),
  billOnBehalfOfEnabled: opt(z.boolean()),
  selfServiceAllowed: opt(z.boolean()),
  orderApprovalRequired: opt(z.boolean()),
  status: opt(openEnum(COMPANY_STATUSES)),
  updatedDate: opt(pax8Date),
});

export type Company = z.output<typeof companySchema>;
