/**
 * Every failure of the Xero client. The kinds are the same words as `AccountingErrorKind` in
 * src/accounting/connector.ts, so the adapter (src/accounting/connectors/xero.ts) turns one into the other without a
 * table; the client itself does not import src/accounting (src/accounting imports src/xero, and the folder graph has
 * no cycle). Never carries tokens or the client secret.
 */
export type XeroErrorKind = 'unauthorized' | 'invalid' | 'rate_limited' | 'conflict' | 'locked' | 'not_found' | 'unavailable';

export class XeroApiError extends Error {
  override name = 'XeroApiError';
  constructor(
    readonly kind: XeroErrorKind,
    message: string,
    readonly status: number | null = null,
    /** Xero's own words (ValidationErrors[].Message, an OAuth `error`, a 401's Detail). */
    readonly reasons: string[] = [],
    /** For rate_limited: when Xero says to come back (epoch ms). */
    readonly retryAt: number | null = null,
  ) {
    super(message);
  }
}

/** Xero's words from any of its error bodies: a ValidationException, an OAuth error, a 401/403 problem body. */
export function reasonsFrom(body: unknown): string[] {
  if (typeof body === 'string') return body.trim() ? [body.trim().slice(0, 500)] : [];
  if (!body || typeof body !== 'object') return [];
  const b = body as Record<string, unknown>;
  const out: string[] = [];
  if (Array.isArray(b['Elements'])) {
    for (const el of b['Elements'] as Array<Record<string, unknown>>) {
      for (const v of (Array.isArray(el?.['ValidationErrors']) ? el['ValidationErrors'] : []) as Array<Record<string, unknown>>) {
        if (typeof v?.['Message'] === 'string' && !out.includes(v['Message'])) out.push(v['Message']);
      }
    }
  }
  if (!out.length && typeof b['Message'] === 'string') out.push(b['Message']);
  if (typeof b['Detail'] === 'string') out.push(b['Detail']);
  if (typeof b['error'] === 'string') out.push(typeof b['error_description'] === 'string' ? `${b['error']}: ${b['error_description']}` : b['error']);
  return out;
}

/** Xero's refusal of a change to a paid or voided document (its wording; see src/xero/sandbox/README.md). */
export function isLockedReason(reason: string): boolean {
  return /cannot be edited as it has a payment or credit note allocated|not of valid status for modification/i.test(reason);
}
