import { z } from 'zod';
import { allRoutes, isTenantRoute, type RouteDef } from './route.js';
import { errorBodySchema } from './errors.js';
import { documentClientView } from './client-views.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const s = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
  delete s.$schema;
  return s;
}

export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(def: RouteDef): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', def.params], ['query', def.query]] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input');
    const props = (js.properties ?? {}) as Record<string, Json>;
    const required = new Set((js.required as string[] | undefined) ?? []);
    for (const [name, p] of Object.entries(props)) {
      const { description, ...rest } = p;
      out.push({
        name, in: where, required: where === 'path' ? true : required.has(name) && rest.default === undefined,
        ...(description ? { description } : {}), schema: rest,
      });
    }
  }
  return out;
}

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'invalid request; `fields` names each invalid field',
  '401': 'not signed in',
  '403': 'role not allowed, CSRF token missing, or password change required',
  '404': 'no such object in this tenant (also for other tenants\' objects)',
};

const ROLE_NOTE = (def: RouteDef) =>
  `Roles: ${def.roles.join(', ')}.${isTenantRoute(def) ? ' Tenant-scoped: another tenant answers 404.' : ''}${def.customerScoped ? ' Client users see only their own customer, and none of the MSP\'s cost, margin or partner prices.' : ''}`;

/** The success answer's schema; on routes clients may call, the fields they do not receive are optional (src/http/api/client-views.ts). */
function responseSchema(def: RouteDef): Json {
  const s = jsonSchema(def.response, 'output');
  return def.roles.includes('client') ? documentClientView(def.id, s) : s;
}

/** The OpenAPI 3.1 document, generated from the same registry that mounts the routes. */
export function buildOpenApi(serverUrl = '/api/v1'): Json {
  const paths: Record<string, Json> = {};
  for (const def of allRoutes()) {
    const p = (paths[openApiPath(def.path)] ??= {});
    const status = String(def.status ?? 200);
    const responses: Json = {
      [status]: def.produces
        ? { description: 'the file', content: { [def.produces]: { schema: { type: 'string' } } } }
        : { description: 'success', content: { 'application/json': { schema: responseSchema(def) } } },
    };
    const errors: Record<string, string> = { ...ERROR_RESPONSES };
    if (def.method !== 'get') {
      errors['409'] = 'conflicts with the current state (already exists, turned off by a setting, refused)';
      errors['502'] = 'Pax8 failed or refused the change';
    }
    Object.assign(errors, def.errors ?? {});
    if (def.produces === 'application/pdf') errors['503'] = 'Chromium is not installed on the server';
    if (def.public) errors['429'] = 'too many failed attempts: locked for Retry-After seconds';
    for (const [code, description] of Object.entries(errors)) {
      responses[code] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    p[def.method] = {
      operationId: def.id,
      tags: [def.tag],
      summary: def.summary,
      description: [def.description, ROLE_NOTE(def)].filter(Boolean).join('\n\n'),
      parameters: parameters(def),
      ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body, 'input'), ...(def.example !== undefined ? { example: def.example } : {}) } } } } : {}),
      responses,
      security: [{ bearer: [] }, { session: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Recurra API',
      version: '1',
      description:
        'Billing engine for MSPs reselling Pax8 licences. Authenticate with `Authorization: Bearer rct_...` ' +
        '(`recurra users token EMAIL`) or the web app\'s session cookie plus `X-CSRF-Token` on state-changing requests. ' +
        'Lists take `page` (0-based), `size` and `sort=field,asc|desc` and answer `{items, page}`.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (rct_...)' },
        session: { type: 'apiKey', in: 'cookie', name: 'recurra_session' },
      },
    },
  };
}
