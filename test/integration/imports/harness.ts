import type { DataSource } from 'typeorm';
import type { RunningSandbox, SandboxOptions } from '../../../src/pax8/sandbox/index.js';
import type { TenantService } from '../../../src/tenants/service.js';
import type { Tenant } from '../../../src/db/entities/index.js';
import { runImport, type ImportOptions } from '../../../src/imports/run-import.js';
import type { ImportRunView } from '../../../src/imports/run-view.js';
import type { SecretBox } from '../../../src/crypto/secret-box.js';
import { freshDatabase, testSecretBox } from '../../support/database.js';
import { createTestTenant, startTestSandbox } from '../../support/fixtures.js';

export interface Harness {
  ds: DataSource;
  secrets: SecretBox;
  sandbox: RunningSandbox;
  tenant: Tenant;
  tenants: TenantService;
  run(opts?: Partial<ImportOptions>): Promise<ImportRunView>;
  settings(patch: Record<string, unknown>): Promise<void>;
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** A migrated database, an in-process Pax8 sandbox over HTTP, and a tenant pointing at it. */
export async function harness(sandboxOpts: SandboxOptions = {}, imports: Record<string, unknown> = {}): Promise<Harness> {
  const ds = await freshDatabase();
  const secrets = testSecretBox();
  const sandbox = await startTestSandbox({ companies: 30, subscriptions: 120, usageSummaries: 12, ...sandboxOpts });
  const created = await createTestTenant(ds, secrets, sandbox, { settings: { imports } });
  const tenants = created.tenants;
  let tenant = created.tenant;
  const h: Harness = {
    ds, secrets, sandbox, tenant, tenants,
    run: (opts = {}) => runImport({ ds, secrets }, {
      tenantId: tenant.id, trigger: 'cli', startedBy: 'test', client: { rateLimitPerMinute: null, retryBaseMs: 1, retryMaxDelayMs: 5, maxRetries: 2 }, ...opts,
    }),
    settings: async (patch) => {
      await tenants.updateSettings(tenant.id, { imports: patch });
      tenant = await tenants.byId(tenant.id);
      h.tenant = tenant;
    },
    admin: async (method, path, body) => {
      const res = await fetch(`${sandbox.adminUrl}${path}`, {
        method, headers: { 'content-type': 'application/json', 'x-sandbox-client-id': sandbox.clientId, 'x-sandbox-client-secret': sandbox.clientSecret },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? null : res.json();
    },
    close: async () => {
      await sandbox.close();
      await ds.destroy();
    },
  };
  return h;
}
