import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime.js';
import { randomUUID } from 'node:crypto';
import { AuditEvent, Tenant, type Role, type Session, type User } from '../../db/entities/index.js';
import { TenantScope } from '../../db/tenant-scope.js';
import { HttpError, notFound, validationError, zodFields } from './errors.js';
import { clientView, hasClientView } from './client-views.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Auth {
  user: User;
  via: 'session' | 'token';
  session?: Session;
}

interface BaseContext<P, Q, B> {
  rt: Runtime;
  params: P;
  query: Q;
  body: B;
  req?: Request;
  res?: Response;
}

/** What a public route's handler gets (signing in, Pax8's webhook deliveries): validated input, no caller. */
export interface PublicRouteContext<P, Q, B> extends BaseContext<P, Q, B> {
  auth: null;
}

/** What a signed-in route's handler gets: validated input and the caller. */
export interface UserRouteContext<P, Q, B> extends BaseContext<P, Q, B> {
  auth: Auth;
  /** For client users: the only customer whose data they may see. Handlers of client routes filter by it. */
  onlyCustomerId: string | null;
}

/** What a tenant route's handler gets (path contains :tenantId): also the tenant, after the caller's access was checked, and its scope. */
export interface TenantRouteContext<P, Q, B> extends UserRouteContext<P, Q, B> {
  tenant: Tenant;
  scope: TenantScope;
}

/** A tenant route's context: the one most handlers and their helpers take. */
export type RouteContext<P, Q, B> = TenantRouteContext<P, Q, B>;

export type AnyRouteContext<P = unknown, Q = unknown, B = unknown> = PublicRouteContext<P, Q, B> | UserRouteContext<P, Q, B> | TenantRouteContext<P, Q, B>;

type AnyObj = z.ZodObject<z.ZodRawShape>;

export interface RouteDef<
  P extends AnyObj = AnyObj,
  Q extends AnyObj = AnyObj,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  I extends string = string,
  C extends AnyRouteContext<z.output<P>, z.output<Q>, z.output<B>> = AnyRouteContext<z.output<P>, z.output<Q>, z.output<B>>,
> {
  /** OpenAPI operationId. */
  id: I;
  method: Method;
  /** Express-style path under /api/v1, e.g. /tenants/:tenantId/customers/:customerId */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Roles allowed; 'client' only on routes whose handler filters by ctx.onlyCustomerId (customerScoped). */
  roles: readonly Role[];
  customerScoped?: boolean;
  /** Only for users with access to every tenant (creating tenants, managing users). */
  globalOnly?: boolean;
  /** No sign-in needed (signing in itself). */
  public?: boolean;
  /** Routes a user with a one-time password may call (changing it, signing out, who am I). */
  allowWithOneTimePassword?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Further documented error answers (status → when). */
  errors?: Record<string, string>;
  /** A valid body: shown in the OpenAPI document (the route matrix test sends it too). */
  example?: z.input<B>;
  response: R;
  status?: number;
  /** Non-JSON answers (CSV, PDF, HTML): the handler writes to ctx.res itself. */
  produces?: string;
  /** Its context follows from the declaration (defineRoute): public, tenant (path has :tenantId) or signed-in. */
  handler(ctx: C): Promise<z.input<R>>;
}

const registry: RouteDef[] = [];

type Out<S extends z.ZodType> = z.output<S>;

/**
 * Declares a route; both the express routes and the OpenAPI document come from the registry. Its handler's context
 * follows from the declaration: a public route's has no caller, a route whose path names :tenantId has the tenant and
 * its scope, any other has the caller.
 */
export function defineRoute<P extends AnyObj, Q extends AnyObj, B extends z.ZodType, R extends z.ZodType, const I extends string>(
  def: RouteDef<P, Q, B, R, I, PublicRouteContext<Out<P>, Out<Q>, Out<B>>> & { public: true },
): RouteDef<P, Q, B, R, I, PublicRouteContext<Out<P>, Out<Q>, Out<B>>>;
export function defineRoute<P extends AnyObj, Q extends AnyObj, B extends z.ZodType, R extends z.ZodType, const I extends string>(
  def: RouteDef<P, Q, B, R, I, TenantRouteContext<Out<P>, Out<Q>, Out<B>>> & { path: `${string}:tenantId${string}`; public?: false },
): RouteDef<P, Q, B, R, I, TenantRouteContext<Out<P>, Out<Q>, Out<B>>>;
export function defineRoute<P extends AnyObj, Q extends AnyObj, B extends z.ZodType, R extends z.ZodType, const I extends string>(
  def: RouteDef<P, Q, B, R, I, UserRouteContext<Out<P>, Out<Q>, Out<B>>> & { public?: false },
): RouteDef<P, Q, B, R, I, UserRouteContext<Out<P>, Out<Q>, Out<B>>>;
export function defineRoute(def: RouteDef): RouteDef {
  if (def.roles.includes('client') && !def.customerScoped) {
    throw new Error(`route ${def.id}: the client role is only allowed on customer-scoped routes`);
  }
  if (def.roles.includes('client') && def.path.includes(':tenantId') && !hasClientView(def.id)) {
    throw new Error(`route ${def.id}: a tenant route open to clients needs its client view in src/http/api/client-views.ts`);
  }
  if (registry.some((r) => r.id === def.id)) throw new Error(`route ${def.id} defined twice`);
  if (registry.some((r) => r.method === def.method && r.path === def.path)) throw new Error(`route ${def.method} ${def.path} defined twice`);
  registry.push(def);
  return def;
}

export function allRoutes(): readonly RouteDef[] {
  return registry;
}

export function isTenantRoute(def: RouteDef): boolean {
  return def.path.includes(':tenantId');
}

export interface Input {
  params?: unknown;
  query?: unknown;
  body?: unknown;
}

function parseBody(schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(zodFields(r.error, 'body'));
  return r.data;
}

/** Params and query: an object (empty when the route declares none). */
function parseObject(schema: AnyObj | undefined, value: unknown, where: 'params' | 'query'): z.output<AnyObj> {
  if (!schema) return {};
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw validationError(zodFields(r.error, where));
  return r.data;
}

/**
 * Runs one route for an authenticated caller: role, tenant, validation, handler, response shape.
 * The API and the web pages both go through here, so both enforce the same rules.
 */
export async function invokeRoute(
  rt: Runtime,
  def: RouteDef,
  auth: Auth | null,
  input: Input,
  http?: { req: Request; res: Response },
): Promise<unknown> {
  if (!auth && !def.public) throw new HttpError(401, 'unauthenticated', 'sign in or send an API token');
  if (def.public || !auth) {
    const ctx: PublicRouteContext<z.output<AnyObj>, z.output<AnyObj>, unknown> = {
      rt, auth: null, params: parseObject(def.params, input.params, 'params'), query: parseObject(def.query, input.query, 'query'),
      body: parseBody(def.body, input.body), req: http?.req, res: http?.res,
    };
    return def.response.parse(await def.handler(ctx));
  }
  const user = auth.user;
  if (user.mustChangePassword && !def.allowWithOneTimePassword) {
    throw new HttpError(403, 'password_change_required', 'choose a new password first (POST /api/v1/me/password)');
  }
  if (!def.roles.includes(user.role)) throw new HttpError(403, 'forbidden', refusalFor(def.summary, user.role, def.roles));
  if (def.globalOnly && user.tenantId) throw new HttpError(403, 'forbidden', `only users of all tenants may ${def.summary.toLowerCase()}`);
  let tenant: Tenant | null = null;
  if (isTenantRoute(def)) {
    const tenantId = String((input.params as Record<string, unknown> | undefined)?.tenantId ?? '');
    // Someone else's tenant is answered exactly like a missing one.
    if (user.tenantId && user.tenantId !== tenantId) throw notFound('tenant not found');
    tenant = await rt.ds.manager.findOneBy(Tenant, { id: tenantId.slice(0, 36) });
    if (!tenant) throw notFound('tenant not found');
  }
  const userCtx: UserRouteContext<z.output<AnyObj>, z.output<AnyObj>, unknown> = {
    rt, auth, params: parseObject(def.params, input.params, 'params'), query: parseObject(def.query, input.query, 'query'),
    body: parseBody(def.body, input.body), onlyCustomerId: user.role === 'client' ? user.customerId : null, req: http?.req, res: http?.res,
  };
  const ctx: AnyRouteContext<z.output<AnyObj>, z.output<AnyObj>, unknown> = tenant
    ? { ...userCtx, tenant, scope: new TenantScope(rt.ds.manager, tenant.id) }
    : userCtx;
  const result = await def.handler(ctx);
  if (def.method !== 'get') {
    // Who changed what (ids only: bodies may hold secrets).
    await rt.ds.manager.insert(AuditEvent, {
      id: randomUUID(), at: new Date(), userId: user.id, tenantId: tenant?.id ?? null, action: `api.${def.id}`,
      detail: JSON.stringify({ via: auth.via, params: input.params ?? {} }).slice(0, 4000),
    });
  }
  if (def.produces) return result;
  const out = def.response.safeParse(result);
  if (!out.success) {
    rt.logger.error({ route: def.id, issues: out.error.issues.slice(0, 5) }, 'response does not match its declared schema');
    throw new HttpError(500, 'internal', 'internal error');
  }
  // A client receives only what its route's allow-list names (never cost, margin or partner prices).
  return user.role === 'client' ? clientView(def.id, out.data) : out.data;
}

// --- schemas shared by many routes ------------------------------------------------------------

export const uuid = z.string().regex(/^[0-9a-fA-F-]{36}$/, 'an id (UUID)');
export const tenantParams = z.strictObject({ tenantId: uuid });
export const okSchema = z.object({ ok: z.literal(true) });
export const noInput = z.strictObject({});

export function routeById(id: string): RouteDef {
  const def = registry.find((r) => r.id === id);
  if (!def) throw new Error(`no route ${id}`);
  return def;
}

/** "Only admin and finance users can use this: the licence event log. You are signed in as a reviewer." (the summary's details in brackets left out). */
export function refusalFor(summary: string, role: string, roles: readonly string[]): string {
  const trimmed = summary.replace(/\s*\([^)]*\)\s*$/, '');
  const what = /^[A-Z][a-z]/.test(trimmed) ? trimmed[0]!.toLowerCase() + trimmed.slice(1) : trimmed;
  const who = roles.length > 1 ? `${roles.slice(0, -1).join(', ')} and ${roles[roles.length - 1]}` : roles[0] ?? 'no';
  return `Only ${who} users can use this: ${what}. You are signed in as ${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role}.`;
}
