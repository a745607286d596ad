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

/** Express error handler for the API: known errors in the one shape, anything else a logged 500. */
export function apiErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof HttpError) {
    if (err.headers) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    res.status(err.status).json(errorBody(req, err.code, err.message, err.fields));
    return;
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') {
    res.status(400).json(errorBody(req, 'invalid_json', 'the request body is not valid JSON'));
    return;
  }
  if (e?.type === 'entity.too.large') {
    res.status(413).json(errorBody(req, 'too_large', 'the request body is too large'));
    return;
  }
  req.log?.error({ err }, 'unhandled API error');
  res.status(500).json(errorBody(req, 'internal', 'internal error'));
}
