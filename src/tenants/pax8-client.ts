import { Pax8Client, type Pax8ClientConfig, type Pax8Logger } from '../pax8/client/index.js';
import type { Tenant } from '../db/entities/index.js';
import { requestBudgetFor } from './request-budget.js';
import { tenantSettings, type TenantService } from './service.js';

/** Client settings a caller may choose (pacing, retries, timeouts — tests and benchmarks): never credentials. */
export type ClientOverrides = Partial<Omit<Pax8ClientConfig, 'tenantId' | 'tenantName' | 'clientId' | 'clientSecret'>> & { logger?: Pax8Logger };

/**
 * The one way to get a Pax8 client for a tenant: credentials decrypted here, never kept elsewhere.
 * The tenant's own token URL, audience and API base win over the overrides.
 */
export function pax8ClientFor(tenants: TenantService, tenant: Tenant, options: ClientOverrides = {}): Pax8Client {
  return new Pax8Client(pax8ClientConfigFor(tenants, tenant, options));
}

/**
 * The configuration pax8ClientFor builds a client from (an import may run that client on a thread of its own). A paced
 * client also takes each request start from the tenant's budget on the database, shared by every process
 * (request-budget.ts); `requestBudget: undefined` in the overrides opts out.
 */
export function pax8ClientConfigFor(tenants: TenantService, tenant: Tenant, options: ClientOverrides = {}): Pax8ClientConfig {
  const c = tenants.credentials(tenant);
  // The tenant's own limit (its settings) unless the caller paces otherwise (tests, the demo's unpaced sandbox).
  const rate = options.rateLimitPerMinute === undefined ? tenantSettings(tenant).pax8RateLimitPerMinute : options.rateLimitPerMinute;
  return {
    requestBudget: rate === null ? undefined : requestBudgetFor(tenants.ds, tenant.id, rate),
    ...options,
    rateLimitPerMinute: rate,
    tenantId: c.tenantId,
    tenantName: c.tenantName,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    tokenUrl: c.tokenUrl ?? options.tokenUrl,
    audience: c.audience ?? options.audience,
    apiBaseUrl: c.apiBaseUrl ?? options.apiBaseUrl,
  };
}
