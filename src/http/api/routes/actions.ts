import { z } from 'zod';
import { runImport } from '../../../imports/run-import.js';
import { IMPORT_ENTITIES } from '../../../imports/counts.js';
import { setSubscriptionActive, setSubscriptionQuantity } from '../../../subscriptions/actions.js';
import { generateMappings, setMapping, unsetMapping } from '../../../mapping/service.js';
import { loadSubscription } from '../../../subscriptions/queries.js';
import { notFound } from '../errors.js';
import { defineRoute, tenantParams, uuid } from '../route.js';
import { customerSchema, subscriptionSchema, viewCustomer, viewSubscription } from './data.js';
import { createCustomer } from '../../../customers/service.js';

function by(auth: { user: { email: string } }): string {
  return `web:${auth.user.email}`;
}

const runViewSchema = z.object({
  id: z.string(), entities: z.array(z.string()), trigger: z.string(), startedBy: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(),
  status: z.string(), dryRun: z.boolean(), counts: z.record(z.string(), z.unknown()), details: z.record(z.string(), z.unknown()),
});

export const previewImportRoute = defineRoute({
  id: 'previewImport', method: 'post', path: '/tenants/:tenantId/imports/preview', tag: 'Imports', roles: ['admin'],
  summary: 'Preview an import from Pax8 (dry run)',
  description: 'Runs the import of the given entities (default all) as a dry run, at once: it writes no data rows, records the run with '
    + 'dryRun: true and answers its run record with the planned changes (per-record errors: GET import-runs/{runId}). '
    + 'A real import is queued through the scheduler: POST /tenants/{tenantId}/sync.',
  params: tenantParams,
  body: z.strictObject({
    entities: z.array(z.enum(IMPORT_ENTITIES)).min(1).optional(),
    customers: z.array(uuid).optional().describe('only these local customers (subscriptions and usage)'),
  }),
  example: { entities: ['customers', 'products', 'subscriptions', 'usage'] },
  response: runViewSchema,
  async handler({ rt, tenant, auth, body }) {
    const run = await runImport({ ds: rt.ds, secrets: rt.secrets }, {
      tenantId: tenant.id, entities: body.entities, customers: body.customers, dryRun: true, trigger: 'http', startedBy: by(auth),
    });
    return { ...run, counts: run.counts as Record<string, unknown>, details: run.details as Record<string, unknown> };
  },
});

export const setMappingRoute = defineRoute({
  id: 'setMapping', method: 'put', path: '/tenants/:tenantId/mappings', tag: 'Mappings', roles: ['admin'],
  summary: 'Map a Pax8 company to a customer (with an optional usage resource group)',
  params: tenantParams,
  body: z.strictObject({ pax8CompanyId: z.string().min(1).max(64), customerId: uuid, resourceGroup: z.string().max(255).nullable().optional() }),
  response: z.object({ id: z.string(), pax8CompanyId: z.string(), customerId: z.string(), resourceGroup: z.string().nullable(), source: z.string() }),
  async handler({ scope, body }) {
    const m = await setMapping(scope, body);
    return { id: m.id, pax8CompanyId: m.pax8CompanyId, customerId: m.customerId, resourceGroup: m.resourceGroup, source: m.source };
  },
});

export const unsetMappingRoute = defineRoute({
  id: 'unsetMapping', method: 'delete', path: '/tenants/:tenantId/mappings/:pax8CompanyId', tag: 'Mappings', roles: ['admin'],
  summary: 'Remove the mapping of a Pax8 company',
  params: tenantParams.extend({ pax8CompanyId: z.string().min(1).max(64) }),
  response: z.object({ removed: z.number().int() }),
  async handler({ scope, params }) {
    const removed = await unsetMapping(scope, { pax8CompanyId: params.pax8CompanyId });
    if (removed === 0) throw notFound('mapping not found');
    return { removed };
  },
});

export const generateMappingsRoute = defineRoute({
  id: 'generateMappings', method: 'post', path: '/tenants/:tenantId/mappings/generate', tag: 'Mappings', roles: ['admin'],
  summary: 'Generate mappings by exact name; list suggestions and ambiguous names',
  params: tenantParams,
  body: z.strictObject({ dryRun: z.boolean().optional() }),
  example: { dryRun: true },
  response: z.object({ linked: z.number().int(), exact: z.array(z.unknown()), suggestions: z.array(z.unknown()), ambiguous: z.array(z.unknown()) }).loose(),
  async handler({ scope, body }) {
    const r = await generateMappings(scope, { dryRun: body.dryRun });
    return { ...r };
  },
});

export const setSubscriptionQuantityRoute = defineRoute({
  id: 'setSubscriptionQuantity', method: 'post', path: '/tenants/:tenantId/subscriptions/:subscriptionId/quantity', tag: 'Subscriptions',
  roles: ['admin'],
  summary: 'Increase a subscription\'s quantity in Pax8',
  description: 'Admins only: clients change quantities through licensing requests (POST /tenants/{tenantId}/licensing/my/subscriptions/{subscriptionId}/requests), '
    + 'under the tenant\'s approval and self-service rules. Needs the tenant setting imports.allowQuantityIncrease; decreases are refused (409). '
    + 'The change is recorded in the licence event log (quantity_set).',
  params: tenantParams.extend({ subscriptionId: uuid }),
  body: z.strictObject({ quantity: z.string().regex(/^\d{1,9}$/, 'a whole number') }),
  example: { quantity: '6' },
  response: subscriptionSchema,
  async handler({ rt, tenant, scope, params, body, auth }) {
    const s = await loadSubscription(scope, params.subscriptionId);
    const r = await setSubscriptionQuantity({ ds: rt.ds, secrets: rt.secrets }, {
      tenantId: tenant.id, subscriptionId: s.id, quantity: body.quantity, by: by(auth),
    });
    return viewSubscription(r);
  },
});

export const setSubscriptionActiveRoute = defineRoute({
  id: 'setSubscriptionActive', method: 'post', path: '/tenants/:tenantId/subscriptions/:subscriptionId/active', tag: 'Subscriptions', roles: ['admin'],
  summary: 'Set a subscription active or inactive by hand (null: follow its Pax8 status)',
  params: tenantParams.extend({ subscriptionId: uuid }),
  body: z.strictObject({ active: z.boolean().nullable() }),
  example: { active: null },
  response: subscriptionSchema,
  async handler({ rt, tenant, scope, params, body, auth }) {
    const s = await loadSubscription(scope, params.subscriptionId);
    return viewSubscription(await setSubscriptionActive({ ds: rt.ds, secrets: rt.secrets }, {
      tenantId: tenant.id, subscriptionId: s.id, active: body.active, by: by(auth),
    }));
  },
});

export const createCustomerRoute = defineRoute({
  id: 'createCustomer', method: 'post', path: '/tenants/:tenantId/customers', tag: 'Customers', roles: ['admin'], status: 201,
  summary: 'Create a customer by hand (no Pax8 link; map it to a Pax8 company afterwards)',
  params: tenantParams,
  body: z.strictObject({ name: z.string().trim().min(1).max(255), topLevel: z.string().trim().min(1).max(255).nullable().optional(), active: z.boolean().optional() }),
  example: { name: 'Contoso Ltd', active: true },
  response: customerSchema,
  async handler({ scope, body }) {
    return viewCustomer(await createCustomer(scope, body));
  },
});
