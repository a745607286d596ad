import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { AccountingConnection } from '../db/entities/index.js';
import { TenantScope } from '../db/tenant-scope.js';
import { AccountingError, type AccountingConnector, type AccountingVendor, type ConnectionTokens, type ConnectorSession } from './connector.js';
import {
  AccountingConnectionError, accountingFailure, connectionRow, connectorOf, recordConnectionEvent, sealContext, vendorName, type ConnectorOptions,
} from './connections.js';
import { accountingBudgetFor, type CallBudgetOptions } from './request-budget.js';

/**
 * Using a tenant's accounting connection: `openAccountingSession` gives the vendor's connector and a session with a
 * valid access token, refreshing it first when it expires within 5 minutes. The connector's calls take the
 * connection's budget shared by every process on the database (request-budget.ts) besides the in-process pacer.
 *
 * Refreshing is serialised across processes by the connection row: a process claims the refresh with a conditional
 * UPDATE on `tokenVersion` (only one of several racing processes changes the row), sends the refresh token, and
 * stores the new tokens under the version it claimed; the others wait for the new tokens and use them. This matters
 * because Xero (and QuickBooks) rotate refresh tokens: the same refresh token sent twice would fail the second time
 * and look like a revoked grant. A claim older than a minute (its process died) is taken over. A refresh the vendor
 * refuses as unauthorized marks the connection needs_reconnect (an event in the log) and says to connect again.
 */

/** Refresh when the access token has less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** A refresh claim older than this is taken over. */
export const STALE_CLAIM_MS = 60 * 1000;

export interface OpenedSession {
  connector: AccountingConnector;
  session: ConnectorSession;
  connection: {
    id: string;
    vendor: AccountingVendor;
    organisationId: string;
    organisationName: string;
    settings: Record<string, unknown>;
  };
}

export interface SessionOptions extends ConnectorOptions {
  /** How long to wait for another process's refresh (wall time), default 30 s. */
  waitMs?: number;
  pollMs?: number;
  /** The connection's call budget shared across processes (a shorter limit or a scaled clock in tests); false: none. */
  budget?: CallBudgetOptions | false;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function openAccountingSession(
  ds: DataSource, secrets: SecretBox, tenantId: string, vendor: AccountingVendor, now: Date, opts: SessionOptions = {},
): Promise<OpenedSession> {
  const scope = new TenantScope(ds.manager, tenantId);
  const name = vendorName(vendor);
  const waitUntil = Date.now() + (opts.waitMs ?? 30_000);
  const connectorOpts: ConnectorOptions = { ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.connectorFor ? { connectorFor: opts.connectorFor } : {}) };
  for (;;) {
    const row = await connectionRow(scope, vendor);
    if (row?.status === 'needs_reconnect') {
      throw new AccountingConnectionError('conflict', `${name} no longer accepts Recurra's authorisation: connect ${name} again on the Accounting page`, 'reconnect_required');
    }
    if (row?.organisationChoicesJson) throw new AccountingConnectionError('conflict', `choose the ${name} organisation first`, 'choose_organisation');
    if (!row || row.status !== 'connected' || !row.organisationId || !row.refreshTokenSealed) {
      throw new AccountingConnectionError('conflict', `connect ${name} first`, 'not_connected');
    }
    let connector: AccountingConnector;
    try {
      const budget = opts.budget === false ? undefined : accountingBudgetFor(ds, row.id, vendor, opts.budget);
      connector = connectorOf(secrets, row, { ...connectorOpts, ...(budget ? { budget } : {}) });
    } catch (err) {
      throw accountingFailure(vendor, err, 'opening the connection');
    }
    const fresh = row.accessTokenSealed && row.accessExpiresAt && row.accessExpiresAt.getTime() - now.getTime() > REFRESH_MARGIN_MS;
    if (fresh) return opened(row, connector, secrets.decrypt(row.accessTokenSealed!, sealContext(tenantId, vendor, 'accessToken')));
    const claimable = !row.refreshingSince || now.getTime() - row.refreshingSince.getTime() > STALE_CLAIM_MS;
    if (claimable) {
      const claimed = await scope.repo(AccountingConnection).update({ id: row.id, tokenVersion: row.tokenVersion }, { tokenVersion: row.tokenVersion + 1, refreshingSince: now });
      if (claimed === 1) return refreshClaimed(scope, secrets, { ...row, tokenVersion: row.tokenVersion + 1 }, connector, now);
    }
    if (Date.now() > waitUntil) {
      throw new AccountingConnectionError('unavailable', `another process is refreshing the ${name} authorisation; try again in a minute`, 'refresh_in_progress');
    }
    await sleep(opts.pollMs ?? 100);
  }
}

function opened(row: AccountingConnection, connector: AccountingConnector, accessToken: string): OpenedSession {
  let settings: Record<string, unknown> = {};
  try {
    const parsed: unknown = row.settingsJson ? JSON.parse(row.settingsJson) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) settings = parsed as Record<string, unknown>;
  } catch { /* a damaged settings value reads as none */ }
  return {
    connector,
    session: { accessToken, organisationId: row.organisationId! },
    connection: { id: row.id, vendor: row.vendor, organisationId: row.organisationId!, organisationName: row.organisationName ?? '', settings },
  };
}

/** This process holds the claim (`row.tokenVersion` is the claimed version): refresh, store, release. */
async function refreshClaimed(
  scope: TenantScope, secrets: SecretBox, row: AccountingConnection, connector: AccountingConnector, now: Date,
): Promise<OpenedSession> {
  const repo = scope.repo(AccountingConnection);
  const claimed = { id: row.id, tokenVersion: row.tokenVersion };
  const done = row.tokenVersion + 1;
  const name = vendorName(row.vendor);
  let tokens: ConnectionTokens;
  try {
    tokens = await connector.refresh(secrets.decrypt(row.refreshTokenSealed!, sealContext(row.tenantId, row.vendor, 'refreshToken')));
  } catch (err) {
    const why = (err as Error).message.slice(0, 1000);
    if (err instanceof AccountingError && err.kind === 'unauthorized') {
      await scope.transaction(async (tx) => {
        const marked = await tx.repo(AccountingConnection).update(claimed, {
          status: 'needs_reconnect', accessTokenSealed: null, refreshTokenSealed: null, accessExpiresAt: null, refreshExpiresAt: null,
          tokenVersion: done, refreshingSince: null, lastError: why, updatedAt: now,
        });
        if (marked === 1) await recordConnectionEvent(tx, row, 'accounting_reconnect_needed', done, 'system', now, { reason: why });
      });
      throw new AccountingConnectionError('conflict', `${name} refused to refresh Recurra's authorisation (${why}): connect ${name} again on the Accounting page`, 'reconnect_required');
    }
    // Anything else (the vendor unreachable): release the claim, keep the tokens, say why.
    await repo.update(claimed, { tokenVersion: done, refreshingSince: null, lastError: why, updatedAt: now });
    throw accountingFailure(row.vendor, err, 'refreshing the access token');
  }
  await repo.update(claimed, {
    accessTokenSealed: secrets.encrypt(tokens.accessToken, sealContext(row.tenantId, row.vendor, 'accessToken')),
    refreshTokenSealed: secrets.encrypt(tokens.refreshToken, sealContext(row.tenantId, row.vendor, 'refreshToken')),
    accessExpiresAt: tokens.accessExpiresAt, refreshExpiresAt: tokens.refreshExpiresAt ?? row.refreshExpiresAt,
    tokenVersion: done, refreshingSince: null, lastError: null, updatedAt: now,
  });
  // Stored or not (a stale claim taken over meanwhile), this access token is valid: use it.
  return opened(row, connector, tokens.accessToken);
}
