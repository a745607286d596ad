import type { DataSource } from 'typeorm';
import type { SecretBox } from '../../src/crypto/secret-box.js';
import type { DatabaseTarget } from '../../src/db/data-source.js';
import type { Tenant } from '../../src/db/entities/index.js';
import { TenantScope } from '../../src/db/tenant-scope.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/pax8/sandbox/index.js';
import { TenantService } from '../../src/tenants/service.js';
import { freshDatabase, insertTenant, sharedTestTarget, testSecretBox } from './database.js';

/**
 * The shared test setup, one call each: a fresh database (with a tenant) per test or per suite, a Pax8 sandbox, and a
 * tenant connected to it. Suites on the real app use test/integration/http/support.ts (startApp), which builds on the same
 * freshDatabase.
 */

/** What useFreshDatabase gives a suite; read its fields inside hooks and tests (they change with each fresh database). */
export interface TestDatabase {
  readonly ds: DataSource;
  /** With `shared`: the target a `recurra` process opens too (`cliEnvFor(db.target)`); an error without it. */
  readonly target: DatabaseTarget;
  readonly secrets: SecretBox;
  /** The tenant asked for with `tenant` (an error without it). */
  readonly tenant: Tenant;
  readonly tenantId: string;
  /** The tenant's scope over `ds.manager`. */
  readonly scope: TenantScope;
}

export interface FreshDatabaseOptions {
  /** 'test' (default): a fresh database before every test; 'suite': one for the whole describe. */
  per?: 'test' | 'suite';
  /** A tenant inserted into each fresh database (insertTenant): its name, or its name and time zone. */
  tenant?: string | { name: string; timeZone?: string };
  /**
   * A database other processes can open too (sharedTestTarget(): a new SQLite file, or TEST_DATABASE_URL), for suites
   * that run `recurra` commands; default: SQLite in memory, or TEST_DATABASE_URL.
   */
  shared?: boolean;
}

/**
 * Registers the hooks that open a fresh, migrated database (and tenant) and close it again; call it first inside a
 * describe. Mocha runs hooks in the order they are registered: the suite's own before/beforeEach hooks then see the
 * database, and its after/afterEach hooks run once it is closed (so they must not need it).
 */
export function useFreshDatabase(opts: FreshDatabaseOptions = {}): TestDatabase {
  let state: { ds: DataSource; target: DatabaseTarget | null; secrets: SecretBox; tenant: Tenant | null } | null = null;
  const current = () => {
    if (!state) throw new Error('useFreshDatabase: its fields are read inside hooks and tests only');
    return state;
  };
  const open = async () => {
    const target = opts.shared ? sharedTestTarget() : null;
    const ds = await freshDatabase(target ?? undefined);
    const t = typeof opts.tenant === 'string' ? { name: opts.tenant } : opts.tenant;
    const tenant = t ? await insertTenant(ds, t.name, t.timeZone) : null;
    state = { ds, target, secrets: testSecretBox(), tenant };
  };
  const close = async () => {
    if (state?.ds.isInitialized) await state.ds.destroy();
    state = null;
  };
  if (opts.per === 'suite') {
    before(open);
    after(close);
  } else {
    beforeEach(open);
    afterEach(close);
  }
  const tenant = () => {
    const t = current().tenant;
    if (!t) throw new Error('useFreshDatabase: no tenant was asked for (option `tenant`)');
    return t;
  };
  return {
    get ds() { return current().ds; },
    get target() {
      const t = current().target;
      if (!t) throw new Error('useFreshDatabase: no shared target was asked for (option `shared`)');
      return t;
    },
    get secrets() { return current().secrets; },
    get tenant() { return tenant(); },
    get tenantId() { return tenant().id; },
    get scope() { return new TenantScope(current().ds.manager, tenant().id); },
  };
}

/**
 * `describe` with a fresh database (see useFreshDatabase) and a timeout for a busy database server (default 120 s:
 * emptying and migrating MariaDB again before each test takes a while on a loaded machine).
 */
export function describeWithDatabase(
  title: string, opts: FreshDatabaseOptions & { timeout?: number }, body: (db: TestDatabase) => void,
): Mocha.Suite {
  return describe(title, function () {
    this.timeout(opts.timeout ?? 120_000);
    body(useFreshDatabase(opts));
  });
}

/** The Pax8 sandbox in this process on a free port: seed 7 and no rate limit unless given. */
export function startTestSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ seed: 7, rateLimitPerMinute: null, ...opts, port: 0 });
}

/** Registers the hooks that start a sandbox (startTestSandbox) before the suite, or each test, and close it after. */
export function useTestSandbox(opts: SandboxOptions = {}, per: 'test' | 'suite' = 'suite'): { readonly sandbox: RunningSandbox } {
  let sandbox: RunningSandbox | null = null;
  const open = async () => { sandbox = await startTestSandbox(opts); };
  const close = async () => {
    await sandbox?.close();
    sandbox = null;
  };
  if (per === 'suite') {
    before(open);
    after(close);
  } else {
    beforeEach(open);
    afterEach(close);
  }
  return {
    get sandbox() {
      if (!sandbox) throw new Error('useTestSandbox: the sandbox is read inside hooks and tests only');
      return sandbox;
    },
  };
}

export interface TestTenantOptions {
  name?: string;
  displayName?: string;
  timeZone?: string;
  /** false: leave the partner's own company not yet chosen (default: the sandbox's partner company). */
  partnerCompany?: boolean;
  /** Tenant settings; `imports.ownCompanyPax8Id` defaults to the sandbox's partner company. */
  settings?: Record<string, unknown> & { imports?: Record<string, unknown> };
}

/** A tenant (TenantService.create, secret sealed with `secrets`) connected to the sandbox; default name 'acme'. */
export async function createTestTenant(
  ds: DataSource, secrets: SecretBox, sandbox: RunningSandbox, opts: TestTenantOptions = {},
): Promise<{ tenant: Tenant; tenants: TenantService }> {
  const tenants = new TenantService(ds, secrets);
  const { imports, ...settings } = opts.settings ?? {};
  const own = opts.partnerCompany === false ? {} : { ownCompanyPax8Id: sandbox.data.partnerCompanyId };
  const tenant = await tenants.create({
    name: opts.name ?? 'acme', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, apiUrl: sandbox.baseUrl,
    tokenUrl: sandbox.tokenUrl, audience: sandbox.audience, ...(opts.displayName ? { displayName: opts.displayName } : {}),
    ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    ...(opts.partnerCompany === false && !opts.settings ? {} : { settings: { ...settings, imports: { ...own, ...imports } } }),
  });
  return { tenant, tenants };
}
