import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/** Every error the API answers has this one shape: {error: {code, message, fields?, requestId}}. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
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

/** Express error handler for the API: known errors in the one shape, anything else a logged 500. */
export function apiErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof HttpError) {
    if (err.headers) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    res.status(err.status).json(errorBody(req, err.code, err.message, err.fields));
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
