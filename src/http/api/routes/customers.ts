import { z } from 'zod';
import { systemClock } from '../../../common/clock.js';
import { customerWithPax8, updateCustomerBilling } from '../../../customers/billing-settings.js';
import { customerTaxCode } from '../../../tax/service.js';
import { notFound } from '../errors.js';
import { defineRoute, tenantParams, uuid } from '../route.js';
import { ALL_ROLES } from './auth.js';
import { customerSchema, viewCustomer } from './data.js';

/* One customer: GET (with its Pax8 company and Open-in-Pax8 link) and PATCH of its automatic-line settings. */

const customerDetailSchema = customerSchema.extend({
  pax8CompanyId: z.string().nullable().describe('the mapped Pax8 company (null when not mapped)'),
  pax8PortalUrl: z.string().nullable().describe('opens the company in the Pax8 portal (config pax8.portalCompanyUrl)'),
  taxCodeId: z.string().nullable().describe('its exemption or reverse charge (a tax code); null: its lines\' own tax'),
  taxCode: z.string().nullable(),
});

const customerParams = tenantParams.extend({ customerId: uuid });

async function taxOf(scope: Parameters<typeof customerTaxCode>[0], c: Parameters<typeof customerTaxCode>[1]) {
  const t = await customerTaxCode(scope, c);
  return { taxCodeId: t?.id ?? null, taxCode: t?.code ?? null };
}

export const getCustomerRoute = defineRoute({
  id: 'getCustomer', method: 'get', path: '/tenants/:tenantId/customers/:customerId', tag: 'Customers', roles: ALL_ROLES, customerScoped: true,
  summary: 'One customer, with its Pax8 company and an Open-in-Pax8 link',
  params: customerParams,
  response: customerDetailSchema,
  async handler({ rt, scope, params, onlyCustomerId }) {
    if (onlyCustomerId && onlyCustomerId !== params.customerId) throw notFound('customer not found');
    const d = await customerWithPax8(scope, params.customerId, rt.config.pax8.portalCompanyUrl);
    return { ...viewCustomer(d.customer), pax8CompanyId: d.pax8CompanyId, pax8PortalUrl: d.pax8PortalUrl, ...(await taxOf(scope, d.customer)) };
  },
});

export const updateCustomerRoute = defineRoute({
  id: 'updateCustomer', method: 'patch', path: '/tenants/:tenantId/customers/:customerId', tag: 'Customers', roles: ['admin', 'finance'],
  summary: 'Change a customer\'s automatic-line settings and payment terms',
  description: 'The monthly and annual recurring invoice that automatic lines for new subscriptions go to (one of this customer\'s, '
    + 'not ended, of that frequency; null clears it), noAutomaticInvoiceLines (no lines are added for this customer), and '
    + 'paymentTermsDays (the due date of its next invoices; null: the tenant\'s default).',
  params: customerParams,
  body: z.strictObject({
    monthlyRecurringInvoiceId: uuid.nullable().optional(),
    annualRecurringInvoiceId: uuid.nullable().optional(),
    noAutomaticInvoiceLines: z.boolean().optional(),
    taxCodeId: uuid.nullable().optional().describe('an exempt or reverse-charge tax code for all its lines; null: none'),
    paymentTermsDays: z.number().int().min(0).max(365).nullable().optional().describe('days from invoice date to due date; null: the tenant\'s default'),
  }).refine((b) => Object.keys(b).length > 0, 'give at least one setting'),
  example: { noAutomaticInvoiceLines: true },
  errors: { 400: 'a recurring invoice of another customer, of the wrong frequency, ended, or not in this tenant' },
  response: customerDetailSchema,
  async handler({ rt, scope, params, body }) {
    await updateCustomerBilling(scope, params.customerId, body, (rt.clock ?? systemClock)());
    const d = await customerWithPax8(scope, params.customerId, rt.config.pax8.portalCompanyUrl);
    return { ...viewCustomer(d.customer), pax8CompanyId: d.pax8CompanyId, pax8PortalUrl: d.pax8PortalUrl, ...(await taxOf(scope, d.customer)) };
  },
});
