import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, LessThan } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';
import { AccountingConnection, AccountingOAuthState } from '../db/entities/index.js';
import type { TenantScope } from '../db/tenant-scope.js';
import type { AccountingOrganisation, AccountingVendor, ConnectionTokens } from './connector.js';
import {
  AccountingConnectionError, accountingFailure, connectionRow, connectorOf, getConnection, recordConnectionEvent, sealContext, vendorName,
  type ConnectionView, type ConnectorOptions, type OrganisationChoice,
} from './connections.js';

/**
 * Connecting a tenant to Xero or QuickBooks Online with OAuth 2.0 (authorization code). `startConnect` gives the
 * vendor's authorization page for the user's browser, with a random `state` bound to the tenant, the vendor and the
 * user, valid 10 minutes and usable once (only its sha256 is stored); `completeConnect` is the callback: the state
 * checked, the code exchanged, the tokens stored sealed. When the grant reaches several organisations (Xero), the
 * user chooses one (`chooseOrganisation`) before the connection is used.
 */

export const STATE_TTL_MS = 10 * 60 * 1000;

function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/** The tenant a state was made for (it starts with the tenant's id), or null for a value that is no state of ours. */
export function tenantOfState(state: string): string | null {
  const m = /^([0-9a-fA-F-]{36})\.[A-Za-z0-9_-]{32,}$/.exec(state);
  return m ? m[1]! : null;
}

/** The callback URL registered with the vendor: `<publicUrl>/accounting/<vendor>/callback`. */
export function redirectUriFor(baseUrl: string, vendor: AccountingVendor): string {
  return `${baseUrl.replace(/\/+$/, '')}/accounting/${vendor}/callback`;
}

export interface StartedConnect {
  authorizationUrl: string;
  expiresAt: Date;
}

/** Admin: the vendor's authorization page to send the browser to. Needs the app credentials saved first. */
export async function startConnect(
  scope: TenantScope, secrets: SecretBox,
  input: { vendor: AccountingVendor; userId: string; redirectUri: string; now: Date }, opts: ConnectorOptions = {},
): Promise<StartedConnect> {
  const row = await connectionRow(scope, input.vendor);
  if (!row) throw new AccountingConnectionError('conflict', `enter the client id and secret of your ${vendorName(input.vendor)} app first`, 'not_configured');
  const state = `${scope.tenantId}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(input.now.getTime() + STATE_TTL_MS);
  let authorizationUrl: string;
  try {
    authorizationUrl = connectorOf(secrets, row, { ...opts, redirectUri: input.redirectUri }).authorizationUrl(state);
  } catch (err) {
    throw accountingFailure(input.vendor, err, 'starting the authorisation');
  }
  await scope.transaction(async (tx) => {
    // Authorisations that expired a day ago or more are of no use any more (a replay is refused either way).
    await tx.repo(AccountingOAuthState).delete({ expiresAt: LessThan(new Date(input.now.getTime() - 24 * 3600 * 1000)) });
    await tx.repo(AccountingOAuthState).insert([{
      id: randomUUID(), vendor: input.vendor, stateHash: hashState(state), userId: input.userId, expiresAt, usedAt: null, createdAt: input.now, updatedAt: input.now,
    }]);
    await tx.repo(AccountingConnection).update({ id: row.id }, { redirectUri: input.redirectUri, updatedAt: input.now });
  });
  return { authorizationUrl, expiresAt };
}

/** The callback's parameters as the vendor sends them (an `error` when the user declined). */
export interface CallbackInput {
  vendor: AccountingVendor;
  userId: string;
  userEmail: string;
  state: string;
  code?: string;
  realmId?: string;
  error?: string;
  now: Date;
}

export interface CompletedConnect {
  connection: ConnectionView;
  /** connected, or choose_organisation (several organisations: the user picks one). */
  outcome: 'connected' | 'choose_organisation';
}

/**
 * The callback: the state must be one this tenant's same user started for this vendor, unexpired and unused (it is
 * used up here, once, even when two callbacks race); then the code is exchanged and the tokens stored sealed.
 */
export async function completeConnect(scope: TenantScope, secrets: SecretBox, input: CallbackInput, opts: ConnectorOptions = {}): Promise<CompletedConnect> {
  const name = vendorName(input.vendor);
  const refused = (why: string) => new AccountingConnectionError('invalid', `${why}: start again with Connect ${name}`, 'invalid_state', {
    fields: [{ path: 'body.state', message: why }],
  });
  const states = scope.repo(AccountingOAuthState);
  const pending = await states.findOneBy({ stateHash: hashState(input.state) });
  if (!pending || pending.vendor !== input.vendor) throw refused('this authorisation is not one Recurra started');
  if (pending.userId !== input.userId) throw refused('this authorisation was started by another user');
  if (pending.usedAt) throw refused('this authorisation was already used');
  if (pending.expiresAt.getTime() <= input.now.getTime()) throw refused('this authorisation expired (10 minutes)');
  const took = await states.update({ id: pending.id, usedAt: IsNull() }, { usedAt: input.now, updatedAt: input.now });
  if (took !== 1) throw refused('this authorisation was already used');
  if (input.error) throw new AccountingConnectionError('conflict', `${name} did not authorise the connection (${input.error.slice(0, 200)})`, 'declined');
  if (!input.code) throw new AccountingConnectionError('invalid', `${name} sent no authorisation code`, 'invalid', { fields: [{ path: 'body.code', message: 'required' }] });

  const row = await connectionRow(scope, input.vendor);
  if (!row) throw new AccountingConnectionError('conflict', `enter the client id and secret of your ${name} app first`, 'not_configured');
  let exchanged: { tokens: ConnectionTokens; organisations: AccountingOrganisation[] };
  try {
    exchanged = await connectorOf(secrets, row, opts).exchangeCode({ code: input.code, ...(input.realmId ? { realmId: input.realmId } : {}) });
  } catch (err) {
    throw accountingFailure(input.vendor, err, 'exchanging the authorisation code');
  }
  const orgs = exchanged.organisations;
  if (orgs.length === 0) throw new AccountingConnectionError('conflict', `the ${name} authorisation reaches no organisation: choose one when ${name} asks`, 'no_organisation');
  const t = exchanged.tokens;
  const version = row.tokenVersion + 1;
  const one = orgs.length === 1 ? orgs[0]! : null;
  const changes: Partial<AccountingConnection> = {
    accessTokenSealed: secrets.encrypt(t.accessToken, sealContext(row.tenantId, row.vendor, 'accessToken')),
    refreshTokenSealed: secrets.encrypt(t.refreshToken, sealContext(row.tenantId, row.vendor, 'refreshToken')),
    accessExpiresAt: t.accessExpiresAt, refreshExpiresAt: t.refreshExpiresAt, tokenVersion: version, refreshingSince: null, lastError: null,
    status: one ? 'connected' : 'not_connected', organisationId: one?.id ?? null, organisationName: one?.name ?? null,
    organisationChoicesJson: one ? null : JSON.stringify(orgs.map((o): OrganisationChoice => ({ id: o.id, name: o.name }))),
    connectedAt: input.now, connectedBy: input.userEmail, updatedAt: input.now,
  };
  await scope.transaction(async (tx) => {
    await tx.repo(AccountingConnection).update({ id: row.id }, changes);
    if (one) await recordConnectionEvent(tx, { ...row, organisationName: one.name }, 'accounting_connected', version, input.userEmail, input.now, { organisationId: one.id });
  });
  return { connection: await getConnection(scope, input.vendor), outcome: one ? 'connected' : 'choose_organisation' };
}

/** Admin: which of the organisations the grant reaches this tenant's connection uses (Xero, several authorised at once). */
export async function chooseOrganisation(
  scope: TenantScope, vendor: AccountingVendor, organisationId: string, by: string, now: Date,
): Promise<ConnectionView> {
  const row = await connectionRow(scope, vendor);
  const choices = row?.organisationChoicesJson ? (JSON.parse(row.organisationChoicesJson) as OrganisationChoice[]) : null;
  if (!row || !choices || !row.refreshTokenSealed) throw new AccountingConnectionError('conflict', `no ${vendorName(vendor)} organisation to choose: connect first`, 'nothing_to_choose');
  const chosen = choices.find((c) => c.id === organisationId);
  if (!chosen) {
    throw new AccountingConnectionError('invalid', `organisationId: not one of the organisations authorised (${choices.map((c) => c.name).join(', ')})`, 'invalid',
      { fields: [{ path: 'body.organisationId', message: 'not one of the organisations authorised' }] });
  }
  const version = row.tokenVersion + 1;
  await scope.transaction(async (tx) => {
    await tx.repo(AccountingConnection).update({ id: row.id }, {
      status: 'connected', organisationId: chosen.id, organisationName: chosen.name, organisationChoicesJson: null, tokenVersion: version, updatedAt: now,
    });
    await recordConnectionEvent(tx, { ...row, organisationName: chosen.name }, 'accounting_connected', version, by, now, { organisationId: chosen.id });
  });
  return getConnection(scope, vendor);
}
