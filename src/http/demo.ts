import type { Runtime } from '../app/runtime.js';
import { Tenant } from '../db/entities/index.js';
import { runImport } from '../imports/run-import.js';
import { startSandbox, type RunningSandbox } from '../pax8/sandbox/index.js';
import { TenantService } from '../tenants/service.js';
import { setPartnerCompany, tenantPartnerCompany } from '../tenants/partner-company.js';
import { systemClock, type Clock } from '../common/clock.js';
import { TenantScope } from '../db/tenant-scope.js';
import { saveAppCredentials } from '../accounting/connections.js';
import { completeConnect, redirectUriFor, startConnect } from '../accounting/oauth.js';
import { startXeroSandbox, type RunningXeroSandbox } from '../xero/sandbox/index.js';
import { demoBillingContacts, setUpDemoBooks } from './demo-books.js';

export const DEMO_TENANT = 'demo';

export interface Demo {
  sandbox: RunningSandbox;
  /** The local Xero the demo tenant is connected to (null when it could not start). */
  xero: RunningXeroSandbox | null;
  tenantId: string;
  /** Resolves when the first import of a newly created demo tenant has finished (at once otherwise). */
  imported: Promise<void>;
  /**
   * Resolves (never rejects) after the import, once every demo customer has a billing contact and, with the local Xero
   * connected, a contact there, and the Xero mappings are set (src/http/demo-books.ts): an approved invoice can be sent
   * and pushed at once.
   */
  books: Promise<void>;
  close(): Promise<void>;
}

/**
 * With config.demo.sandbox (the embedded default), starts the Pax8 sandbox and, when there is no
 * tenant yet, connects it as the tenant "demo" and imports its sample data in the background.
 * The sandbox's clock starts at the present (`clock`), so the demo has this month's usage lines and last
 * month's final charges, as a live account would.
 */
export async function startDemo(
  rt: Runtime, out: (s: string) => void = (s) => process.stdout.write(s), clock: Clock = systemClock,
): Promise<Demo | null> {
  if (!rt.config.demo.sandbox) return null;
  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({ host: '127.0.0.1', port: rt.config.demo.sandboxPort, companies: rt.config.demo.sandboxCompanies, rateLimitPerMinute: null,
      now: clock().toISOString(), pendingSettleWallMs: 30_000, // the demo's sandbox clock stands still
    });
  } catch (err) {
    rt.logger.warn({ err, port: rt.config.demo.sandboxPort }, 'demo sandbox not started');
    out(`Demo Pax8 sandbox not started (port ${rt.config.demo.sandboxPort}): ${(err as Error).message}\n`);
    return null;
  }
  const tenants = new TenantService(rt.ds, rt.secrets);
  const existing = await rt.ds.manager.findOneBy(Tenant, { name: DEMO_TENANT });
  let tenantId: string;
  let imported: Promise<void> = Promise.resolve();
  if (existing) {
    // Same sandbox port as before, so the stored URLs still point at it.
    tenantId = existing.id;
    await tenants.updateConnection(existing.id, { apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl, audience: sandbox.audience });
    // A demo tenant from before the partner company was chosen at connection: choose the sandbox's.
    if (tenantPartnerCompany(existing).state === 'not_chosen') await setPartnerCompany(tenants, existing.id, sandbox.data.partnerCompanyId);
  } else if ((await rt.ds.manager.count(Tenant)) === 0) {
    const t = await tenants.create({
      name: DEMO_TENANT, displayName: 'Demo MSP (Pax8 sandbox)', timeZone: 'UTC', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret,
      apiUrl: sandbox.baseUrl, tokenUrl: sandbox.tokenUrl, audience: sandbox.audience,
      // The sandbox knows its partner company: the demo chooses it, so it is never imported as a customer.
      settings: { imports: { allowQuantityIncrease: true, ownCompanyPax8Id: sandbox.data.partnerCompanyId, includeOwnCompany: true } },
    });
    tenantId = t.id;
    out(`Demo: Pax8 sandbox on ${sandbox.baseUrl}, connected as tenant "${DEMO_TENANT}"; importing its sample data…\n`);
    imported = runImport({ ds: rt.ds, secrets: rt.secrets }, {
      tenantId, trigger: 'cli', startedBy: 'demo', client: { rateLimitPerMinute: null }, now: clock(),
    }).then(
      (run) => { out(`Demo: sample data imported (${run.status}).\n`); },
      (err: unknown) => { rt.logger.error({ err }, 'demo import failed'); out(`Demo: import failed: ${(err as Error).message}\n`); },
    );
  } else {
    await sandbox.close();
    return null;
  }
  const { xero, connected } = await startDemoXero(rt, tenantId, out, clock);
  const books = imported.then(() => demoBooks(rt, tenantId, connected, out, clock));
  return { sandbox, xero, tenantId, imported, books, close: async () => { await imported; await books; await sandbox.close(); await xero?.close(); } };
}

/** Billing contacts, then the contacts and mappings in the local Xero (when connected); failures are told, not thrown. */
async function demoBooks(rt: Runtime, tenantId: string, xeroConnected: boolean, out: (s: string) => void, clock: Clock): Promise<void> {
  try {
    const given = await demoBillingContacts(new TenantScope(rt.ds.manager, tenantId), clock());
    if (given > 0) out(`Demo: ${given} customers got a billing contact (accounts@<name>.example).\n`);
    if (!xeroConnected) return;
    const r = await setUpDemoBooks(rt.ds, rt.secrets, tenantId, 'xero', clock());
    out(`Demo: local Xero ready to push to (${r.created} contacts created, ${r.linked} linked, ${r.mappings} mappings set).\n`);
  } catch (err) {
    rt.logger.warn({ err }, 'demo books not set up');
    out(`Demo: the local Xero's contacts and mappings were not set up: ${(err as Error).message}\n`);
  }
}

/** Who started the demo's authorisation (the state's user; no person signs in for it). */
const DEMO_CONNECTOR = 'demo';

/**
 * The local Xero (src/xero/sandbox, consent auto-approved) on `demo.xeroSandboxPort`, and the demo tenant connected to it:
 * its app credentials, then the OAuth round trip a browser would make (the authorize page answers with the redirect to
 * Recurra's callback, whose code and state complete the connection). Its grants live in memory, so every start connects again.
 */
async function startDemoXero(rt: Runtime, tenantId: string, out: (s: string) => void, clock: Clock): Promise<{ xero: RunningXeroSandbox | null; connected: boolean }> {
  let xero: RunningXeroSandbox;
  try {
    xero = await startXeroSandbox({ host: '127.0.0.1', port: rt.config.demo.xeroSandboxPort ?? 0, autoApprove: true, tenantId, organisationName: 'Demo Company (UK)' });
  } catch (err) {
    rt.logger.warn({ err, port: rt.config.demo.xeroSandboxPort }, 'demo Xero sandbox not started');
    out(`Demo local Xero not started (port ${rt.config.demo.xeroSandboxPort ?? 0}): ${(err as Error).message}\n`);
    return { xero: null, connected: false };
  }
  try {
    const scope = new TenantScope(rt.ds.manager, tenantId);
    const now = clock();
    await saveAppCredentials(scope, rt.secrets, 'xero', { clientId: xero.clientId, clientSecret: xero.clientSecret, ...xero.endpoints }, now);
    const host = rt.config.http.host === '0.0.0.0' || rt.config.http.host === '::' ? '127.0.0.1' : rt.config.http.host;
    const base = rt.config.http.publicUrl ?? `http://${host}:${rt.config.http.port}`;
    const started = await startConnect(scope, rt.secrets, { vendor: 'xero', userId: DEMO_CONNECTOR, redirectUri: redirectUriFor(base, 'xero'), now });
    // Once more on a network failure: a socket kept alive to an earlier sandbox on this port may be reused once.
    const consent = await fetch(started.authorizationUrl, { redirect: 'manual' }).catch(() => fetch(started.authorizationUrl, { redirect: 'manual' }));
    const back = new URL(consent.headers.get('location') ?? '', base);
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`the local Xero answered ${consent.status} ${back.searchParams.get('error') ?? (await consent.text()).slice(0, 200)}`);
    const done = await completeConnect(scope, rt.secrets, {
      vendor: 'xero', userId: DEMO_CONNECTOR, userEmail: DEMO_CONNECTOR, state: back.searchParams.get('state') ?? '', code, now,
    });
    out(`Demo: local Xero on ${xero.baseUrl}, connected to the demo tenant (${done.connection.organisationName ?? xero.tenantName}).\n`);
    return { xero, connected: true };
  } catch (err) {
    rt.logger.warn({ err }, 'demo tenant not connected to the local Xero');
    out(`Demo: not connected to the local Xero: ${(err as Error).message}\n`);
  }
  return { xero, connected: false };
}
