import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Tenant } from '../db/entities/index.js';
import { Pax8Client, type Pax8ClientConfig } from '../pax8/client/index.js';
import { TenantService } from '../tenants/service.js';

/** Client settings a caller may override (tests, benchmark): never credentials. */
export type ClientOverrides = Partial<Omit<Pax8ClientConfig, 'tenantId' | 'tenantName' | 'clientId' | 'clientSecret'>>;

export function pax8ClientFor(ds: DataSource, secrets: SecretBox, tenant: Tenant, overrides: ClientOverrides = {}): Pax8Client {
  const creds = new TenantService(ds, secrets).credentials(tenant);
  return new Pax8Client({ ...creds, ...overrides });
}
