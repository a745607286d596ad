import type { Response } from 'express';
import { RawJson, toJson } from '../money.js';

export type BodyFault = 'truncated' | 'malformed';

/**
 * Every sandbox JSON response goes through here (a `RawJson` body is sent verbatim), so an injected body fault (set by the fault
 * middleware in `res.locals.bodyFault`) can damage it: `truncated` cuts the body in half
 * (no Content-Length, the stream just ends), `malformed` breaks the syntax of a complete body.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = body instanceof RawJson ? body.text : toJson(body);
  const fault = res.locals['bodyFault'] as BodyFault | undefined;
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  if (fault === 'truncated') {
    res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    res.end();
    return;
  }
  if (fault === 'malformed') {
    const broken = text.replace(/":/, '" ').replace(/\}$/, ',}');
    res.setHeader('Content-Length', Buffer.byteLength(broken));
    res.end(broken);
    return;
  }
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
