import type { Request, Response } from 'express';
import { sendJson } from './send.js';

/** Pax8's error body: `{type, message, instance, status, details: []}`. */
export function errorBody(status: number, type: string, message: string, instance: string): Record<string, unknown> {
  return { type, message, instance, status, details: [] };
}

export function sendError(req: Request, res: Response, status: number, type: string, message: string): void {
  sendJson(res, status, errorBody(status, type, message, req.originalUrl.split('?')[0]!));
}

/** The other shape some rejected subscription changes use: `{errors: [string]}`. */
export function sendErrors(res: Response, status: number, errors: string[]): void {
  sendJson(res, status, { errors });
}

export function notFound(req: Request, res: Response, what: string, id: string): void {
  sendError(req, res, 404, 'NOT_FOUND', `${what} with id ${id} not found`);
}
