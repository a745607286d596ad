import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { AppError, apiCodeOf, type ErrorKind, type FieldError } from '../../common/app-error.js';
import { Pax8Error } from '../../pax8/client/errors.js';

export type { FieldError } from '../../common/app-error.js';

/** The one mapping of error kinds onto HTTP statuses (API answers and web pages alike). */
export const KIND_STATUS = {
  invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, rate_limited: 429,
  internal: 500, upstream: 502, unavailable: 503,
} as const satisfies Record<ErrorKind, number>;
export type HttpStatus = (typeof KIND_STATUS)[ErrorKind];
const STATUS_KIND = Object.fromEntries(Object.entries(KIND_STATUS).map(([k, s]) => [s, k])) as Record<HttpStatus, ErrorKind>;

/** An error the HTTP layer itself raises (sign-in, roles, CSRF, request shape), with the API code it answers. */
export class HttpError extends AppError {
  override name = 'HttpError';
  constructor(
    status: HttpStatus,
    code: string,
    message: string,
    fields?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(STATUS_KIND[status], message, { code, apiCode: code, fields });
  }

  get status(): number {
    return KIND_STATUS[this.kind];
  }
}

/** What the API answers for a known error, and what a web page shows: status, code, message, fields, headers. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  fields?: FieldError[];
  headers?: Record<string, string>;
}

/**
 * The one place errors become HTTP answers: an AppError by its kind (internal ones are not told: null), a Pax8
 * failure as 502 pax8_error. Null for anything else (a real server error, logged by the caller).
 */
export function problemOf(err: unknown): Problem | null {
  if (err instanceof AppError) {
    if (err.kind === 'internal' && !(err instanceof HttpError)) return null;
    const headers = err instanceof HttpError ? err.headers : undefined;
    return {
      status: KIND_STATUS[err.kind], code: apiCodeOf(err), message: err.publicMessage ?? err.message,
      ...(err.fields?.length ? { fields: err.fields } : {}),
      ...(headers ? { headers } : err.retryAfterSeconds !== undefined ? { headers: { 'Retry-After': String(err.retryAfterSeconds) } } : {}),
    };
  }
  if (err instanceof Pax8Error) return { status: KIND_STATUS.upstream, code: 'pax8_error', message: err.message };
  return null;
}

export const notFound = (what = 'not found') => new HttpError(404, 'not_found', what);

export function zodFields(err: z.ZodError, prefix: string): FieldError[] {
  return err.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
}

export function validationError(fields: FieldError[]): HttpError {
  return new HttpError(400, 'validation_failed', `invalid request: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
}

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      requestId: z.string(),
    }),
  });

export function errorBody(req: Request, code: string, message: string, fields?: FieldError[]) {
  return { error: { code, message, ...(fields?.length ? { fields } : {}), requestId: req.id } };
}

/**
 * A request the body parser (or express) refused: oversize (413), not JSON, nested too deeply (400), an unsupported
 * charset or content encoding (415), a body cut short (400). Null for anything else (a real server error).
 */
export function requestProblem(err: unknown): { status: number; code: string; message: string } | null {
  const e = err as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
  switch (e.type) {
    case 'entity.parse.failed': return { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' };
    case 'entity.too.large': return { status: 413, code: 'too_large', message: 'the request body is too large' };
    case 'entity.too.deep': return { status: 400, code: 'too_deep', message: (err as Error).message };
    case 'charset.unsupported': case 'encoding.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: 'unsupported charset or content encoding' };
    default:
      if (status >= 400 && status < 500 && e.expose !== false) return { status, code: 'bad_request', message: 'the request could not be read' };
      return null;
  }
}

/** Express error handler for the API: known errors (problemOf, requestProblem) in the one shape, anything else a logged 500. */
export function apiErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const known = problemOf(err);
  if (known) {
    if (known.headers) for (const [k, v] of Object.entries(known.headers)) res.setHeader(k, v);
    res.status(known.status).json(errorBody(req, known.code, known.message, known.fields));
    return;
  }
  const problem = requestProblem(err);
  if (problem) {
    res.status(problem.status).json(errorBody(req, problem.code, problem.message));
    return;
  }
  req.log?.error({ err }, 'unhandled API error');
  res.status(500).json(errorBody(req, 'internal', 'internal error'));
}
