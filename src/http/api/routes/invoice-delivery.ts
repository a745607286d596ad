import { z } from 'zod';
import { systemClock } from '../../../common/clock.js';
import { billingContacts, MAX_CONTACTS, setBillingContacts } from '../../../invoice-delivery/contacts.js';
import { queueInvoiceDeliveries } from '../../../invoice-delivery/queue.js';
import { invoiceDeliveries, latestDeliveries } from '../../../invoice-delivery/status.js';
import { jobQueue } from '../../../app/scheduler.js';
import { defineRoute, tenantParams, uuid } from '../route.js';

/* Invoices by e-mail (issue 27): customers' billing contacts, sending issued invoices, and each invoice's sendings. */

const FINANCE = ['admin', 'finance'] as const;
const TAG = 'Invoice delivery';
const contactsSchema = z.object({ to: z.array(z.string()), cc: z.array(z.string()) });
const addresses = z.array(z.string().max(254)).max(MAX_CONTACTS);

export const getBillingContactsRoute = defineRoute({
  id: 'getBillingContacts', method: 'get', path: '/tenants/:tenantId/customers/:customerId/billing-contacts', tag: TAG,
  roles: ['admin', 'finance', 'reviewer'],
  summary: 'Who receives the customer\'s invoices by e-mail (to) and who gets a copy (cc)',
  params: tenantParams.extend({ customerId: uuid }),
  response: contactsSchema,
  handler: ({ scope, params }) => billingContacts(scope, params.customerId),
});

export const setBillingContactsRoute = defineRoute({
  id: 'setBillingContacts', method: 'put', path: '/tenants/:tenantId/customers/:customerId/billing-contacts', tag: TAG, roles: FINANCE,
  summary: 'Replace the customer\'s billing contacts',
  description: 'Addresses are kept in lower case, once each; an address in both lists stays in `to`. Empty lists clear them.',
  params: tenantParams.extend({ customerId: uuid }),
  body: z.strictObject({ to: addresses, cc: addresses.default([]) }),
  example: { to: ['accounts@customer.example'], cc: ['cfo@customer.example'] },
  errors: { 400: 'validation_failed: an address is not an e-mail address, or more than 20' },
  response: contactsSchema,
  handler: ({ rt, scope, params, body }) => setBillingContacts(scope, params.customerId, body, (rt.clock ?? systemClock)()),
});

const deliverySchema = z.object({
  id: z.string(), sequence: z.number().int().describe('1: the first sending, 2: the first resend, …'),
  status: z.enum(['queued', 'sending', 'sent', 'failed']), to: z.array(z.string()), cc: z.array(z.string()), attempts: z.number().int(),
  lastError: z.string().nullable().describe('why the last attempt failed'), queuedBy: z.string(), queuedAt: z.string(),
  nextAttemptAt: z.string().nullable(), sentAt: z.string().nullable(),
});

export const sendInvoicesRoute = defineRoute({
  id: 'sendInvoices', method: 'post', path: '/tenants/:tenantId/invoices/send', tag: TAG, roles: FINANCE, status: 202,
  summary: 'Send issued invoices to their customers\' billing contacts by e-mail (with the PDF)',
  description: 'Queues each invoice once and answers at once (202); the process running the scheduler sends them, retrying '
    + 'temporary failures. An invoice already waiting, or already sent without `resend`, is not queued again; a draft or a '
    + 'customer without a billing contact is refused for that invoice. Each invoice\'s outcome is in `results`.',
  params: tenantParams,
  body: z.strictObject({ invoiceIds: z.array(uuid).min(1).max(500), resend: z.boolean().optional() }),
  example: { invoiceIds: ['00000000-0000-4000-8000-000000000001'] },
  response: z.object({
    results: z.array(z.object({
      invoiceId: z.string(), outcome: z.enum(['queued', 'already_queued', 'already_sent', 'not_issued', 'no_contacts', 'not_found']),
      deliveryId: z.string().nullable(), message: z.string(),
    })),
  }),
  async handler({ rt, scope, tenant, auth, body }) {
    const results = await queueInvoiceDeliveries(scope, body.invoiceIds, { by: auth.user.email, resend: body.resend === true, now: (rt.clock ?? systemClock)() });
    if (results.some((r) => r.outcome === 'queued')) await jobQueue(rt).queueInvoiceDelivery(tenant.id);
    return { results };
  },
});

export const listInvoiceDeliveriesRoute = defineRoute({
  id: 'listInvoiceDeliveries', method: 'get', path: '/tenants/:tenantId/invoices/:invoiceId/deliveries', tag: TAG,
  roles: ['admin', 'finance', 'reviewer'],
  summary: 'Every sending of an invoice by e-mail, the latest first: queued, sending, sent or failed (with the reason)',
  params: tenantParams.extend({ invoiceId: uuid }),
  response: z.object({ items: z.array(deliverySchema) }),
  handler: async ({ scope, params }) => ({ items: await invoiceDeliveries(scope, params.invoiceId) }),
});

export const listLatestInvoiceDeliveriesRoute = defineRoute({
  id: 'listLatestInvoiceDeliveries', method: 'get', path: '/tenants/:tenantId/invoice-deliveries', tag: TAG,
  roles: ['admin', 'finance', 'reviewer'],
  summary: 'The latest sending of each of the given invoices (an invoice never sent is absent)',
  params: tenantParams,
  query: z.strictObject({
    invoiceIds: z.string().max(200 * 37).regex(/^[0-9a-f-]{36}(,[0-9a-f-]{36})*$/i, 'comma-separated invoice ids').optional()
      .describe('comma-separated invoice ids, at most 200 (none: no items)'),
  }),
  response: z.object({ items: z.array(deliverySchema.extend({ invoiceId: z.string() })) }),
  async handler({ scope, query }) {
    const latest = await latestDeliveries(scope, query.invoiceIds ? [...new Set(query.invoiceIds.split(','))].slice(0, 200) : []);
    return { items: [...latest].map(([invoiceId, d]) => ({ invoiceId, ...d })) };
  },
});
