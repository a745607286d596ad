import { z } from 'zod';
import { systemClock } from '../../../common/clock.js';
import { ACCOUNTING_VENDORS } from '../../../accounting/connector.js';
import { appCredentialsSchema, disconnect, listConnections, saveAppCredentials } from '../../../accounting/connections.js';
import { chooseOrganisation, completeConnect, redirectUriFor, startConnect } from '../../../accounting/oauth.js';
import { ACCOUNTING_CONNECTION_STATUSES } from '../../../db/entities/index.js';
import { defineRoute, tenantParams } from '../route.js';

/* Accounting connections (src/accounting/connections.ts, oauth.ts): the tenant's Xero and QuickBooks Online apps and grants. */

const TAG = 'Accounting';
const READ = ['admin', 'finance'] as const;
const WRITE = ['admin'] as const;

const vendorParams = tenantParams.extend({ vendor: z.enum(ACCOUNTING_VENDORS) });
const instant = z.string().nullable();

const connectionSchema = z.object({
  vendor: z.enum(ACCOUNTING_VENDORS),
  vendorName: z.string(),
  configured: z.boolean().describe('the app credentials (client id and secret) are saved'),
  clientId: z.string().nullable(),
  hasClientSecret: z.boolean().describe('the client secret itself is write-only: never returned'),
  endpoints: z.object({ authorizeUrl: z.string(), tokenUrl: z.string(), revokeUrl: z.string(), apiUrl: z.string() }),
  customEndpoints: z.boolean().describe('some endpoint is not the vendor\'s own host (a stand-in)'),
  status: z.enum(ACCOUNTING_CONNECTION_STATUSES),
  organisationId: z.string().nullable(),
  organisationName: z.string().nullable(),
  organisationChoices: z.array(z.object({ id: z.string(), name: z.string() })).nullable()
    .describe('the organisations the grant reaches, while one must be chosen (Xero)'),
  accessExpiresAt: instant,
  refreshExpiresAt: instant,
  connectedAt: instant,
  connectedBy: z.string().nullable(),
  lastError: z.string().nullable(),
});

const now = (rt: { clock?: () => Date }) => (rt.clock ?? systemClock)();

export const listAccountingConnectionsRoute = defineRoute({
  id: 'listAccountingConnections', method: 'get', path: '/tenants/:tenantId/accounting/connections', tag: TAG, roles: READ,
  summary: 'The tenant\'s Xero and QuickBooks Online connections',
  description: 'Both vendors, configured or not: status (not_connected, connected, needs_reconnect), organisation, token expiry. Never a secret or token.',
  params: tenantParams,
  response: z.object({ items: z.array(connectionSchema), callbackUrls: z.record(z.string(), z.string()).describe('the redirect URI to register with each vendor, when known') }),
  async handler({ rt, scope, req }) {
    const base = rt.config.http.publicUrl ?? (req ? `${req.protocol}://${req.get('host')}` : null);
    return {
      items: await listConnections(scope),
      callbackUrls: base ? Object.fromEntries(ACCOUNTING_VENDORS.map((v) => [v, redirectUriFor(base, v)])) : {},
    };
  },
});

export const saveAccountingAppRoute = defineRoute({
  id: 'saveAccountingApp', method: 'put', path: '/tenants/:tenantId/accounting/connections/:vendor', tag: TAG, roles: WRITE,
  summary: 'Save the app credentials of the tenant\'s Xero or QuickBooks app',
  description: 'The client id and secret of the app registered at developer.xero.com or developer.intuit.com (its redirect URI: '
    + '<publicUrl>/accounting/<vendor>/callback). The secret is write-only. The endpoint URLs default to the vendor\'s own hosts; '
    + 'changing the client id or a URL needs the client secret again (400 secret_required) and forgets the grant.',
  params: vendorParams,
  body: appCredentialsSchema,
  example: { clientId: 'ABCDEF0123456789', clientSecret: 'the-app-secret' },
  errors: { 400: 'validation_failed, or secret_required: a new client id or URL without clientSecret' },
  response: connectionSchema,
  async handler({ rt, scope, params, body }) {
    return saveAppCredentials(scope, rt.secrets, params.vendor, body, now(rt));
  },
});

export const startAccountingConnectRoute = defineRoute({
  id: 'startAccountingConnect', method: 'post', path: '/tenants/:tenantId/accounting/connections/:vendor/connect', tag: TAG, roles: WRITE,
  summary: 'Start connecting: the vendor\'s authorization page to open',
  description: 'Returns the URL to send the browser to. Its state is bound to this tenant and user, valid 10 minutes, usable once. '
    + 'The vendor sends the browser back to the callback (the web app\'s /accounting/<vendor>/callback). The callback base is the '
    + 'configured public URL, else `callbackBaseUrl`, else this request\'s host.',
  params: vendorParams,
  body: z.strictObject({ callbackBaseUrl: z.url({ protocol: /^https?$/ }).optional() }),
  example: {},
  errors: { 409: 'no app credentials saved yet' },
  response: z.object({ authorizationUrl: z.string(), redirectUri: z.string(), expiresAt: z.string() }),
  async handler({ rt, auth, scope, params, body, req }) {
    const base = rt.config.http.publicUrl ?? body.callbackBaseUrl ?? (req ? `${req.protocol}://${req.get('host')}` : 'http://127.0.0.1');
    const redirectUri = redirectUriFor(base, params.vendor);
    const started = await startConnect(scope, rt.secrets, { vendor: params.vendor, userId: auth.user.id, redirectUri, now: now(rt) });
    return { authorizationUrl: started.authorizationUrl, redirectUri, expiresAt: started.expiresAt.toISOString() };
  },
});

export const completeAccountingConnectRoute = defineRoute({
  id: 'completeAccountingConnect', method: 'post', path: '/tenants/:tenantId/accounting/connections/:vendor/callback', tag: TAG, roles: WRITE,
  summary: 'Complete connecting with the callback\'s parameters',
  description: 'What the vendor sent the browser back with (state, code; QuickBooks also realmId; error when declined). The state must be '
    + 'one this user started for this tenant and vendor, unexpired and unused. With several organisations (Xero) the answer asks to choose one.',
  params: vendorParams,
  body: z.strictObject({ state: z.string().min(1).max(500), code: z.string().max(4000).optional(), realmId: z.string().max(100).optional(), error: z.string().max(500).optional() }),
  example: { state: 'not-a-state', code: 'abc' },
  errors: { 400: 'invalid_state: unknown, used, expired, or another user\'s', 409: 'the user declined, or the grant reaches no organisation' },
  response: z.object({ outcome: z.enum(['connected', 'choose_organisation']), connection: connectionSchema }),
  async handler({ rt, auth, scope, params, body }) {
    return completeConnect(scope, rt.secrets, {
      vendor: params.vendor, userId: auth.user.id, userEmail: auth.user.email, state: body.state, now: now(rt),
      ...(body.code !== undefined ? { code: body.code } : {}), ...(body.realmId !== undefined ? { realmId: body.realmId } : {}),
      ...(body.error !== undefined ? { error: body.error } : {}),
    });
  },
});

export const chooseAccountingOrganisationRoute = defineRoute({
  id: 'chooseAccountingOrganisation', method: 'post', path: '/tenants/:tenantId/accounting/connections/:vendor/organisation', tag: TAG, roles: WRITE,
  summary: 'Choose the organisation, of several the grant reaches',
  params: vendorParams,
  body: z.strictObject({ organisationId: z.string().min(1).max(100) }),
  example: { organisationId: 'org-id' },
  errors: { 409: 'nothing to choose (connect first)' },
  response: connectionSchema,
  async handler({ rt, auth, scope, params, body }) {
    return chooseOrganisation(scope, params.vendor, body.organisationId, auth.user.email, now(rt));
  },
});

export const disconnectAccountingRoute = defineRoute({
  id: 'disconnectAccounting', method: 'delete', path: '/tenants/:tenantId/accounting/connections/:vendor', tag: TAG, roles: WRITE,
  summary: 'Disconnect: revoke the grant at the vendor (best effort) and forget the tokens',
  description: 'The app credentials stay, so Connect works again without entering them.',
  params: vendorParams,
  errors: { 404: 'the vendor is not set up for this tenant' },
  response: z.object({ revoked: z.boolean().describe('the vendor confirmed the revocation'), connection: connectionSchema }),
  async handler({ rt, auth, scope, params }) {
    return disconnect(scope, rt.secrets, params.vendor, auth.user.email, now(rt));
  },
});
