import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ROLES, type ApiToken } from '../../../db/entities/index.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../../users/password-policy.js';
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, UserError, UserService, viewUser, type AccessEnded } from '../../../users/service.js';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../../auth.js';
import { HttpError, notFound } from '../errors.js';
import { defineRoute, noInput, okSchema, uuid } from '../route.js';

export const ALL_ROLES = ROLES;
export const STAFF = ['admin', 'finance', 'reviewer'] as const;

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(ROLES),
  tenantId: z.string().nullable(),
  customerId: z.string().nullable(),
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});

/** A new password's length as the API checks it; the rest of the rule is src/users/password-policy.ts. */
const newPassword = z.string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

const accessEnded = { sessionsEnded: z.number().int(), tokensRevoked: z.number().int() };

export const loginRoute = defineRoute({
  id: 'login', method: 'post', path: '/auth/login', tag: 'Auth', public: true, roles: [],
  summary: 'Sign in with e-mail and password (sets the session cookie)',
  description: 'Answers the CSRF token to send as X-CSRF-Token on state-changing requests. Repeated failures for one account and address are slowed down and then locked out for a while (429).',
  body: z.strictObject({ email: z.string().min(1).max(254), password: z.string().min(1).max(256) }),
  example: { email: 'admin@localhost', password: 'correct horse battery staple' },
  response: z.object({ user: userSchema, csrfToken: z.string() }),
  async handler({ rt, body, req, res }) {
    const users = new UserService(rt.ds);
    const r = await users.login(body.email, body.password, req?.ip ?? 'unknown');
    if (!r.ok) {
      if (r.reason === 'locked') {
        const secs = Math.ceil(r.retryAfterMs / 1000);
        throw new HttpError(429, 'locked', `too many failed sign-ins; try again in ${secs} s`, undefined, { 'Retry-After': String(secs) });
      }
      await sleep(r.delayMs);
      throw new HttpError(401, 'invalid_credentials', 'wrong e-mail or password');
    }
    if (req && res) setSessionCookie(rt, req, res, r.session.token, r.session.expiresAt);
    return { user: viewUser(r.user), csrfToken: r.session.csrfToken };
  },
});

export const logoutRoute = defineRoute({
  id: 'logout', method: 'post', path: '/auth/logout', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, allowWithOneTimePassword: true,
  summary: 'Sign out (ends this session)',
  response: okSchema,
  async handler({ rt, req, res }) {
    const token = (req?.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) await new UserService(rt.ds).logout(token);
    if (req && res) clearSessionCookie(rt, req, res);
    return { ok: true as const };
  },
});

export const meRoute = defineRoute({
  id: 'me', method: 'get', path: '/me', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, allowWithOneTimePassword: true,
  summary: 'Who am I',
  response: z.object({ user: userSchema, csrfToken: z.string().nullable() }),
  async handler({ auth }) {
    return { user: viewUser(auth.user), csrfToken: auth.session?.csrfToken ?? null };
  },
});

export const changePasswordRoute = defineRoute({
  id: 'changePassword', method: 'post', path: '/me/password', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, allowWithOneTimePassword: true,
  summary: 'Change my password',
  description: `At least ${MIN_PASSWORD_LENGTH} characters, not a common or easily guessed password, not containing the e-mail address. `
    + 'Ends every other session of the user and revokes all their API tokens (the session making the change stays); the answer says how many.',
  body: z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword }),
  example: { currentPassword: 'the one-time password', newPassword: 'plum orbit kettle 93' },
  response: okSchema.extend(accessEnded),
  async handler({ rt, auth, body }) {
    const ended: AccessEnded = await new UserService(rt.ds)
      .changePassword(auth.user.id, body.currentPassword, body.newPassword, auth.via === 'session' ? auth.session!.tokenHash : null);
    return { ok: true as const, ...ended };
  },
});

const tokenSchema = z.object({
  id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(), expired: z.boolean(),
});

function viewToken(t: ApiToken, now = new Date()) {
  return {
    id: t.id, name: t.name, prefix: t.prefix, createdAt: t.createdAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null, expired: t.expiresAt !== null && t.expiresAt <= now,
  };
}

export const listTokensRoute = defineRoute({
  id: 'listTokens', method: 'get', path: '/me/tokens', tag: 'Auth', roles: ALL_ROLES, customerScoped: true,
  summary: 'List my API tokens (never their values), expired ones included until revoked',
  response: z.object({ items: z.array(tokenSchema) }),
  async handler({ rt, auth }) {
    return { items: (await new UserService(rt.ds).tokens(auth.user.id)).map((t) => viewToken(t)) };
  },
});

export const createTokenRoute = defineRoute({
  id: 'createToken', method: 'post', path: '/me/tokens', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, status: 201,
  summary: 'Create an API token (its value is shown only in this answer)',
  description: `The token expires after \`expiresInDays\` (default ${TOKEN_DEFAULT_DAYS}; \`null\`: never); an expired token answers 401.`,
  body: z.strictObject({
    name: z.string().trim().min(1).max(100),
    expiresInDays: z.number().int().min(1).max(TOKEN_MAX_DAYS).nullable().optional(),
  }),
  example: { name: 'nightly export script', expiresInDays: TOKEN_DEFAULT_DAYS },
  response: tokenSchema.extend({ token: z.string() }),
  async handler({ rt, auth, body }) {
    const days = body.expiresInDays === undefined ? TOKEN_DEFAULT_DAYS : body.expiresInDays;
    const { token, record } = await new UserService(rt.ds).createToken(auth.user.id, body.name, days);
    return { ...viewToken(record), token };
  },
});

export const revokeTokenRoute = defineRoute({
  id: 'revokeToken', method: 'delete', path: '/me/tokens/:tokenId', tag: 'Auth', roles: ALL_ROLES, customerScoped: true,
  summary: 'Revoke one of my API tokens',
  params: z.strictObject({ tokenId: uuid }),
  response: okSchema,
  async handler({ rt, auth, params }) {
    if (!(await new UserService(rt.ds).revokeToken(auth.user.id, params.tokenId))) throw notFound('token not found');
    return { ok: true as const };
  },
});

// --- user administration (admins with access to every tenant) --------------------------------

export const listUsersRoute = defineRoute({
  id: 'listUsers', method: 'get', path: '/users', tag: 'Users', roles: ['admin'], globalOnly: true,
  summary: 'List users',
  query: noInput,
  response: z.object({ items: z.array(userSchema) }),
  async handler({ rt, auth }) {
    return { items: (await new UserService(rt.ds).list()).map(viewUser) };
  },
});

export const createUserRoute = defineRoute({
  id: 'createUser', method: 'post', path: '/users', tag: 'Users', roles: ['admin'], globalOnly: true, status: 201,
  summary: 'Create a user',
  description: 'Without a password a one-time password is generated, answered once, and must be changed at first sign-in.',
  body: z.strictObject({
    email: z.email().max(254),
    role: z.enum(ROLES),
    displayName: z.string().trim().min(1).max(200).optional(),
    password: newPassword.optional(),
    tenantId: uuid.optional(),
    customerId: uuid.optional(),
  }),
  example: { email: 'finance@example.com', role: 'finance' },
  response: z.object({ user: userSchema, oneTimePassword: z.string().nullable() }),
  async handler({ rt, auth, body }) {
    const r = await new UserService(rt.ds).create(body, auth.user.id);
    return { user: viewUser(r.user), oneTimePassword: r.generatedPassword };
  },
});

export const updateUserRoute = defineRoute({
  id: 'updateUser', method: 'patch', path: '/users/:userId', tag: 'Users', roles: ['admin'], globalOnly: true,
  summary: 'Disable or enable a user',
  description: 'Disabling ends every session of the user and revokes all their API tokens (enabling again does not revive them); the answer says how many.',
  params: z.strictObject({ userId: uuid }),
  body: z.strictObject({ disabled: z.boolean() }),
  example: { disabled: false },
  response: userSchema.extend(accessEnded),
  async handler({ rt, auth, params, body }) {
    const r = await new UserService(rt.ds).setDisabled(params.userId, body.disabled, auth.user.id);
    return { ...viewUser(r.user), sessionsEnded: r.sessionsEnded, tokensRevoked: r.tokensRevoked };
  },
});
