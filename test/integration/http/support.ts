import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { Runtime } from '../../../src/app/runtime.js';
import { createHttpApp } from '../../../src/http/app.js';
import { createScheduler } from '../../../src/app/scheduler.js';
import type { Scheduler } from '../../../src/jobs/scheduler.js';
import { clearJobHandlers } from '../../../src/jobs/handlers.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { UserService } from '../../../src/users/service.js';
import type { Role, Tenant } from '../../../src/db/entities/index.js';
import { freshDatabase, testSecretBox } from '../../support/database.js';

export interface TestApp {
  rt: Runtime;
  ds: DataSource;
  url: string;
  server: RunningServer;
  users: UserService;
  /** Set when started with `{ scheduler: true }`: the running scheduler the app queues through. */
  scheduler?: Scheduler;
  close(): Promise<void>;
}

/**
 * The real app on a random port over the real (fresh) test database. Without `scheduler`, "sync now" queues jobs
 * that nothing runs (as in a `recurra start --no-scheduler` process); with it, the app runs them, as `recurra start` does.
 */
export async function startApp(
  overrides: Partial<Runtime['config']> = {},
  opts: { scheduler?: boolean; logger?: Runtime['logger']; clock?: Runtime['clock'] } = {},
): Promise<TestApp> {
  const ds = await freshDatabase();
  const config = { ...loadConfig({ RECURRA_ENV: 'test' }), ...overrides };
  const rt: Runtime = { config, logger: opts.logger ?? createLogger('silent'), ds, secrets: testSecretBox(), clock: opts.clock, close: async () => { if (ds.isInitialized) await ds.destroy(); } };
  let scheduler: Scheduler | undefined;
  if (opts.scheduler) {
    scheduler = createScheduler(rt, { processEveryMs: 100, retry: { retries: 0, delayMs: 10 }, syncOrderWaitMs: 200 });
    await scheduler.repository.purgeAllJobs();
    await scheduler.start();
  }
  const server = await listen(createHttpApp(rt, { scheduler }), '127.0.0.1', 0);
  return {
    rt, ds, url: server.url, server, users: new UserService(ds), scheduler,
    async close() {
      await server.close();
      if (scheduler) {
        await scheduler.stop();
        clearJobHandlers();
      }
      await rt.close();
    },
  };
}

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  password: string;
  token: string;
  tenantId: string | null;
  customerId: string | null;
}

export async function addUser(
  app: TestApp,
  role: Role,
  opts: { tenant?: Tenant | null; customerId?: string | null; label?: string } = {},
): Promise<TestUser> {
  const email = `${opts.label ?? role}-${randomUUID().slice(0, 8)}@example.test`;
  const password = `pw-${randomUUID()}`;
  const { user } = await app.users.create({ email, role, password, tenantId: opts.tenant?.id ?? null, customerId: opts.customerId ?? null });
  const { token } = await app.users.createToken(user.id, 'test');
  return { id: user.id, email, role, password, token, tenantId: user.tenantId, customerId: user.customerId };
}

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export async function call(
  app: TestApp,
  method: string,
  path: string,
  opts: { token?: string; cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.csrf) headers['x-csrf-token'] = opts.csrf;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(app.url + path, {
    method: method.toUpperCase(), headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: 'manual',
  });
  const text = await res.text();
  let body: unknown = undefined;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body, text, headers: res.headers };
}

/** Validates answers against the served OpenAPI document with ajv (JSON Schema 2020-12). */
export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(readonly doc: any) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: doc.components } as object);
  }

  operation(method: string, openApiPath: string): any {
    return this.doc.paths?.[openApiPath]?.[method.toLowerCase()];
  }

  /** Returns a list of problems (empty when the answer matches the document). */
  check(method: string, openApiPath: string, status: number, body: unknown, contentType: string | null): string[] {
    const op = this.operation(method, openApiPath);
    if (!op) return [`${method.toUpperCase()} ${openApiPath} is not in the document`];
    const resp = op.responses[String(status)];
    if (!resp) return [`${method.toUpperCase()} ${openApiPath}: status ${status} is not documented`];
    const types = Object.keys(resp.content ?? {});
    if (types.length && contentType && !types.some((t) => contentType.startsWith(t))) {
      return [`${method.toUpperCase()} ${openApiPath} ${status}: content type ${contentType} not among ${types.join(', ')}`];
    }
    const media = resp.content?.['application/json'];
    if (!media) return [];
    const key = `${method} ${openApiPath} ${status}`;
    let validate = this.cache.get(key);
    if (!validate) {
      const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi#/components/'));
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    if (validate(body)) return [];
    return [`${key}: ${this.ajv.errorsText(validate.errors)} in ${String(JSON.stringify(body)).slice(0, 300)}`];
  }
}

/** Signs `user` in through the web form at `baseUrl` (the app's own or a server wrapping it); answers the session cookie. */
export async function webSessionCookie(baseUrl: string, user: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: user.email, password: user.password, next: '/' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${baseUrl}/login` },
  });
  if (res.status !== 303) throw new Error(`signing in ${user.email} answered ${res.status}, not 303`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}
