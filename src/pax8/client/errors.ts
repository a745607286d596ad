export type Pax8ErrorKind =
  | 'bad_credentials' // token endpoint refused the credentials, or a 401 survived a fresh token
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'rejected' // other 4xx: Pax8 refused the request; `reasons` holds its text
  | 'rate_limited' // 429 after all retries
  | 'server_error' // 5xx after all retries
  | 'timeout' // no complete answer within timeoutMs, after all retries
  | 'network' // connection refused / DNS failure / reset / body cut off, after all retries
  | 'invalid_response'; // 2xx whose body is not the expected JSON, after all retries

export interface Pax8ErrorInit {
  kind: Pax8ErrorKind;
  tenantId: string;
  tenantName: string;
  /** `METHOD /path` relative to the API base (or the token URL), no query string. */
  endpoint: string;
  attempts: number;
  status?: number;
  reasons?: string[];
  body?: unknown;
  cause?: unknown;
  detail?: string;
}

/** Every failure of the Pax8 client. Never carries credentials. */
export class Pax8Error extends Error {
  override name = 'Pax8Error';
  readonly kind: Pax8ErrorKind;
  readonly tenantId: string;
  readonly tenantName: string;
  readonly endpoint: string;
  readonly attempts: number;
  readonly status?: number;
  /** Pax8's own reason texts (from `{errors:[...]}`, `{message, details}` or `{error_description}`). */
  readonly reasons: string[];
  /** Parsed error body, when there was one. */
  readonly body?: unknown;

  constructor(init: Pax8ErrorInit) {
    const reasons = init.reasons ?? [];
    const what = init.detail ?? (reasons.length ? reasons.join('; ') : init.kind.replace('_', ' '));
    super(
      `Pax8 ${init.endpoint} for tenant "${init.tenantName}" (${init.tenantId}) failed after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'}: ` +
        `${init.status ? `HTTP ${init.status} ` : ''}${what}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.kind = init.kind;
    this.tenantId = init.tenantId;
    this.tenantName = init.tenantName;
    this.endpoint = init.endpoint;
    this.attempts = init.attempts;
    this.status = init.status;
    this.reasons = reasons;
    this.body = init.body;
  }
}

/** Pax8's reason texts from any of its error bodies. */
export function reasonsFrom(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return typeof body === 'string' && body ? [body.slice(0, 500)] : [];
  const b = body as Record<string, unknown>;
  const out: string[] = [];
  if (Array.isArray(b.errors)) {
    for (const e of b.errors) {
      if (typeof e === 'string') out.push(e);
      else if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') out.push((e as { message: string }).message);
    }
  }
  if (typeof b.message === 'string' && b.message) out.push(b.message);
  if (Array.isArray(b.details)) {
    for (const d of b.details) {
      if (d && typeof d === 'object' && typeof (d as { message?: unknown }).message === 'string') out.push((d as { message: string }).message);
    }
  }
  if (typeof b.error_description === 'string' && b.error_description) out.push(b.error_description);
  else if (typeof b.error === 'string' && b.error) out.push(b.error);
  return out;
}
