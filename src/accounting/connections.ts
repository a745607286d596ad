import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, issueFields, fieldError, type ErrorKind } from '../common/app-error.js';
import { movedEndpoints } from '../common/secret-endpoints.js';
import { outboundUrlProblem } from '../common/outbound-url.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AccountingConnection, type AccountingConnectionStatus } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import { recordEvent } from '../events/log.js';
import {
  ACCOUNTING_VENDORS, AccountingError, type AccountingConnector, type AccountingVendor, type ConnectorDeps, type OAuthApp, type VendorEndpoints,
} from './connector.js';
import { connectorFor } from './connectors/index.js';

/**
 * A tenant's connections to Xero and QuickBooks Online (issue 27): the app registration the tenant made at the vendor
 * (client id, the client secret: write-only, sealed, never returned or logged; the endpoint URLs, the vendor's real
 * hosts by default), the status and organisation of the grant, and disconnecting. Connecting itself (the OAuth round
 * trip) is `oauth.ts`; using a connection (with its tokens refreshed) is `session.ts`.
 */

export const VENDOR_NAMES: Record<AccountingVendor, string> = { xero: 'Xero', quickbooks: 'QuickBooks Online' };

/** Each vendor's real endpoints (used unless the tenant's app credentials name others: a stand-in for tests or the demo). */
export const DEFAULT_ENDPOINTS: Record<AccountingVendor, VendorEndpoints> = {
  xero: {
    authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    revokeUrl: 'https://identity.xero.com/connect/revocation',
    apiUrl: 'https://api.xero.com',
  },
  quickbooks: {
    authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    revokeUrl: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
    apiUrl: 'https://quickbooks.api.intuit.com',
  },
};

const ENDPOINT_FIELDS = ['authorizeUrl', 'tokenUrl', 'revokeUrl', 'apiUrl'] as const;
type EndpointField = (typeof ENDPOINT_FIELDS)[number];

/** invalid (fields named), not_found, conflict (not connected, reconnect needed), secret_required, unavailable (the vendor). */
export class AccountingConnectionError extends AppError {
  override name = 'AccountingConnectionError';
  constructor(kind: ErrorKind, message: string, code: string = kind, opts: { fields?: { path: string; message: string }[]; apiCode?: string } = {}) {
    super(kind, message, { code, apiCode: opts.apiCode, fields: opts.fields });
  }
}

export function vendorName(vendor: AccountingVendor): string {
  return VENDOR_NAMES[vendor];
}

/** The sealed values' context: bound to the tenant, the vendor and the field, so a copied ciphertext decrypts nowhere else. */
export function sealContext(tenantId: string, vendor: AccountingVendor, field: 'clientSecret' | 'accessToken' | 'refreshToken'): string {
  return `accounting:${tenantId}:${vendor}:${field}`;
}

export function parseVendor(value: string): AccountingVendor {
  if ((ACCOUNTING_VENDORS as readonly string[]).includes(value)) return value as AccountingVendor;
  throw new AccountingConnectionError('invalid', `vendor: one of ${ACCOUNTING_VENDORS.join(', ')}`, 'invalid', { fields: fieldError('params.vendor', `one of ${ACCOUNTING_VENDORS.join(', ')}`) });
}

const url = z.url({ protocol: /^https?$/ }).max(500);

/** What an admin enters: the client id and secret of the app registered at the vendor, and (stand-ins only) other endpoints. */
export const appCredentialsSchema = z.strictObject({
  clientId: z.string().trim().min(1).max(200).optional(),
  clientSecret: z.string().min(1).max(1000).optional(),
  authorizeUrl: url.nullable().optional(),
  tokenUrl: url.nullable().optional(),
  revokeUrl: url.nullable().optional(),
  apiUrl: url.nullable().optional(),
});
export type AppCredentialsInput = z.input<typeof appCredentialsSchema>;

export interface OrganisationChoice {
  id: string;
  name: string;
}

/** What may be shown about a connection: never the client secret or a token, sealed or not. */
export interface ConnectionView {
  vendor: AccountingVendor;
  vendorName: string;
  /** The app credentials are saved (Connect is possible). */
  configured: boolean;
  clientId: string | null;
  hasClientSecret: boolean;
  endpoints: VendorEndpoints;
  /** Which endpoints are not the vendor's own (a stand-in). */
  customEndpoints: boolean;
  status: AccountingConnectionStatus;
  organisationId: string | null;
  organisationName: string | null;
  /** Several organisations the grant reaches, one to choose (Xero), while the connection waits for the choice. */
  organisationChoices: OrganisationChoice[] | null;
  accessExpiresAt: string | null;
  refreshExpiresAt: string | null;
  connectedAt: string | null;
  connectedBy: string | null;
  lastError: string | null;
}

export function viewConnection(vendor: AccountingVendor, row: AccountingConnection | null): ConnectionView {
  const endpoints: VendorEndpoints = row
    ? { authorizeUrl: row.authorizeUrl, tokenUrl: row.tokenUrl, revokeUrl: row.revokeUrl, apiUrl: row.apiUrl }
    : { ...DEFAULT_ENDPOINTS[vendor] };
  return {
    vendor, vendorName: vendorName(vendor), configured: !!row, clientId: row?.clientId ?? null, hasClientSecret: !!row?.clientSecretSealed,
    endpoints, customEndpoints: ENDPOINT_FIELDS.some((f) => endpoints[f] !== DEFAULT_ENDPOINTS[vendor][f]),
    status: row?.status ?? 'not_connected', organisationId: row?.organisationId ?? null, organisationName: row?.organisationName ?? null,
    organisationChoices: row?.organisationChoicesJson ? (JSON.parse(row.organisationChoicesJson) as OrganisationChoice[]) : null,
    accessExpiresAt: row?.accessExpiresAt?.toISOString() ?? null, refreshExpiresAt: row?.refreshExpiresAt?.toISOString() ?? null,
    connectedAt: row?.connectedAt?.toISOString() ?? null, connectedBy: row?.connectedBy ?? null, lastError: row?.lastError ?? null,
  };
}

export function connectionRow(scope: TenantScope, vendor: AccountingVendor): Promise<AccountingConnection | null> {
  return scope.repo(AccountingConnection).findOneBy({ vendor });
}

export async function getConnection(scope: TenantScope, vendor: AccountingVendor): Promise<ConnectionView> {
  return viewConnection(vendor, await connectionRow(scope, vendor));
}

/** Both vendors, configured or not, in a fixed order. */
export async function listConnections(scope: TenantScope): Promise<ConnectionView[]> {
  const rows = await scope.repo(AccountingConnection).find();
  return ACCOUNTING_VENDORS.map((v) => viewConnection(v, rows.find((r) => r.vendor === v) ?? null));
}

function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'credentials'}: ${i.message}`).join('; ');
}

/** The grant's fields, cleared (disconnect, new app credentials). */
export function forgottenGrant(): Partial<AccountingConnection> {
  return {
    organisationId: null, organisationName: null, organisationChoicesJson: null, accessTokenSealed: null, refreshTokenSealed: null,
    accessExpiresAt: null, refreshExpiresAt: null, connectedAt: null, connectedBy: null, refreshingSince: null,
  };
}

/**
 * Saves the app credentials (admin). The first save needs the client id and secret; later saves change what is given.
 * Changing the client id or any endpoint URL needs the client secret again (the Pax8 connection's rule, `movedEndpoints`),
 * and forgets the grant: its tokens belong to the app and endpoints they were issued for.
 */
export async function saveAppCredentials(
  scope: TenantScope, secrets: SecretBox, vendor: AccountingVendor, input: AppCredentialsInput, now: Date,
): Promise<ConnectionView> {
  const parsed = appCredentialsSchema.safeParse(input);
  if (!parsed.success) throw new AccountingConnectionError('invalid', formatIssues(parsed.error), 'invalid', { fields: issueFields(formatIssues(parsed.error), 'body') });
  const v = parsed.data;
  const repo = scope.repo(AccountingConnection);
  const row = await repo.findOneBy({ vendor });
  const sealed = v.clientSecret === undefined ? undefined : secrets.encrypt(v.clientSecret, sealContext(scope.tenantId, vendor, 'clientSecret'));
  const defaults = DEFAULT_ENDPOINTS[vendor];
  // null or absent on a first save: the vendor's own host.
  const endpoint = (f: EndpointField, current: string) => (f in v ? v[f] ?? defaults[f] : current);
  if (!row) {
    if (!v.clientId || !sealed) {
      const missing = [!v.clientId ? 'clientId' : null, !sealed ? 'clientSecret' : null].filter((x): x is string => !!x);
      throw new AccountingConnectionError('invalid', missing.map((m) => `${m}: required the first time`).join('; '), 'invalid',
        { fields: missing.map((m) => ({ path: `body.${m}`, message: 'required the first time' })) });
    }
    await repo.insert([{
      id: randomUUID(), vendor, clientId: v.clientId, clientSecretSealed: sealed,
      authorizeUrl: endpoint('authorizeUrl', defaults.authorizeUrl), tokenUrl: endpoint('tokenUrl', defaults.tokenUrl),
      revokeUrl: endpoint('revokeUrl', defaults.revokeUrl), apiUrl: endpoint('apiUrl', defaults.apiUrl), redirectUri: null,
      status: 'not_connected', ...forgottenGrant(), organisationChoicesJson: null, tokenVersion: 0, lastError: null, settingsJson: null,
      createdAt: now, updatedAt: now,
    }]);
    return getConnection(scope, vendor);
  }
  const next: Record<EndpointField, string> = {
    authorizeUrl: endpoint('authorizeUrl', row.authorizeUrl), tokenUrl: endpoint('tokenUrl', row.tokenUrl),
    revokeUrl: endpoint('revokeUrl', row.revokeUrl), apiUrl: endpoint('apiUrl', row.apiUrl),
  };
  // The stored secret only ever goes to the endpoints (and app) it was entered with: moving them needs the secret again.
  const moved = movedEndpoints<EndpointField | 'clientId'>(
    { ...next, ...(v.clientId !== undefined ? { clientId: v.clientId } : {}) },
    { ...row, clientId: row.clientId }, ['clientId', ...ENDPOINT_FIELDS],
  );
  if (moved.length > 0 && sealed === undefined) {
    const message = `changing ${moved.join(', ')} requires entering the client secret again (clientSecret)`;
    throw new AccountingConnectionError('invalid', message, 'secret_required', { apiCode: 'secret_required', fields: fieldError('body.clientSecret', message) });
  }
  const changes: Partial<AccountingConnection> = { ...next, updatedAt: now };
  if (v.clientId !== undefined) changes.clientId = v.clientId;
  if (sealed !== undefined) changes.clientSecretSealed = sealed;
  if (moved.length > 0 && (row.refreshTokenSealed || row.organisationChoicesJson)) {
    Object.assign(changes, forgottenGrant(), { status: 'not_connected', tokenVersion: row.tokenVersion + 1, lastError: null });
  }
  await repo.update({ id: row.id }, changes);
  return getConnection(scope, vendor);
}

/** The tenant's app at the vendor, with the client secret decrypted: only to build a connector; never log or return it. */
export function oauthApp(secrets: SecretBox, row: AccountingConnection, redirectUri?: string): OAuthApp {
  const endpoints: VendorEndpoints = { authorizeUrl: row.authorizeUrl, tokenUrl: row.tokenUrl, revokeUrl: row.revokeUrl, apiUrl: row.apiUrl };
  for (const f of ENDPOINT_FIELDS) {
    const problem = outboundUrlProblem(endpoints[f]);
    if (problem) throw new AccountingConnectionError('invalid', `${f}: ${problem}`);
  }
  return {
    clientId: row.clientId, clientSecret: secrets.decrypt(row.clientSecretSealed, sealContext(row.tenantId, row.vendor, 'clientSecret')),
    redirectUri: redirectUri ?? row.redirectUri ?? '', endpoints,
  };
}

/** Options the tests pass to reach the vendor: a fetch of their own, or another adapter registry (default `connectorFor`). */
export interface ConnectorOptions {
  fetch?: typeof fetch;
  connectorFor?: typeof connectorFor;
}

export function connectorOf(
  secrets: SecretBox, row: AccountingConnection, opts: ConnectorOptions & { redirectUri?: string; budget?: ConnectorDeps['budget'] } = {},
): AccountingConnector {
  const make = opts.connectorFor ?? connectorFor;
  return make(row.vendor, {
    app: oauthApp(secrets, row, opts.redirectUri), connectionKey: row.id, ...(opts.budget ? { budget: opts.budget } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}

/** A vendor's failure as a user is told it (the vendor's message kept, the kind mapped). */
export function accountingFailure(vendor: AccountingVendor, err: unknown, doing: string): AppError {
  if (err instanceof AppError) return err;
  if (!(err instanceof AccountingError)) return new AccountingConnectionError('unavailable', `${vendorName(vendor)} could not be reached while ${doing}: ${(err as Error).message}`, 'accounting_unavailable');
  const name = vendorName(vendor);
  switch (err.kind) {
    case 'unauthorized': return new AccountingConnectionError('conflict', `${name} refused the authorisation while ${doing}: connect ${name} again (${err.message})`, 'reconnect_required');
    case 'invalid': return new AccountingConnectionError('invalid', `${name} refused it while ${doing}: ${err.message}`, 'accounting_invalid', { apiCode: 'accounting_invalid' });
    case 'rate_limited': return new AccountingConnectionError('rate_limited', `${name} limits calls; try again later (${err.message})`, 'accounting_rate_limited');
    case 'conflict': case 'locked': return new AccountingConnectionError('conflict', `${name}: ${err.message}`, `accounting_${err.kind}`);
    case 'not_found': return new AccountingConnectionError('not_found', `${name}: ${err.message}`, 'accounting_not_found');
    default: return new AccountingConnectionError('unavailable', `${name} failed while ${doing}: ${err.message}`, 'accounting_unavailable');
  }
}

/** Records a connection's event in the event log (connected, disconnected, reconnect needed), once per token version. */
export async function recordConnectionEvent(
  scope: TenantScope, row: Pick<AccountingConnection, 'id' | 'vendor' | 'organisationName'>, type: 'accounting_connected' | 'accounting_disconnected' | 'accounting_reconnect_needed',
  version: number, by: string, at: Date, detail?: Record<string, unknown>,
): Promise<void> {
  await recordEvent(scope, {
    occurredAt: at, type, source: vendorName(row.vendor), target: row.organisationName ?? vendorName(row.vendor), licenceCount: null, initiatedBy: by,
    refKind: 'accounting_connection', refId: `${row.id}:${version}:${type.replace('accounting_', '')}`, detail: { vendor: row.vendor, ...detail },
  });
}

/**
 * Disconnect (admin): the vendor is asked to forget the grant (best effort: a vendor that cannot be reached does not
 * keep the tenant connected), then the tokens and organisation are forgotten here. The app credentials stay.
 */
export async function disconnect(
  scope: TenantScope, secrets: SecretBox, vendor: AccountingVendor, by: string, now: Date, opts: ConnectorOptions = {},
): Promise<{ connection: ConnectionView; revoked: boolean }> {
  const row = await connectionRow(scope, vendor);
  if (!row) throw new AccountingConnectionError('not_found', `${vendorName(vendor)} is not set up for this tenant`);
  let revoked = false;
  if (row.refreshTokenSealed) {
    try {
      await connectorOf(secrets, row, opts).revoke(secrets.decrypt(row.refreshTokenSealed, sealContext(row.tenantId, vendor, 'refreshToken')));
      revoked = true;
    } catch {
      revoked = false;
    }
  }
  const wasConnected = !!row.refreshTokenSealed || row.status !== 'not_connected';
  await scope.transaction(async (tx) => {
    await tx.repo(AccountingConnection).update({ id: row.id }, { ...forgottenGrant(), status: 'not_connected', tokenVersion: row.tokenVersion + 1, lastError: null, updatedAt: now });
    if (wasConnected) await recordConnectionEvent(tx, row, 'accounting_disconnected', row.tokenVersion + 1, by, now, { revoked });
  });
  return { connection: await getConnection(scope, vendor), revoked };
}
