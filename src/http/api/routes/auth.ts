import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ROLES } from '../../../db/entities/index.js';
import { UserError, UserService, viewUser } from '../../../users/service.js';
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

/** Maps the user service's errors onto HTTP. */
export function userHttpError(err: unknown): never {
  if (err instanceof UserError) {
    if (err.code === 'not_found') throw notFound(err.message);
    if (err.code === 'conflict') throw new HttpError(409, 'conflict', err.message);
    const m = /^(\w+): (.*)$/.exec(err.message);
    throw new HttpError(400, 'validation_failed', err.message, [{ path: m ? `body.${m[1]}` : 'body', message: m ? m[2]! : err.message }]);
  }
  throw err;
}

defineRoute({
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

defineRoute({
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

defineRoute({
  id: 'me', method: 'get', path: '/me', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, allowWithOneTimePassword: true,
  summary: 'Who am I',
  response: z.object({ user: userSchema, csrfToken: z.string().nullable() }),
  async handler({ auth }) {
    return { user: viewUser(auth.user), csrfToken: auth.session?.csrfToken ?? null };
  },
});

defineRoute({
  id: 'changePassword', method: 'post', path: '/me/password', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, allowWithOneTimePassword: true,
  summary: 'Change my password',
  body: z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(10).max(256) }),
  example: { currentPassword: 'the one-time password', newPassword: 'a new long passphrase' },
  response: okSchema,
  async handler({ rt, auth, body }) {
    await new UserService(rt.ds).changePassword(auth.user.id, body.currentPassword, body.newPassword).catch(userHttpError);
    return { ok: true as const };
  },
});

const tokenSchema = z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() });

defineRoute({
  id: 'listTokens', method: 'get', path: '/me/tokens', tag: 'Auth', roles: ALL_ROLES, customerScoped: true,
  summary: 'List my API tokens (never their values)',
  response: z.object({ items: z.array(tokenSchema) }),
  async handler({ rt, auth }) {
    const list = await new UserService(rt.ds).tokens(auth.user.id);
    return {
      items: list.map((t) => ({ id: t.id, name: t.name, prefix: t.prefix, createdAt: t.createdAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null })),
    };
  },
});

defineRoute({
  id: 'createToken', method: 'post', path: '/me/tokens', tag: 'Auth', roles: ALL_ROLES, customerScoped: true, status: 201,
  summary: 'Create an API token (its value is shown only in this answer)',
  body: z.strictObject({ name: z.string().trim().min(1).max(100) }),
  example: { name: 'nightly export script' },
  response: tokenSchema.extend({ token: z.string() }),
  async handler({ rt, auth, body }) {
    const { token, record } = await new UserService(rt.ds).createToken(auth.user.id, body.name);
    return { id: record.id, name: record.name, prefix: record.prefix, createdAt: record.createdAt.toISOString(), lastUsedAt: null, token };
  },
});

defineRoute({
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

defineRoute({
  id: 'listUsers', method: 'get', path: '/users', tag: 'Users', roles: ['admin'], globalOnly: true,
  summary: 'List users',
  query: noInput,
  response: z.object({ items: z.array(userSchema) }),
  async handler({ rt, auth }) {
    return { items: (await new UserService(rt.ds).list()).map(viewUser) };
  },
});

defineRoute({
  id: 'createUser', method: 'post', path: '/users', tag: 'Users', roles: ['admin'], globalOnly: true, status: 201,
  summary: 'Create a user',
  description: 'Without a password a one-time password is generated, answered once, and must be changed at first sign-in.',
  body: z.strictObject({
    email: z.email().max(254),
    role: z.enum(ROLES),
    displayName: z.string().trim().min(1).max(200).optional(),
    password: z.string().min(10).max(256).optional(),
    tenantId: uuid.optional(),
    customerId: uuid.optional(),
  }),
  example: { email: 'finance@example.com', role: 'finance' },
  response: z.object({ user: userSchema, oneTimePassword: z.string().nullable() }),
  async handler({ rt, auth, body }) {
    const r = await new UserService(rt.ds).create(body, auth.user.id).catch(userHttpError);
    return { user: viewUser(r.user), oneTimePassword: r.generatedPassword };
  },
});

defineRoute({
  id: 'updateUser', method: 'patch', path: '/users/:userId', tag: 'Users', roles: ['admin'], globalOnly: true,
  summary: 'Disable or enable a user',
  params: z.strictObject({ userId: uuid }),
  body: z.strictObject({ disabled: z.boolean() }),
  example: { disabled: false },
  response: userSchema,
  async handler({ rt, auth, params, body }) {
    if (params.userId === auth.user.id && body.disabled) throw new HttpError(409, 'conflict', 'you cannot disable yourself');
    return viewUser(await new UserService(rt.ds).setDisabled(params.userId, body.disabled, auth.user.id).catch(userHttpError));
  },
});
