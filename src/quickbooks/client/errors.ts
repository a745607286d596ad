import type { QboFaultError } from './types.js';

/**
 * Failure kinds of the QuickBooks client. They are the strings of the accounting connector's error kinds
 * (src/accounting/connector.ts) plus `duplicate`, so the adapter can map them one to one without this folder importing
 * src/accounting (the folder graph has no cycle: only src/accounting imports src/quickbooks).
 */
export type QuickBooksErrorKind =
  /** 401/403, or the token endpoint refused the grant (invalid_grant): connect again. */
  | 'unauthorized'
  /** A ValidationFault or other 4xx: `faults` hold Intuit's words. */
  | 'invalid'
  /** Fault 5010 "Stale Object Error": the SyncToken sent is not the current one. */
  | 'conflict'
  /** Fault 6140 "Duplicate Document Number Error". */
  | 'duplicate'
  /** 404, or Fault 610 "Object Not Found". */
  | 'not_found'
  /** 429 after every retry. */
  | 'rate_limited'
  /** 5xx, network failure, timeout or an answer that is not JSON, after every retry. */
  | 'unavailable';

export interface QuickBooksErrorInit {
  kind: QuickBooksErrorKind;
  /** `METHOD /path` without the query string (never carries tokens). */
  endpoint: string;
  attempts: number;
  status?: number;
  faults?: QboFaultError[];
  detail?: string;
  cause?: unknown;
}

/** Every failure of the QuickBooks client. Never carries credentials. */
export class QuickBooksError extends Error {
  override name = 'QuickBooksError';
  readonly kind: QuickBooksErrorKind;
  readonly endpoint: string;
  readonly attempts: number;
  readonly status?: number;
  readonly faults: QboFaultError[];

  constructor(init: QuickBooksErrorInit) {
    const faults = init.faults ?? [];
    super(
      `QuickBooks ${init.endpoint} failed${init.attempts > 1 ? ` after ${init.attempts} attempts` : ''}: ` +
        `${init.status ? `HTTP ${init.status} ` : ''}${init.detail ?? (faults.length ? faultText(faults) : init.kind)}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.attempts = init.attempts;
    this.status = init.status;
    this.faults = faults;
  }

  /** Intuit's fault codes ("5010", "6140", ...). */
  get codes(): string[] {
    return this.faults.map((f) => f.code);
  }
}

/** "Message: Detail (code N)" for each fault, in Intuit's own words. */
export function faultText(faults: QboFaultError[]): string {
  return faults.map((f) => `${f.Detail && f.Detail !== f.Message ? `${f.Message}: ${f.Detail}` : f.Message} (code ${f.code})`).join('; ');
}

/**
 * The Fault.Error entries of an error body. Intuit answers `{"Fault": {"Error": [{Message, Detail, code, element}], type}}`,
 * and its 401s the same in lower case (`{"fault": {"error": [{message, detail, code}]}}`); an OAuth endpoint answers
 * `{error, error_description}`.
 */
export function faultsFrom(body: unknown): QboFaultError[] {
  if (body === null || typeof body !== 'object') return typeof body === 'string' && body ? [{ Message: body.slice(0, 300), code: '' }] : [];
  const b = body as Record<string, unknown>;
  const fault = (b.Fault ?? b.fault) as Record<string, unknown> | undefined;
  const list = fault && typeof fault === 'object' ? (fault.Error ?? fault.error) : undefined;
  if (Array.isArray(list)) {
    return list.flatMap((e) => {
      if (!e || typeof e !== 'object') return [];
      const r = e as Record<string, unknown>;
      const str = (...keys: string[]) => keys.map((k) => r[k]).find((v): v is string => typeof v === 'string');
      const out: QboFaultError = { Message: str('Message', 'message') ?? '', code: String(r.code ?? r.Code ?? '') };
      const detail = str('Detail', 'detail');
      if (detail) out.Detail = detail;
      const element = str('element', 'Element');
      if (element) out.element = element;
      return [out];
    });
  }
  if (typeof b.error === 'string') {
    return [{ Message: b.error, ...(typeof b.error_description === 'string' ? { Detail: b.error_description } : {}), code: '' }];
  }
  return [];
}

/** The kind an HTTP status and its faults mean. */
export function kindOf(status: number, faults: QboFaultError[]): QuickBooksErrorKind {
  const codes = new Set(faults.map((f) => f.code.replace(/^0+/, '')));
  if (status === 401 || status === 403 || codes.has('3200') || codes.has('100') || codes.has('120')) return 'unauthorized';
  if (codes.has('5010')) return 'conflict';
  if (codes.has('6140')) return 'duplicate';
  if (status === 404 || codes.has('610')) return 'not_found';
  if (status === 429 || codes.has('3001')) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'invalid';
}
