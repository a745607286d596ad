import { z } from 'zod';
import { pax8ClientFor } from '../../../tenants/pax8-client.js';
import { partnerCompanyCandidates, setPartnerCompany, tenantPartnerCompany } from '../../../tenants/partner-company.js';
import { TenantError, TenantService, viewTenant } from '../../../tenants/service.js';
import { tenantSettingsSchema } from '../../../tenants/settings.js';
import { Tenant } from '../../../db/entities/index.js';
import { defineRoute, noInput, okSchema, tenantParams } from '../route.js';
import { STAFF } from './auth.js';

export const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string(),
  timeZone: z.string(),
  enabled: z.boolean(),
  pax8ClientId: z.string().nullable(),
  hasClientSecret: z.boolean(),
  pax8TokenUrl: z.string().nullable(),
  pax8Audience: z.string().nullable(),
  pax8ApiUrl: z.string().nullable(),
  settings: tenantSettingsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});

const httpUrl = z.url({ protocol: /^https?$/ });

export const listTenantsRoute = defineRoute({
  id: 'listTenants', method: 'get', path: '/tenants', tag: 'Tenants', roles: STAFF,
  summary: 'List the Pax8 tenants I can see',
  query: noInput,
  response: z.object({ items: z.array(tenantSchema) }),
  async handler({ rt, auth }) {
    const all = await new TenantService(rt.ds, rt.secrets).list();
    return { items: all.filter((t) => !auth.user.tenantId || t.id === auth.user.tenantId).map(viewTenant) };
  },
});

export const createTenantRoute = defineRoute({
  id: 'createTenant', method: 'post', path: '/tenants', tag: 'Tenants', roles: ['admin'], globalOnly: true, status: 201,
  summary: 'Connect a Pax8 tenant',
  description: 'The client secret is stored encrypted and never answered.',
  body: z.strictObject({
    name: z.string().min(1).max(100),
    displayName: z.string().trim().min(1).max(200).optional(),
    timeZone: z.string().min(1).max(64).optional(),
    clientId: z.string().min(1).max(200),
    clientSecret: z.string().min(1).max(1000),
    apiUrl: httpUrl.optional(),
    tokenUrl: httpUrl.optional(),
    audience: z.string().min(1).max(200).optional(),
    enabled: z.boolean().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
  }),
  example: { name: 'acme', displayName: 'Acme MSP', timeZone: 'Europe/London', clientId: 'pax8-client-id', clientSecret: 'pax8-client-secret' },
  response: tenantSchema,
  async handler({ rt, body }) {
    return viewTenant(await new TenantService(rt.ds, rt.secrets).create(body));
  },
});

export const getTenantRoute = defineRoute({
  id: 'getTenant', method: 'get', path: '/tenants/:tenantId', tag: 'Tenants', roles: STAFF,
  summary: 'One tenant with its settings',
  params: tenantParams,
  response: tenantSchema,
  async handler({ tenant }) {
    return viewTenant(tenant);
  },
});

export const updateTenantSettingsRoute = defineRoute({
  id: 'updateTenantSettings', method: 'patch', path: '/tenants/:tenantId/settings', tag: 'Tenants', roles: ['admin'],
  summary: 'Change import, mapping, schedule and invoicing settings (partial update)',
  params: tenantParams,
  body: z.strictObject({
    imports: z.record(z.string(), z.unknown()).optional(),
    schedule: z.record(z.string(), z.string()).optional(),
    leakageNoticeThreshold: z.string().nullable().optional(),
    pax8RateLimitPerMinute: z.number().int().optional().describe("the partner account's Pax8 requests per minute, shared by every process (default 1000)"),
    invoicing: z.record(z.string(), z.unknown()).optional().describe('seller details and default payment terms (days) on invoices'),
    invoiceDelivery: z.record(z.string(), z.unknown()).optional().describe('invoices by e-mail: autoSend, subjectTemplate, bodyTemplate, replyTo'),
    accounting: z.record(z.string(), z.unknown()).optional().describe('accounting connections: autoPush (push issued invoices), postAs (approved or draft)'),
  }),
  example: { imports: { allowQuantityIncrease: true }, schedule: { customers: '0 */6 * * *' } },
  response: tenantSettingsSchema,
  async handler({ rt, tenant, body }) {
    return new TenantService(rt.ds, rt.secrets).updateSettings(tenant.id, body);
  },
});

export const updateTenantConnectionRoute = defineRoute({
  id: 'updateTenantConnection', method: 'patch', path: '/tenants/:tenantId/connection', tag: 'Tenants', roles: ['admin'],
  summary: 'Change credentials, endpoints, time zone or display name; enable or disable',
  description: 'Changing tokenUrl, apiUrl or audience (to another value, or null) needs clientSecret in the same request: '
    + 'the stored secret is only ever sent to the endpoints it was entered with. Without it: 400 secret_required, nothing changed.',
  errors: { 400: 'validation_failed, or secret_required: a new tokenUrl, apiUrl or audience without clientSecret' },
  params: tenantParams,
  body: z.strictObject({
    displayName: z.string().trim().min(1).max(200).optional(),
    timeZone: z.string().min(1).max(64).optional(),
    clientId: z.string().min(1).max(200).optional(),
    clientSecret: z.string().min(1).max(1000).optional(),
    apiUrl: httpUrl.nullable().optional(),
    tokenUrl: httpUrl.nullable().optional(),
    audience: z.string().min(1).max(200).nullable().optional(),
    enabled: z.boolean().optional(),
  }),
  example: { displayName: 'Acme MSP (UK)' },
  response: tenantSchema,
  async handler({ rt, tenant, body }) {
    const svc = new TenantService(rt.ds, rt.secrets);
    const { enabled, ...connection } = body;
    if (Object.keys(connection).length > 0) await svc.updateConnection(tenant.id, connection);
    if (enabled !== undefined) await svc.setEnabled(tenant.id, enabled);
    return viewTenant(await svc.byId(tenant.id));
  },
});

export const testTenantConnectionRoute = defineRoute({
  id: 'testTenantConnection', method: 'post', path: '/tenants/:tenantId/test-connection', tag: 'Tenants', roles: ['admin'],
  summary: 'Test the Pax8 connection (token and one companies request)',
  params: tenantParams,
  response: z.object({
    ok: z.boolean(),
    reason: z.enum(['bad_credentials', 'unreachable', 'forbidden', 'timeout', 'unexpected_response', 'no_credentials']).optional(),
    message: z.string().optional(),
  }),
  async handler({ rt, tenant }) {
    const svc = new TenantService(rt.ds, rt.secrets);
    let client;
    try {
      client = pax8ClientFor(svc, tenant, {
        tokenUrl: rt.config.pax8.tokenUrl, audience: rt.config.pax8.audience, apiBaseUrl: rt.config.pax8.apiBaseUrl, timeoutMs: 15_000, maxRetries: 0,
      });
    } catch (err) {
      if (err instanceof TenantError) return { ok: false, reason: 'no_credentials' as const, message: err.message };
      throw err;
    }
    return client.testConnection();
  },
});

const partnerCompanyStateSchema = z.object({
  state: z.enum(['chosen', 'declined', 'not_chosen']),
  pax8CompanyId: z.string().optional(),
});

export const getTenantPartnerCompanyRoute = defineRoute({
  id: 'getTenantPartnerCompany', method: 'get', path: '/tenants/:tenantId/partner-company', tag: 'Tenants', roles: ['admin'],
  summary: 'The partner\'s own Pax8 company: chosen, declined or not yet chosen, with the companies whose names match',
  description: 'Imports refuse to run while it is not_chosen. `candidates` are read from Pax8 at once: the companies whose names share a '
    + 'word with the tenant\'s display name, name or `match`; any other company may still be chosen by id. `candidatesError` says why '
    + 'Pax8 could not be read (candidates then empty).',
  params: tenantParams,
  query: z.strictObject({ match: z.string().trim().max(200).optional() }),
  response: partnerCompanyStateSchema.extend({
    candidates: z.array(z.object({ pax8CompanyId: z.string(), name: z.string(), matched: z.array(z.string()) })),
    candidatesError: z.string().nullable(),
  }),
  async handler({ rt, tenant, query }) {
    const svc = new TenantService(rt.ds, rt.secrets);
    const state = tenantPartnerCompany(tenant);
    try {
      const client = pax8ClientFor(svc, tenant, {
        tokenUrl: rt.config.pax8.tokenUrl, audience: rt.config.pax8.audience, apiBaseUrl: rt.config.pax8.apiBaseUrl, timeoutMs: 15_000, maxRetries: 1,
      });
      return { ...state, candidates: await partnerCompanyCandidates(client, tenant, query.match ? [query.match] : []), candidatesError: null };
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'TenantError' && name !== 'Pax8Error') throw err;
      return { ...state, candidates: [], candidatesError: `could not list the Pax8 companies: ${(err as Error).message}` };
    }
  },
});

export const setTenantPartnerCompanyRoute = defineRoute({
  id: 'setTenantPartnerCompany', method: 'put', path: '/tenants/:tenantId/partner-company', tag: 'Tenants', roles: ['admin'],
  summary: 'Choose the partner\'s own Pax8 company (never imported as a customer), or decline (null: the account has none)',
  params: tenantParams,
  body: z.strictObject({ pax8CompanyId: z.string().trim().min(1).max(64).nullable() }),
  example: { pax8CompanyId: '0b9a3f0e-5d4c-4a39-9d0e-2f1d3c4b5a69' },
  response: partnerCompanyStateSchema,
  async handler({ rt, tenant, body }) {
    return setPartnerCompany(new TenantService(rt.ds, rt.secrets), tenant.id, body.pax8CompanyId);
  },
});

export const deleteTenantRoute = defineRoute({
  id: 'deleteTenant', method: 'delete', path: '/tenants/:tenantId', tag: 'Tenants', roles: ['admin'], globalOnly: true,
  summary: 'Remove a tenant and everything imported for it',
  params: tenantParams,
  response: okSchema,
  async handler({ rt, tenant }) {
    await new TenantService(rt.ds, rt.secrets).remove(tenant.id);
    return { ok: true as const };
  },
});

export { Tenant };
