import { parseExactJson } from '../schemas/exact-json.js';
import { parseRetryAfter } from './backoff.js';
import type { Pax8ErrorKind } from './errors.js';
import { reasonsFrom } from './errors.js';
import { outboundUrlProblem } from '../../common/outbound-url.js';

export type AttemptOutcome =
  | { ok: true; status: number; json: unknown }
  | {
      ok: false;
      kind: Pax8ErrorKind;
      retryable: boolean;
      status?: number;
      body?: unknown;
      reasons?: string[];
      retryAfterMs?: number;
      cause?: unknown;
      detail?: string;
    };

export interface AttemptRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch: typeof fetch;
  now: () => number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** One HTTP exchange, classified. Never throws except when the caller's own signal aborts. */
export async function attempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const refused = outboundUrlProblem(req.url);
  if (refused) return { ok: false, kind: 'network', retryable: false, detail: refused };
  // One controller and one timer, cleared when the body is in (AbortSignal.timeout and AbortSignal.any built two
  // signals, weak references and a timer left running per request).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, req.timeoutMs);
  const caller = req.signal;
  const forward = () => controller.abort(caller!.reason);
  if (caller?.aborted) forward();
  else caller?.addEventListener('abort', forward, { once: true });
  let status = 0;
  let text: string;
  let retryAfter: string | null = null;
  try {
    const res = await req.fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: controller.signal });
    status = res.status;
    retryAfter = res.headers.get('retry-after');
    text = await res.text();
  } catch (err) {
    if (caller?.aborted) throw caller.reason ?? err;
    return classifyThrown(err, timedOut, status);
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', forward);
  }

  if (status >= 200 && status < 300) {
    if (text.length === 0) return { ok: true, status, json: undefined };
    try {
      return { ok: true, status, json: parseExactJson(text) };
    } catch (err) {
      // A cut-off body that still arrived "complete" lands here: worth another try.
      return { ok: false, kind: 'invalid_response', retryable: true, status, cause: err, detail: `body is not valid JSON (${text.length} bytes)` };
    }
  }

  const body = parseLoosely(text);
  const reasons = reasonsFrom(body);
  const base = { ok: false as const, status, body, reasons };
  if (status === 429) return { ...base, kind: 'rate_limited', retryable: true, retryAfterMs: parseRetryAfter(retryAfter, req.now()) };
  if (status >= 500) return { ...base, kind: 'server_error', retryable: true, retryAfterMs: parseRetryAfter(retryAfter, req.now()) };
  if (status === 408) return { ...base, kind: 'timeout', retryable: true };
  if (status === 401) return { ...base, kind: 'bad_credentials', retryable: false };
  if (status === 403) return { ...base, kind: 'forbidden', retryable: false };
  if (status === 404) return { ...base, kind: 'not_found', retryable: false };
  return { ...base, kind: status >= 400 ? 'rejected' : 'invalid_response', retryable: false, detail: status < 400 ? `unexpected HTTP ${status}` : undefined };
}

function classifyThrown(err: unknown, timedOut: boolean, status: number): AttemptOutcome {
  if (timedOut || (err instanceof Error && err.name === 'TimeoutError')) {
    return { ok: false, kind: 'timeout', retryable: true, status: status || undefined, cause: err, detail: status ? 'response body did not complete in time' : 'no response in time' };
  }
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if ((code && NETWORK_CODES.has(code)) || err instanceof TypeError) {
    return { ok: false, kind: 'network', retryable: true, status: status || undefined, cause: err, detail: `${code ?? message}${status ? ' while reading the body' : ''}` };
  }
  throw err; // not a transport failure: a bug, not something to retry
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function parseLoosely(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}
