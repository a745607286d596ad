import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError, fieldError } from '../common/app-error.js';
import type { DataSource, EntityManager } from 'typeorm';
import { IsNull, Not } from 'typeorm';
import { ApiToken, AuditEvent, Customer, Session, Tenant, User, ROLES, type Role } from '../db/entities/index.js';
import { LOGIN_ACCOUNT_FREE_FAILURES, LOGIN_FREE_FAILURES, LoginThrottle } from './login-throttle.js';
import { passwordProblem } from './password-policy.js';
import { dummyHash, generatePassword, hashPassword, verifyPassword } from './passwords.js';

/** An invalid message of the form `field: why` names that request field (body.field). */
export class UserError extends AppError {
  override name = 'UserError';
  constructor(message: string, override readonly code: 'invalid' | 'not_found' | 'conflict') {
    const m = /^(\w+): (.*)$/.exec(message);
    super(code, message, { code, fields: code === 'invalid' ? fieldError(m ? `body.${m[1]}` : 'body', m ? m[2]! : message) : undefined });
  }
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export const API_TOKEN_PREFIX = 'rct_';
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** An API token's lifetime when none is asked for. */
export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What ending a user's access did: told to whoever changed the password or disabled the user. */
export interface AccessEnded {
  sessionsEnded: number;
  tokensRevoked: number;
}

/** What may be shown about a user: never the hash. */
export interface UserView {
  id: string;
  email: string;
  displayName: string | null;
  role: Role;
  tenantId: string | null;
  customerId: string | null;
  mustChangePassword: boolean;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export function viewUser(u: User): UserView {
  return {
    id: u.id, email: u.email, displayName: u.displayName, role: u.role, tenantId: u.tenantId, customerId: u.customerId,
    mustChangePassword: u.mustChangePassword, disabled: u.disabled, lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

export interface NewUser {
  email: string;
  role: Role;
  displayName?: string | null;
  /** Omit to generate a one-time password (returned once, must be changed at first sign-in). */
  password?: string;
  tenantId?: string | null;
  customerId?: string | null;
}

export type LoginResult =
  | { ok: true; user: User; session: { token: string; csrfToken: string; expiresAt: Date } }
  | { ok: false; reason: 'invalid'; delayMs: number }
  | { ok: false; reason: 'locked'; retryAfterMs: number };

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export class UserService {
  constructor(private readonly ds: DataSource, private readonly now: () => Date = () => new Date()) {}

  private get m(): EntityManager {
    return this.ds.manager;
  }

  async audit(action: string, userId: string | null, tenantId: string | null, detail?: object): Promise<void> {
    await this.m.insert(AuditEvent, {
      id: randomUUID(), at: this.now(), userId, tenantId, action, detail: detail ? JSON.stringify(detail) : null,
    });
  }

  count(): Promise<number> {
    return this.m.count(User);
  }

  list(): Promise<User[]> {
    return this.m.find(User, { order: { email: 'ASC' } });
  }

  async byId(id: string): Promise<User> {
    const u = await this.m.findOneBy(User, { id });
    if (!u) throw new UserError(`no user with id ${id}`, 'not_found');
    return u;
  }

  async byEmail(email: string): Promise<User> {
    const u = await this.m.findOneBy(User, { email: email.trim().toLowerCase() });
    if (!u) throw new UserError(`no user ${email}`, 'not_found');
    return u;
  }

  /** Creates a user; returns the generated one-time password when none was given. */
  async create(input: NewUser, actorId: string | null = null): Promise<{ user: User; generatedPassword: string | null }> {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 254) throw new UserError(`"${input.email}" is not an e-mail address`, 'invalid');
    if (!ROLES.includes(input.role)) throw new UserError(`role must be one of ${ROLES.join(', ')}`, 'invalid');
    const tenantId = input.tenantId ?? null;
    const customerId = input.customerId ?? null;
    if (input.role === 'client' && (!tenantId || !customerId)) {
      throw new UserError('a client user needs a tenant and a customer', 'invalid');
    }
    if (input.role !== 'client' && customerId) throw new UserError('only client users are bound to a customer', 'invalid');
    if (tenantId && !(await this.m.findOneBy(Tenant, { id: tenantId }))) throw new UserError(`no tenant with id ${tenantId}`, 'invalid');
    if (customerId && !(await this.m.findOneBy(Customer, { id: customerId, tenantId: tenantId! }))) {
      throw new UserError(`no customer with id ${customerId} in that tenant`, 'invalid');
    }
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password ?? generated!;
    // A generated one-time password is 20 random characters (~100 bits) and must be changed at first sign-in.
    const problem = generated === null ? await passwordProblem(password, email) : null;
    if (problem) throw new UserError(`password: ${problem}`, 'invalid');
    if (await this.m.findOneBy(User, { email })) throw new UserError(`a user ${email} already exists`, 'conflict');
    const now = this.now();
    const user = this.m.create(User, {
      id: randomUUID(), email, displayName: input.displayName ?? null, passwordHash: await hashPassword(password), role: input.role,
      tenantId, customerId, mustChangePassword: generated !== null, disabled: false, lastLoginAt: null, createdAt: now, updatedAt: now,
    });
    try {
      await this.m.insert(User, user);
    } catch (err) {
      if (/unique|duplicate/i.test((err as Error).message)) throw new UserError(`a user ${email} already exists`, 'conflict');
      throw err;
    }
    await this.audit('user.created', actorId, tenantId, { email, role: input.role });
    return { user, generatedPassword: generated };
  }

  /** Disables (ending every session and revoking every API token, for good) or enables a user; nobody disables themselves (conflict). */
  async setDisabled(id: string, disabled: boolean, actorId: string | null): Promise<{ user: User } & AccessEnded> {
    if (disabled && actorId === id) throw new UserError('you cannot disable yourself', 'conflict');
    const u = await this.byId(id);
    await this.m.update(User, { id }, { disabled, updatedAt: this.now() });
    const ended = disabled ? await this.endAccess(id, null) : { sessionsEnded: 0, tokensRevoked: 0 };
    await this.audit(disabled ? 'user.disabled' : 'user.enabled', actorId, u.tenantId, { email: u.email, ...ended });
    return { user: await this.byId(id), ...ended };
  }

  /**
   * Changes a user's own password. Every other session ends and every API token is revoked (a stolen session or
   * token must not outlive the password change); `keepSessionHash` names the session the change was made from.
   */
  async changePassword(userId: string, current: string, next: string, keepSessionHash: string | null = null): Promise<AccessEnded> {
    const u = await this.byId(userId);
    if (!(await verifyPassword(u.passwordHash, current))) throw new UserError('currentPassword: does not match', 'invalid');
    if (current === next) throw new UserError('newPassword: must differ from the current password', 'invalid');
    const problem = await passwordProblem(next, u.email);
    if (problem) throw new UserError(`newPassword: ${problem}`, 'invalid');
    await this.m.update(User, { id: userId }, { passwordHash: await hashPassword(next), mustChangePassword: false, updatedAt: this.now() });
    const ended = await this.endAccess(userId, keepSessionHash);
    await this.audit('user.password_changed', userId, u.tenantId, { ...ended });
    return ended;
  }

  /** Ends the user's sessions (but the one kept) and revokes their API tokens. */
  private async endAccess(userId: string, keepSessionHash: string | null): Promise<AccessEnded> {
    const sessions = await this.m.delete(Session, keepSessionHash ? { userId, tokenHash: Not(keepSessionHash) } : { userId });
    const tokens = await this.m.update(ApiToken, { userId, revokedAt: IsNull() }, { revokedAt: this.now() });
    return { sessionsEnded: sessions.affected ?? 0, tokensRevoked: tokens.affected ?? 0 };
  }

  // --- sign-in -------------------------------------------------------------------------------

  private attemptKeys(email: string, ip: string): Array<{ key: string; free: number }> {
    const e = email.trim().toLowerCase();
    return [
      { key: sha256(`${e}|${ip}`), free: LOGIN_FREE_FAILURES },
      { key: sha256(`account|${e}`), free: LOGIN_ACCOUNT_FREE_FAILURES },
    ];
  }

  /**
   * Checks e-mail and password, with throttling per account+address and per account (src/users/login-throttle.ts:
   * every attempt is counted atomically before the password is checked); on success opens a session.
   */
  async login(email: string, password: string, ip: string): Promise<LoginResult> {
    const keys = this.attemptKeys(email, ip);
    const now = this.now();
    const throttle = new LoginThrottle(this.ds);
    const claim = await throttle.claim(keys, now);
    if (!claim.ok) return { ok: false, reason: 'locked', retryAfterMs: claim.retryAfterMs };
    const user = await this.m.findOneBy(User, { email: email.trim().toLowerCase() });
    const good = user ? await verifyPassword(user.passwordHash, password) : (await verifyPassword(await dummyHash(), password), false);
    if (!good || !user || user.disabled) {
      await this.audit('login.failed', user?.id ?? null, null, { email: email.trim().toLowerCase().slice(0, 254), ip });
      // A short, growing delay before answering slows guessing within the free attempts too.
      return { ok: false, reason: 'invalid', delayMs: Math.min(2000, 100 * claim.failures) };
    }
    await throttle.clear(keys.map((k) => k.key));
    const session = await this.openSession(user.id, ip);
    await this.m.update(User, { id: user.id }, { lastLoginAt: now });
    await this.audit('login.succeeded', user.id, null, { ip });
    return { ok: true, user, session };
  }

  async openSession(userId: string, ip: string | null): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = randomToken();
    const csrfToken = randomToken();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
    await this.m.insert(Session, { tokenHash: sha256(token), userId, csrfToken, ip: ip?.slice(0, 100) ?? null, createdAt: now, lastSeenAt: now, expiresAt });
    return { token, csrfToken, expiresAt };
  }

  /** The session and its user for a cookie token, sliding the idle expiry; null when unknown or expired. */
  async session(token: string): Promise<{ session: Session; user: User } | null> {
    if (!token || token.length > 200) return null;
    const s = await this.m.findOneBy(Session, { tokenHash: sha256(token) });
    if (!s) return null;
    const now = this.now();
    if (s.expiresAt <= now || now.getTime() - s.createdAt.getTime() > SESSION_MAX_MS) {
      await this.m.delete(Session, { tokenHash: s.tokenHash });
      return null;
    }
    const user = await this.m.findOneBy(User, { id: s.userId });
    if (!user || user.disabled) return null;
    if (now.getTime() - s.lastSeenAt.getTime() > 60_000) {
      s.lastSeenAt = now;
      s.expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
      await this.m.update(Session, { tokenHash: s.tokenHash }, { lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt });
    }
    return { session: s, user };
  }

  async logout(token: string): Promise<void> {
    await this.m.delete(Session, { tokenHash: sha256(token) });
  }

  // --- API tokens ----------------------------------------------------------------------------

  /**
   * Creates a token; the plain value is returned once and only its hash is kept. It expires after `expiresInDays`
   * (default TOKEN_DEFAULT_DAYS; null: never).
   */
  async createToken(userId: string, name: string, expiresInDays: number | null = TOKEN_DEFAULT_DAYS): Promise<{ token: string; record: ApiToken }> {
    if (expiresInDays !== null && (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > TOKEN_MAX_DAYS)) {
      throw new UserError(`expiresInDays: must be a whole number of days from 1 to ${TOKEN_MAX_DAYS}`, 'invalid');
    }
    const u = await this.byId(userId);
    const token = API_TOKEN_PREFIX + randomToken();
    const now = this.now();
    const record = this.m.create(ApiToken, {
      id: randomUUID(), userId: u.id, name: name.slice(0, 100) || 'token', tokenHash: sha256(token), prefix: token.slice(0, 10),
      createdAt: now, lastUsedAt: null, revokedAt: null, expiresAt: expiresInDays === null ? null : new Date(now.getTime() + expiresInDays * DAY_MS),
    });
    await this.m.insert(ApiToken, record);
    await this.audit('token.created', u.id, u.tenantId, { name: record.name, prefix: record.prefix, expiresAt: record.expiresAt?.toISOString() ?? null });
    return { token, record };
  }

  /** The user's tokens not revoked, expired ones included (shown as expired until revoked). */
  tokens(userId: string): Promise<ApiToken[]> {
    return this.m.find(ApiToken, { where: { userId, revokedAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  async revokeToken(userId: string, tokenId: string): Promise<boolean> {
    const res = await this.m.update(ApiToken, { id: tokenId, userId, revokedAt: IsNull() }, { revokedAt: this.now() });
    if (res.affected) await this.audit('token.revoked', userId, null, { tokenId });
    return (res.affected ?? 0) > 0;
  }

  async authenticateToken(token: string): Promise<User | null> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
    const rec = await this.m.findOneBy(ApiToken, { tokenHash: sha256(token) });
    if (!rec || rec.revokedAt) return null;
    const now = this.now();
    if (rec.expiresAt && rec.expiresAt <= now) return null;
    const user = await this.m.findOneBy(User, { id: rec.userId });
    if (!user || user.disabled) return null;
    if (!rec.lastUsedAt || now.getTime() - rec.lastUsedAt.getTime() > 60_000) {
      await this.m.update(ApiToken, { id: rec.id }, { lastUsedAt: now });
    }
    return user;
  }
}
