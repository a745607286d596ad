import type { Request, Response } from 'express';
import { SandboxError } from '../data.js';
import { sendError, sendErrors } from '../http/errors.js';
import { BadRequest } from '../http/paging.js';

/** Wraps a route: BadRequest → 400, SandboxError → its status (with `{errors}` if it has them). */
export function handle(fn: (req: Request, res: Response) => void) {
  return (req: Request, res: Response): void => {
    try {
      fn(req, res);
    } catch (err) {
      if (err instanceof BadRequest) sendError(req, res, 400, 'BAD_REQUEST', err.message);
      else if (err instanceof SandboxError) {
        if (err.errors) sendErrors(res, err.status, err.errors);
        else sendError(req, res, err.status, err.type, err.message);
      } else {
        sendError(req, res, 500, 'INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : String(err));
      }
    }
  };
}

export function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}
