/**
 * The one base of every error a user may be told about. Features throw their own subclasses (they keep their own
 * `code` vocabulary, which the CLI and tests read); `src/http/api/errors.ts` alone turns the kind into an HTTP status
 * and the API's `{error: {code, message, fields, requestId}}`.
 */
export const ERROR_KINDS = [
  'invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'upstream', 'unavailable', 'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A request field at fault: `body.quantity`, `query`, `body.settings.schedule.usage`. */
export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  /** The error's own code (default: the kind). */
  code?: string;
  /** The API's `error.code` when it is not the kind's usual one (see apiCodeOf). */
  apiCode?: string;
  fields?: FieldError[];
  /** What the API says instead of the message (the CLI's message may name more, e.g. the tenant looked up). */
  publicMessage?: string;
  /** Seconds after which a rate-limited caller may try again (the Retry-After header). */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: string;
  readonly apiCode?: string;
  readonly fields?: FieldError[];
  readonly publicMessage?: string;
  readonly retryAfterSeconds?: number;

  constructor(readonly kind: ErrorKind, message: string, opts: AppErrorOptions = {}) {
    super(message);
    this.code = opts.code ?? kind;
    if (opts.apiCode !== undefined) this.apiCode = opts.apiCode;
    if (opts.fields?.length) this.fields = opts.fields;
    if (opts.publicMessage !== undefined) this.publicMessage = opts.publicMessage;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** Codes fixed by the kind: every validation failure is `validation_failed`, every Pax8 failure `pax8_error`. */
const KIND_CODES: Partial<Record<ErrorKind, string>> = {
  invalid: 'validation_failed', unauthenticated: 'unauthenticated', not_found: 'not_found', upstream: 'pax8_error', internal: 'internal',
};

/** The API's `error.code` of an AppError: its explicit apiCode, else the kind's fixed code, else its own code. */
export function apiCodeOf(err: AppError): string {
  return err.apiCode ?? KIND_CODES[err.kind] ?? err.code;
}

/** One field at fault, as the features' errors name it. */
export function fieldError(path: string, message: string): FieldError[] {
  return [{ path, message }];
}

/** The fields of a message made of `path: why` parts joined by '; ' (zod issues as the services format them), under `prefix`. */
export function issueFields(message: string, prefix: string): FieldError[] {
  return message.split('; ').map((part) => {
    const m = /^([\w.]+): (.*)$/.exec(part);
    return m ? { path: `${prefix}.${m[1]}`, message: m[2]! } : { path: prefix, message: part };
  });
}

/** What the caller asked for by id is not there for it (another tenant's, another customer's, or none): not_found. */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}
