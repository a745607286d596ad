import { setTimeout as sleep } from 'node:timers/promises';
import { QuickBooksError, faultsFrom, kindOf } from './errors.js';
import type { QuickBooksPacer } from './pacer.js';

export interface RetryPolicy {
  /** Retries after a 429 (Intuit sends no Retry-After we could rely on; see README.md). */
  rateLimitRetries: number;
  /** Retries after a 5xx, a network failure, a timeout or a body that is not JSON. */
  transientRetries: number;
  /** First backoff; doubles each retry, with jitter, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { rateLimitRetries: 5, transientRetries: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, timeoutMs: 30_000 };

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** For messages: `METHOD /path` with no query string. */
  endpoint: string;
  signal?: AbortSignal;
}

export interface HttpDeps {
  fetch: typeof fetch;
  retry: RetryPolicy;
  pacer: QuickBooksPacer | null;
  /** The connection's budget shared with other processes: each paced attempt takes one start once the pacer lets it go. */
  budget?: { take(signal?: AbortSignal): Promise<void> } | undefined;
  random: () => number;
  /** Called with every attempt's status (0: no answer); for tests and logs. */
  onAttempt?: (status: number, endpoint: string) => void;
}

const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EPIPE|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|UND_ERR|fetch failed|other side closed/i;

/**
 * One call with Intuit's retry rules: a 429 waits (the Retry-After it names, else an exponential backoff that
 * outlasts the one-minute window within a few tries) and pauses the connection's pacer; 5xx, network failures and
 * cut-off bodies are retried a bounded number of times; everything else fails at once with Intuit's Fault words.
 * Answers the parsed JSON body (undefined for an empty body).
 */
export async function requestJson(req: HttpRequest, deps: HttpDeps): Promise<unknown> {
  let rateLimited = 0;
  let transient = 0;
  for (let attempt = 1; ; attempt++) {
    const budget = deps.budget;
    const outcome = await (deps.pacer
      ? deps.pacer.run(async () => {
        if (budget) await budget.take(req.signal);
        return once(req, deps);
      }, req.signal)
      : once(req, deps));
    deps.onAttempt?.(outcome.status, req.endpoint);
    if (outcome.ok) return outcome.json;
    const fail = (detail?: string) =>
      new QuickBooksError({ kind: outcome.kind, endpoint: req.endpoint, attempts: attempt, status: outcome.status || undefined, faults: outcome.faults, detail: detail ?? outcome.detail, cause: outcome.cause });
    if (outcome.kind === 'rate_limited') {
      if (rateLimited >= deps.retry.rateLimitRetries) throw fail();
      const ceiling = Math.min(deps.retry.maxDelayMs, deps.retry.baseDelayMs * 2 ** rateLimited);
      const wait = outcome.retryAfterMs ?? Math.floor(ceiling / 2 + deps.random() * (ceiling / 2));
      rateLimited++;
      deps.pacer?.pauseUntil(Date.now() + wait);
      await sleep(wait, undefined, { signal: req.signal });
      continue;
    }
    if (outcome.kind === 'unavailable' && outcome.retryable) {
      if (transient >= deps.retry.transientRetries) throw fail();
      const ceiling = Math.min(deps.retry.maxDelayMs, deps.retry.baseDelayMs * 2 ** transient);
      transient++;
      await sleep(Math.floor(deps.random() * ceiling), undefined, { signal: req.signal });
      continue;
    }
    throw fail();
  }
}

type Outcome =
  | { ok: true; status: number; json: unknown }
  | {
      ok: false;
      status: number;
      kind: ReturnType<typeof kindOf>;
      retryable: boolean;
      faults: ReturnType<typeof faultsFrom>;
      retryAfterMs?: number;
      detail?: string;
      cause?: unknown;
    };

async function once(req: HttpRequest, deps: HttpDeps): Promise<Outcome> {
  const timeout = AbortSignal.timeout(deps.retry.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  let status = 0;
  let text: string;
  let retryAfter: string | null = null;
  try {
    const res = await deps.fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal });
    status = res.status;
    retryAfter = res.headers.get('retry-after');
    text = await res.text();
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason ?? err;
    const message = err instanceof Error ? `${err.message} ${String((err as { cause?: { code?: string } }).cause?.code ?? '')}` : String(err);
    if (timeout.aborted || (err instanceof Error && err.name === 'TimeoutError')) {
      return { ok: false, status, kind: 'unavailable', retryable: true, faults: [], detail: 'no answer in time', cause: err };
    }
    if (err instanceof TypeError || NETWORK.test(message)) {
      return { ok: false, status, kind: 'unavailable', retryable: true, faults: [], detail: `could not reach QuickBooks (${message.trim()})`, cause: err };
    }
    throw err;
  }
  const json = parse(text);
  if (status >= 200 && status < 300) {
    if (json.ok) {
      // Intuit may answer 200 with a Fault in the body.
      const faults = json.value && typeof json.value === 'object' && ('Fault' in json.value || 'fault' in json.value) ? faultsFrom(json.value) : [];
      if (faults.length) return { ok: false, status, kind: kindOf(400, faults), retryable: false, faults };
      return { ok: true, status, json: json.value };
    }
    return { ok: false, status, kind: 'unavailable', retryable: true, faults: [], detail: `the answer is not JSON (${text.length} bytes)` };
  }
  const faults = faultsFrom(json.ok ? json.value : text);
  const kind = kindOf(status, faults);
  const retryAfterMs = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter.trim()) ? Math.round(Number(retryAfter) * 1000) : undefined;
  return { ok: false, status, kind, retryable: kind === 'rate_limited' || status >= 500, faults, retryAfterMs };
}

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
